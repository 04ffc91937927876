// Another page of a table (« Précédente » / « Suivante », htmx): the link that had the focus is
// gone with the old page, and the focus would fall back to the document's start. It goes to the
// swapped zone instead, so a keyboard or screen-reader user goes on from the new page's top.
document.addEventListener("htmx:afterSettle", function (evenement) {
  var detail = evenement.detail || {};
  var lien = detail.requestConfig && detail.requestConfig.elt;
  var zone = detail.target;
  if (!lien || !zone || !lien.closest || !lien.closest("nav.pagination") || evenement.target !== zone) {
    return;
  }
  if (!zone.hasAttribute("tabindex")) {
    zone.setAttribute("tabindex", "-1");
  }
  zone.focus({ preventScroll: true });
});
