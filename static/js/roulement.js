/* /dashboard/roulement: the 31–60 → 61–90 roll rate over 12 months (Plotly basic bundle,
   served locally, fetched by graphiques.js when the chart is about to be seen). Data from the page's json_script; the table beside it
   says the same without JavaScript. Estimated months are drawn hollow. */
(function () {
  "use strict";
  var MOIS_COURTS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                     "sept.", "oct.", "nov.", "déc."];
  function mois_court(aaaa_mm) {  /* "2026-07" → "juil. 2026" */
    return MOIS_COURTS[Number(aaaa_mm.slice(5, 7)) - 1] + " " + aaaa_mm.slice(0, 4);
  }
  var cible = document.getElementById("graphique-roulement");
  akigGraphique(cible, function () {
    var d = JSON.parse(document.getElementById("donnees-roulement").textContent);
    var x = d.map(function (p) { return mois_court(p.mois); });
    var y = d.map(function (p) { return p.taux === null ? null : Number(p.taux); });
    var texte = d.map(function (p) { return p.estime ? "estimé" : "exact"; });
    Plotly.newPlot(cible, [{
      type: "scatter", mode: "lines+markers", x: x, y: y, text: texte, connectgaps: false,
      line: { color: "#d9622b", width: 2 },
      marker: { size: 9, color: d.map(function (p) { return p.estime ? "#fff" : "#d9622b"; }),
                line: { color: "#d9622b", width: 2 } },
      hovertemplate: "%{x} : %{y:,.1f} % (%{text})<extra></extra>",
    }], {
      separators: ",\u202f", height: 320, margin: { l: 55, r: 25, t: 10, b: 60 },
      font: { family: "system-ui, 'Segoe UI', Roboto, sans-serif", size: 12 },
      showlegend: false, paper_bgcolor: "#fff", plot_bgcolor: "#fff",
      xaxis: { type: "category", tickangle: -45 },
      yaxis: { ticksuffix: " %", rangemode: "tozero" },
    }, { responsive: true, displayModeBar: false, locale: "fr" });  // no toolbar over the chart
  });
})();
