/* The directors' dashboard charts (Plotly basic bundle, served locally). Data come from the
   page's json_script blocks; amounts arrive as decimal strings. */
(function () {
  "use strict";
  var MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
              "septembre", "octobre", "novembre", "décembre"];
  var MOIS_COURTS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                     "sept.", "oct.", "nov.", "déc."];
  var COULEURS = ["#9ec5e0", "#5b9bc8", "#f0a35e", "#d9622b", "#9d1f16"];
  // No toolbar: it sat over the charts' tops; the figures are in the table under each chart.
  var config = { responsive: true, displayModeBar: false, locale: "fr" };

  function donnees(id) {
    return JSON.parse(document.getElementById(id).textContent);
  }
  function nombre(valeur) {
    return Number(valeur);
  }
  function mise_en_page(extra) {
    var base = {
      separators: ",\u202f", margin: { l: 50, r: 20, t: 10, b: 40 }, height: 320,
      font: { family: "system-ui, 'Segoe UI', Roboto, sans-serif", size: 12 },
      // The legend above the plot: below it, it covered the sites' slanted names.
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" }, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    };
    return Object.assign(base, extra);
  }

  // Two segments per site: at the bottom the debts past the rule's delay (what the alert
  // counts, read against the threshold line), above them the more recent ones.
  function vieillissement(seuils) {
    var d = donnees("donnees-vieillissement");
    var au_dela = "plus de " + d.retard_min + " j", en_deca = d.retard_min + " j ou moins";
    var traces = [
      { type: "bar", name: au_dela, x: d.noms, y: d.au_dela.nb, customdata: d.au_dela.montant.map(nombre),
        marker: { color: "#9d1f16" },
        hovertemplate: "%{x} — " + au_dela + " : %{y} échéances, %{customdata:,.2f} €<extra></extra>" },
      { type: "bar", name: en_deca, x: d.noms, y: d.en_deca.nb, customdata: d.en_deca.montant.map(nombre),
        marker: { color: "#c9d8e4" },
        hovertemplate: "%{x} — " + en_deca + " : %{y} échéances, %{customdata:,.2f} €<extra></extra>" },
      // The threshold's name in the legend (a label on the chart ran over the red bars and
      // was cut on a phone); the line itself is the shape, across the whole width.
      { type: "scatter", mode: "lines", x: [null], y: [null], hoverinfo: "skip",
        name: "seuil d'alerte d'un site : plus de " + seuils.site + " échéances à " + au_dela,
        line: { color: "#b3261e", dash: "dash", width: 2 } },
    ];
    Plotly.newPlot("graphique-vieillissement", traces, mise_en_page({
      barmode: "stack", height: 420, margin: { l: 50, r: 20, t: 10, b: 150 },
      // The legend above the chart: below it, it ran into the slanted site names.
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
      yaxis: { title: { text: "échéances impayées" } }, xaxis: { tickangle: -45, automargin: true },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: seuils.site, y1: seuils.site,
                 line: { color: "#b3261e", dash: "dash", width: 2 } }],
    }), config);
  }

  function tendance(seuils) {
    var d = donnees("donnees-tendance");
    var seuil = seuils.global, au_dela = "> " + seuils.retard + " j";
    var jours = d.map(function (p) { return p.jour; });
    Plotly.newPlot("graphique-tendance", [
      { type: "scatter", mode: "lines", name: "impayés " + au_dela, x: jours, y: d.map(function (p) { return p.nb; }),
        line: { color: "#1f5f8b", width: 2 }, hovertemplate: "%{x|%d/%m/%Y} : %{y} impayés<extra></extra>" },
      { type: "scatter", mode: "lines", name: "reste dû " + au_dela + " (€)", x: jours, yaxis: "y2",
        y: d.map(function (p) { return nombre(p.montant); }), line: { color: "#d9622b", width: 2, dash: "dot" },
        hovertemplate: "%{x|%d/%m/%Y} : %{y:,.2f} €<extra></extra>" },
    ], mise_en_page({
      margin: { l: 50, r: 70, t: 40, b: 40 },
      xaxis: { tickformat: "%b %Y" },
      yaxis: { title: { text: "impayés" }, rangemode: "tozero" },
      // Its own round ticks (« 50 000 € »), not ticks synced to the count axis's grid (« 37 262 € »).
      yaxis2: { overlaying: "y", side: "right", rangemode: "tozero", tickformat: ",.0f", ticksuffix: " €",
                tickmode: "auto", nticks: 6, showgrid: false },
      shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: seuil, y1: seuil,
                 line: { color: "#b3261e", dash: "dash", width: 1 } }],
    }), config);
  }

  function recouvre() {
    var d = donnees("donnees-recouvre");
    Plotly.newPlot("graphique-recouvre", [{
      type: "bar", name: "montant recouvré",
      x: d.map(function (p) { return p.semaine.slice(8, 10) + "/" + p.semaine.slice(5, 7); }),
      y: d.map(function (p) { return nombre(p.montant); }), marker: { color: "#2e7d5b" },
      hovertemplate: "semaine du %{x} : %{y:,.2f} €<extra></extra>",
    }], mise_en_page({
      showlegend: false, margin: { l: 75, r: 20, t: 10, b: 40 },
      xaxis: { type: "category", title: { text: "semaine du" } },
      yaxis: { tickformat: ",.0f", ticksuffix: " €", rangemode: "tozero" },
    }), config);
  }

  var locale = false;
  function dessiner(trace) {
    return function () {
      if (!locale) {
        Plotly.register({ moduleType: "locale", name: "fr", dictionary: {},
                          format: { months: MOIS, shortMonths: MOIS_COURTS, decimal: ",", thousands: "\u202f" } });
        locale = true;
      }
      trace(donnees("donnees-seuils"));
    };
  }
  // Each chart is drawn when about to be seen (static/js/graphiques.js fetches Plotly then).
  akigGraphique(document.getElementById("graphique-vieillissement"), dessiner(vieillissement));
  akigGraphique(document.getElementById("graphique-tendance"), dessiner(tendance));
  akigGraphique(document.getElementById("graphique-recouvre"), dessiner(recouvre));
})();
