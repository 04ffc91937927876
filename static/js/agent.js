/* The agent page: score charts (Plotly basic), the GPS trail map (Leaflet) and its replay.
   Data comes from <script type="application/json"> blocks written by the server. The map's code
   and the charts' are fetched only when their box is about to be seen (a phone on mobile data
   reads the figures and tables first). Every swap of #trajet (day, window) draws afresh. */
(function () {
  "use strict";

  var CONFIG = { displaylogo: false, displayModeBar: false, responsive: true, locale: "fr" };
  var MARGES = { l: 40, r: 10, t: 10, b: 40 };
  var lecture = null;  // the running replay timer
  var carteLeaflet = null;  // the map drawn in #carte, removed before #trajet is swapped
  var chargements = {};  // url -> Promise: each file is fetched once

  function lire(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function ressource(nom) {
    return document.getElementById("section-trajet").dataset[nom];
  }

  /* Fetch a script, or a stylesheet (`css`: the link's attributes, {} for none), once. */
  function charger(url, css) {
    if (!chargements[url]) {
      chargements[url] = new Promise(function (resolve, reject) {
        var el = document.createElement(css ? "link" : "script");
        if (css) { Object.assign(el, css, { rel: "stylesheet", href: url }); } else { el.src = url; }
        el.onload = resolve;
        el.onerror = function () { delete chargements[url]; reject(new Error(url)); };
        document.head.appendChild(el);
      });
    }
    return chargements[url];
  }

  /* Run `dessiner` once `element` comes within 300 px of the screen. */
  function quandVisible(element, dessiner) {
    if (!element) return;
    if (!("IntersectionObserver" in window)) { dessiner(); return; }
    var obs = new IntersectionObserver(function (entrees) {
      if (entrees.some(function (e) { return e.isIntersecting; })) { obs.disconnect(); dessiner(); }
    }, { rootMargin: "300px 0px" });
    obs.observe(element);
  }

  // One formatter per time zone: building one per call cost ~60 µs, once per GPS point.
  var formats = {};
  function heure(ms, fuseau) {
    var format = formats[fuseau] || (formats[fuseau] = new Intl.DateTimeFormat("fr-FR", {
      timeZone: fuseau, hour12: false, hour: "numeric", minute: "numeric", second: "numeric" }));
    return format.format(ms);
  }

  function ligneSeuil(seuil) {
    return { type: "line", xref: "paper", x0: 0, x1: 1, y0: seuil, y1: seuil,
             line: { color: "#b3261e", width: 1.5, dash: "dash" } };
  }

  /* The line's name, at its left end under it (the score rule's threshold). */
  function nomSeuil(seuil) {
    return { xref: "paper", x: 0, xanchor: "left", y: seuil, yanchor: "top", showarrow: false,
             text: "seuil d'alerte : " + String(seuil).replace(".", ","), font: { color: "#b3261e", size: 11 } };
  }

  function avecPlotly(div, dessiner) {
    quandVisible(div, function () {
      // Plotly's CSS as a file first: finding it, the bundle creates no <style> (CSP).
      var css = charger(ressource("plotlyCss"), { id: "plotly.js-style-global", className: "no-inline-styles" });
      Promise.all([css, charger(ressource("plotly"))])
        .then(function () { if (document.body.contains(div)) dessiner(); });
    });
  }

  function historique() {
    var div = document.getElementById("graphique-historique");
    var donnees = lire("donnees-historique");
    if (!div || !donnees) return;
    avecPlotly(div, function () {
      Plotly.react(div, [{
        x: donnees.jours.map(function (j) { return j[0]; }),
        y: donnees.jours.map(function (j) { return j[1]; }),
        type: "scatter", mode: "lines+markers", name: "score", line: { color: "#1f5f8b" },
        hovertemplate: "%{x|%d/%m/%Y} : %{y:.2f}<extra></extra>"
      }], {
        margin: MARGES, height: 260, yaxis: { range: [0, 10.2], title: { text: "score" } },
        xaxis: { tickformat: "%d/%m" }, shapes: [ligneSeuil(Number(div.dataset.seuil))],
        annotations: [nomSeuil(Number(div.dataset.seuil))], showlegend: false
      }, CONFIG);
    });
  }

  function courbeDuJour() {
    var div = document.getElementById("courbe-jour");
    var donnees = lire("donnees-courbes");
    if (!div || !donnees) return;
    avecPlotly(div, function () {
      Plotly.react(div, [{
        x: donnees.instants.map(function (p) { return heure(p[0], donnees.fuseau).slice(0, 5); }),
        y: donnees.instants.map(function (p) { return p[1]; }),
        type: "scatter", mode: "lines+markers", connectgaps: false, line: { color: "#1f5f8b" },
        hovertemplate: "%{x} : %{y:.2f}<extra></extra>"
      }], {
        margin: MARGES, height: 220, yaxis: { range: [0, 10.2] }, xaxis: { type: "category", nticks: 12 },
        shapes: [ligneSeuil(Number(div.dataset.seuil))], annotations: [nomSeuil(Number(div.dataset.seuil))],
        showlegend: false
      }, CONFIG);
    });
  }

  /* The trail's lines, cut at each gap: [[lat, lon], ...] per stretch. */
  function troncons(pts, trous) {
    var debutsDeTrou = {}, morceaux = [[]];
    trous.forEach(function (t) { debutsDeTrou[t.debut] = true; });
    pts.forEach(function (p) {
      morceaux[morceaux.length - 1].push([p[1], p[2]]);
      if (debutsDeTrou[p[0]]) morceaux.push([]);
    });
    return morceaux.filter(function (m) { return m.length > 1; });
  }

  function enlever() {
    if (lecture) { clearInterval(lecture); lecture = null; }
    if (carteLeaflet) {
      var m = carteLeaflet;
      carteLeaflet = null;
      m.stop();  // no pan or zoom animation left to finish on a removed map
      m.remove();
    }
  }

  function dessinerCarte(div, d) {
    var L = window.L, noms = d.legende;
    // No zoom animation: Leaflet finishes one on a timer, which throws (_leaflet_pos of
    // undefined) when an htmx swap has removed the map meanwhile; the map only jumps to a fit.
    var m = L.map(div, { zoomSnap: 0.25, attributionControl: !!d.tuiles, zoomAnimation: false,
                         markerZoomAnimation: false, fadeAnimation: false });
    carteLeaflet = m;
    if (d.tuiles) {
      m.attributionControl.setPrefix("Leaflet");
      L.tileLayer(d.tuiles, { attribution: d.attribution, maxZoom: 19 }).addTo(m);
    }
    L.control.scale({ imperial: false, maxWidth: 140 }).addTo(m);
    var couches = {};

    couches.trajet = L.layerGroup(troncons(d.points, d.trous).map(function (t) {
      return L.polyline(t, { color: "#1f5f8b", weight: 3, opacity: 0.85, interactive: false });
    })).addTo(m);
    couches.trous = L.layerGroup(d.trous.map(function (t) {
      return L.polyline([t.de, t.a], { color: "#3c4043", weight: 2.5, dashArray: "6 6", className: "trou-carte" })
        .bindTooltip(t.texte, { sticky: true });
    })).addTo(m);
    couches.arrets = L.layerGroup(d.arrets.map(function (a) {
      return L.circleMarker([a.lat, a.lon], { radius: 6 + Math.min(16, a.minutes / 4), color: "#1f5f8b",
                                              weight: 1.5, fillColor: "#1f5f8b", fillOpacity: 0.25, className: "arret-carte" })
        .bindTooltip(a.heures, { permanent: true, direction: "bottom", className: "etiquette-arret", offset: [0, 6] });
    })).addTo(m);
    couches.actions = L.layerGroup(d.actions.map(function (a) {
      return L.circleMarker([a.lat, a.lon], { radius: 5, color: "#7a4a00", weight: 1.5, fillColor: "#f29900",
                                              fillOpacity: 1, className: "action-carte" }).bindTooltip(a.texte);
    })).addTo(m);
    // The planned sites above everything: a reached site is never hidden under a stop.
    couches.sites = L.layerGroup(d.sites.map(function (s) {
      var icone = L.divIcon({ className: "", html: '<span class="site-carte site-' + s.verdict + '">' + s.n + "</span>",
                              iconSize: [26, 26], iconAnchor: [13, 13] });
      return L.marker([s.lat, s.lon], { icon: icone, title: s.texte, alt: s.texte, zIndexOffset: 1000, keyboard: false })
        .bindTooltip(s.n + ". " + s.nom, { permanent: true, direction: "right", className: "etiquette-site", offset: [12, 0] });
    })).addTo(m);

    var tous = d.points.map(function (p) { return [p[1], p[2]]; })
      .concat(d.sites.map(function (s) { return [s.lat, s.lon]; }));
    function cadrer() {
      if (carteLeaflet !== m) return;  // removed meanwhile (a swap)
      if (tous.length) m.fitBounds(tous, { padding: [30, 30], maxZoom: 17 });
      else m.setView([48.857, 2.35], 11);
    }
    cadrer();
    // A phone turned or a window resized: fit the day again to the new size.
    var recadrage = null;
    m.on("resize", function () { clearTimeout(recadrage); recadrage = setTimeout(cadrer, 250); });
    m.on("unload", function () { clearTimeout(recadrage); });

    var ici = null;
    if (d.points.length) {
      ici = L.circleMarker([d.points[0][1], d.points[0][2]], { radius: 8, color: "#fff", weight: 2, fillColor: "#111",
                                                               fillOpacity: 1, interactive: false, className: "ici-carte" }).addTo(m);
    }
    rejouer(d, ici ? function (lat, lon) { ici.setLatLng([lat, lon]); } : null);
    div.dataset.couches = Object.keys(couches).filter(function (k) { return couches[k].getLayers().length; }).join(" ");
    div.dataset.points = String(d.points.length);
    div.dataset.pret = "1";
    div.setAttribute("aria-label", div.getAttribute("aria-label") + " — " + noms.sites + " : " + d.sites.length +
                     ", " + noms.arrets + " : " + d.arrets.length);
  }

  function carte() {
    var div = document.getElementById("carte");
    var d = lire("donnees-carte");
    if (!div || !d) return;
    rejouer(d, null);  // the replay's controls work (or say there is nothing) before the map is drawn
    quandVisible(div, function () {
      Promise.all([charger(ressource("leafletCss"), {}), charger(ressource("leafletJs"))]).then(function () {
        if (document.body.contains(div) && !(carteLeaflet && carteLeaflet.getContainer() === div)) dessinerCarte(div, d);
      });
    });
  }

  function rejouer(d, deplacer) {
    var pts = d.points, curseur = document.getElementById("curseur"), horloge = document.getElementById("horloge");
    var bouton = document.getElementById("lecture"), vitesse = document.getElementById("vitesse");
    if (lecture) { clearInterval(lecture); lecture = null; }
    if (!pts.length) { horloge.textContent = "--:--:--"; bouton.disabled = true; return; }
    var i = 0, horlogeMs = pts[0][0];
    deplacer = deplacer || function () {};

    function montrer(k) {
      i = Math.max(0, Math.min(pts.length - 1, k));
      horlogeMs = pts[i][0];
      curseur.value = i;
      horloge.textContent = heure(pts[i][0], d.fuseau);
      deplacer(pts[i][1], pts[i][2]);
    }
    function arreter() {
      if (lecture) { clearInterval(lecture); lecture = null; }
      bouton.textContent = "▶ Lecture"; bouton.setAttribute("aria-label", "Lecture"); bouton.dataset.etat = "pause";
    }
    var PAS_MS = 200;
    bouton.onclick = function () {
      if (lecture) { arreter(); return; }
      if (i >= pts.length - 1) montrer(0);
      bouton.textContent = "■ Pause"; bouton.setAttribute("aria-label", "Pause"); bouton.dataset.etat = "lecture";
      lecture = setInterval(function () {
        // The clock moves `vitesse` seconds of the trail per second of replay.
        horlogeMs += PAS_MS * Number(vitesse.value);
        var k = i;
        while (k + 1 < pts.length && pts[k + 1][0] <= horlogeMs) k++;
        if (k !== i) montrer(k); else horloge.textContent = heure(horlogeMs, d.fuseau);
        if (i >= pts.length - 1) arreter();
      }, PAS_MS);
    };
    document.getElementById("recul").onclick = function () { arreter(); montrer(i - 1); };
    document.getElementById("avance").onclick = function () { arreter(); montrer(i + 1); };
    curseur.oninput = function () { arreter(); montrer(Number(curseur.value)); };
    montrer(Number(curseur.value) || 0);
  }

  function trajet() {
    courbeDuJour();
    carte();
  }

  function initialiser() {
    enlever();
    historique();
    trajet();
  }

  document.addEventListener("DOMContentLoaded", initialiser);
  document.body.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target.id === "trajet") enlever();
  });
  // After the settle: htmx lends the old elements' attributes to the new ones until then.
  document.body.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target.id === "historique") historique();
    if (e.detail.target.id === "trajet") trajet();
  });
  // Back or forward after a swap: htmx puts the old page back, drawn afresh here.
  document.body.addEventListener("htmx:historyRestore", initialiser);
})();
