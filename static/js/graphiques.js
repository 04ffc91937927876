/* Plotly, fetched only once the page has loaded and a chart is about to be seen: on a phone on
   mobile data the page's figures and tables are usable first, the charts follow. A chart's
   element names the bundle in data-plotly; akigGraphique(element, draw) calls draw() when
   Plotly is there and the element within 300 px of the screen. */
(function () {
  "use strict";
  var chargements = {};

  function charger(url) {
    if (!chargements[url]) {
      chargements[url] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = url;
        script.onload = resolve;
        script.onerror = function () { delete chargements[url]; reject(new Error(url)); };
        document.head.appendChild(script);
      });
    }
    return chargements[url];
  }

  function apresChargement(fonction) {
    if (document.readyState === "complete") { fonction(); } else { window.addEventListener("load", fonction); }
  }

  window.akigGraphique = function (element, dessiner) {
    if (!element) return;
    apresChargement(function () {
      var lancer = function () {
        charger(element.dataset.plotly).then(function () { if (document.body.contains(element)) dessiner(); });
      };
      if (!("IntersectionObserver" in window)) { lancer(); return; }
      var observateur = new IntersectionObserver(function (entrees) {
        if (entrees.some(function (e) { return e.isIntersecting; })) { observateur.disconnect(); lancer(); }
      }, { rootMargin: "300px 0px" });
      observateur.observe(element);
    });
  };
})();
