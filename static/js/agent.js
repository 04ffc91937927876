/* The agent page: score charts, the GPS trail map (Plotly scattermap) and its replay.
   Data comes from <script type="application/json"> blocks written by the server. */
(function () {
  "use strict";

  var CONFIG = { displaylogo: false, responsive: true, locale: "fr", modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  var MARGES = { l: 40, r: 10, t: 10, b: 40 };
  var lecture = null;  // the running replay timer
  var recadrage = null;  // the pending fit after a resize

  function lire(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
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

  function historique() {
    var div = document.getElementById("graphique-historique");
    var donnees = lire("donnees-historique");
    if (!div || !donnees) return;
    var seuil = Number(div.dataset.seuil);
    Plotly.react(div, [{
      x: donnees.jours.map(function (j) { return j[0]; }),
      y: donnees.jours.map(function (j) { return j[1]; }),
      type: "scatter", mode: "lines+markers", name: "score", line: { color: "#1f5f8b" },
      hovertemplate: "%{x|%d/%m/%Y} : %{y:.2f}<extra></extra>"
    }], {
      margin: MARGES, height: 260, yaxis: { range: [0, 10.2], title: { text: "score" } },
      xaxis: { tickformat: "%d/%m" }, shapes: [ligneSeuil(seuil)], showlegend: false
    }, CONFIG);
  }

  function courbeDuJour() {
    var div = document.getElementById("courbe-jour");
    var donnees = lire("donnees-courbes");
    if (!div || !donnees) return;
    var seuil = Number(div.dataset.seuil);
    Plotly.react(div, [{
      x: donnees.instants.map(function (p) { return heure(p[0], donnees.fuseau).slice(0, 5); }),
      y: donnees.instants.map(function (p) { return p[1]; }),
      type: "scatter", mode: "lines+markers", connectgaps: false, line: { color: "#1f5f8b" },
      hovertemplate: "%{x} : %{y:.2f}<extra></extra>"
    }], {
      margin: MARGES, height: 220, yaxis: { range: [0, 10.2] }, xaxis: { type: "category", nticks: 12 },
      shapes: [ligneSeuil(seuil)], showlegend: false
    }, CONFIG);
  }

  /* The map's style makes no outside request: a plain background. The trail, sites and stops are
     Plotly traces drawn above it, so the map works on an intranet. */
  var STYLE_VIDE = { version: 8, sources: {}, layers: [{ id: "fond", type: "background", paint: { "background-color": "#eef1f4" } }] };

  /* When the server names a tile URL (AKIG_CARTE_TUILES_URL), tiles are added under the traces once
     the map is drawn; a tile that cannot be fetched (no internet) leaves the background showing. */
  function carteMapLibre(div) {
    var subplot = div._fullLayout && div._fullLayout.map && div._fullLayout.map._subplot;
    return subplot ? subplot.map : null;
  }

  function ajouterTuiles(m, tuiles) {
    if (!tuiles) return;
    m.on("error", function () {});  // handled: MapLibre would otherwise log every failed tile
    var couches = m.getStyle().layers;
    m.addSource("tuiles", { type: "raster", tiles: [tuiles], tileSize: 256, attribution: "© OpenStreetMap" });
    m.addLayer({ id: "tuiles", type: "raster", source: "tuiles" }, couches.length > 1 ? couches[1].id : undefined);
  }

  /* The replay's moving dot is a MapLibre layer of its own, moved with setData: no Plotly
     redraw (and no redraw promise a failing tile could reject) at each step. */
  function point(lat, lon) {
    return { type: "Feature", properties: {}, geometry: { type: "Point", coordinates: [lon, lat] } };
  }

  function ajouterCurseur(m, pts) {
    m.addSource("ici", { type: "geojson", data: point(pts[0][1], pts[0][2]) });
    m.addLayer({ id: "ici", type: "circle", source: "ici",
                 paint: { "circle-radius": 8, "circle-color": "#111", "circle-stroke-color": "#fff", "circle-stroke-width": 2 } });
    return function (lat, lon) { m.getSource("ici").setData(point(lat, lon)); };
  }

  /* Centre and zoom that fit `points` ([lat, lon]) in a div of `largeur` × `hauteur` px
     (web Mercator, 512-px tiles at zoom 0). */
  function cadrage(points, largeur, hauteur) {
    var lats = points.map(function (p) { return p[0]; }), lons = points.map(function (p) { return p[1]; });
    if (!lats.length) return { center: { lat: 48.857, lon: 2.35 }, zoom: 11 };
    var lat0 = Math.min.apply(null, lats), lat1 = Math.max.apply(null, lats);
    var lon0 = Math.min.apply(null, lons), lon1 = Math.max.apply(null, lons);
    var centre = { lat: (lat0 + lat1) / 2, lon: (lon0 + lon1) / 2 };
    var dLon = Math.max(lon1 - lon0, 0.002), dLat = Math.max(lat1 - lat0, 0.002) / Math.cos(centre.lat * Math.PI / 180);
    var zoom = Math.min(Math.log2(largeur * 360 / (512 * dLon)), Math.log2(hauteur * 360 / (512 * dLat))) - 0.4;
    return { center: centre, zoom: Math.max(3, Math.min(17, zoom)) };
  }

  /* The trail's line, broken at each gap (a gap is drawn on its own, dashed). */
  function ligneTrajet(pts, trous) {
    var debutsDeTrou = {}, lat = [], lon = [];
    trous.forEach(function (t) { debutsDeTrou[t.debut] = true; });
    pts.forEach(function (p) {
      lat.push(p[1]); lon.push(p[2]);
      if (debutsDeTrou[p[0]]) { lat.push(null); lon.push(null); }
    });
    return { lat: lat, lon: lon };
  }

  /* Each gap as a dashed segment from the last position before it to the first after.
     scattermap has no dashed line: the segment is cut into dashes separated by nulls, about
     8 px drawn and 6 px blank at the map's first zoom. Every vertex carries the gap's text (hover);
     only the two ends show a dot, so a gap where the agent did not move is still seen. */
  function tiretsDesTrous(trous, zoom) {
    var lat = [], lon = [], texte = [], taille = [];
    var pxParDegre = 512 * Math.pow(2, zoom) / 360;
    trous.forEach(function (t) {
      var dLat = t.a[0] - t.de[0], dLon = t.a[1] - t.de[1];
      var px = Math.sqrt(dLon * dLon + Math.pow(dLat / Math.cos(t.de[0] * Math.PI / 180), 2)) * pxParDegre;
      var n = Math.max(1, Math.min(200, Math.round(px / 14)));
      for (var k = 0; k < n; k++) {
        var f0 = k / n, f1 = k === n - 1 ? 1 : (k + 0.6) / n;
        lat.push(t.de[0] + dLat * f0, t.de[0] + dLat * f1, null);
        lon.push(t.de[1] + dLon * f0, t.de[1] + dLon * f1, null);
        texte.push(t.texte, t.texte, null);
        taille.push(k === 0 ? 7 : 0, k === n - 1 ? 7 : 0, 0);
      }
    });
    return { lat: lat, lon: lon, texte: texte, taille: taille };
  }

  function carte() {
    var div = document.getElementById("carte");
    var d = lire("donnees-carte");
    if (!div || !d) return;
    var pts = d.points, noms = d.legende;
    var debut = pts.length ? pts[0][0] : d.debut;
    var tous = pts.map(function (p) { return [p[1], p[2]]; }).concat(d.sites.map(function (s) { return [s.lat, s.lon]; }));
    var cadre = cadrage(tous, div.clientWidth || 600, (div.clientHeight || 460) - 60);
    var ligne = ligneTrajet(pts, d.trous), tirets = tiretsDesTrous(d.trous, cadre.zoom);
    var traces = [
      { type: "scattermap", mode: "lines", name: noms.trajet, lat: ligne.lat, lon: ligne.lon,
        connectgaps: false, line: { color: "#7b8794", width: 2 }, hoverinfo: "skip" },
      { type: "scattermap", mode: "markers", name: noms.positions, lat: pts.map(function (p) { return p[1]; }),
        lon: pts.map(function (p) { return p[2]; }),
        text: pts.map(function (p) { return heure(p[0], d.fuseau); }),
        marker: { size: 6, color: pts.map(function (p) { return (p[0] - debut) / 60000; }), colorscale: "Viridis",
                  colorbar: { title: { text: "min" }, thickness: 10, len: 0.6 } },
        hovertemplate: "%{text}<extra></extra>" },
      { type: "scattermap", mode: "lines+markers", name: noms.trous, lat: tirets.lat, lon: tirets.lon,
        text: tirets.texte, connectgaps: false, line: { color: "#3c4043", width: 2.5 },
        marker: { size: tirets.taille, color: "#3c4043" }, hovertemplate: "%{text}<extra></extra>",
        showlegend: d.trous.length > 0 },
      { type: "scattermap", mode: "markers", name: noms.sites, lat: d.sites.map(function (s) { return s.lat; }),
        lon: d.sites.map(function (s) { return s.lon; }), text: d.sites.map(function (s) { return s.texte; }),
        marker: { size: 16, color: d.sites.map(function (s) { return s.atteinte ? "#2e7d32" : "#b3261e"; }), opacity: 0.75 },
        hovertemplate: "%{text}<extra>site</extra>" },
      { type: "scattermap", mode: "markers", name: noms.actions, lat: d.actions.map(function (a) { return a.lat; }),
        lon: d.actions.map(function (a) { return a.lon; }), text: d.actions.map(function (a) { return a.texte; }),
        marker: { size: 9, color: "#f29900" }, hovertemplate: "%{text}<extra>action</extra>" },
      { type: "scattermap", mode: "markers", name: noms.arrets, lat: d.arrets.map(function (a) { return a.lat; }),
        lon: d.arrets.map(function (a) { return a.lon; }), text: d.arrets.map(function (a) { return a.texte; }),
        marker: { size: d.arrets.map(function (a) { return 10 + Math.min(20, a.minutes / 3); }), color: "#1f5f8b", opacity: 0.45 },
        hovertemplate: "%{text}<extra></extra>" }
    ];
    /* Fit the trail to the map's own area, known once drawn: below it, the legend takes one row
       on a desk and one line per trace on a phone. MapLibre moves, as if the user had: a Plotly
       relayout would redraw, and report a failing tile as an error. */
    function recadrer() {
      var m = carteMapLibre(div), zone = m.getContainer();
      var c = cadrage(tous, zone.clientWidth, zone.clientHeight);
      m.jumpTo({ center: [c.center.lon, c.center.lat], zoom: c.zoom });
    }
    // A phone turned or a window resized: fit the trail again to the new size.
    window.clearTimeout(recadrage);
    window.onresize = function () {
      window.clearTimeout(recadrage);
      recadrage = window.setTimeout(recadrer, 250);
    };
    Plotly.react(div, traces, {
      map: { style: STYLE_VIDE, center: cadre.center, zoom: cadre.zoom },
      margin: { l: 0, r: 0, t: 0, b: 0 }, height: div.clientHeight || 460, showlegend: true,
      legend: { orientation: "h", x: 0, y: -0.01, yanchor: "top" }
    }, CONFIG).then(function () {
      // Only once the map's style has loaded.
      var m = carteMapLibre(div);
      ajouterTuiles(m, d.tuiles);
      rejouer(d, pts.length ? ajouterCurseur(m, pts) : null);
      recadrer();
      div.dataset.pret = "1";
    });
  }

  function rejouer(d, deplacer) {
    var pts = d.points, curseur = document.getElementById("curseur"), horloge = document.getElementById("horloge");
    var bouton = document.getElementById("lecture"), vitesse = document.getElementById("vitesse");
    if (lecture) { clearInterval(lecture); lecture = null; }
    if (!pts.length) { horloge.textContent = "--:--:--"; bouton.disabled = true; return; }
    var i = 0, horlogeMs = pts[0][0];

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
    montrer(0);
  }

  function initialiser() {
    historique();
    courbeDuJour();
    carte();
  }

  document.addEventListener("DOMContentLoaded", initialiser);
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target.id === "historique") historique();
    if (e.detail.target.id === "trajet") { courbeDuJour(); carte(); }
  });
})();
