"""collectstatic ships the vendored Plotly bundle and Leaflet with their licences."""

from django.contrib.staticfiles import finders


def _chemins() -> set[str]:
    # What collectstatic copies: every (path, storage) the finders list with the default ignores.
    return {chemin for finder in finders.get_finders() for chemin, _ in finder.list(["CVS", ".*", "*~"])}


def test_collectstatic_ships_one_plotly_bundle():
    chemins = _chemins()
    # One Plotly (4.1.1, the basic partial bundle) for the dashboard and the agent page's charts.
    assert sorted(c for c in chemins if c.startswith("vendor/plotly/") and c.endswith(".js")) == [
        "vendor/plotly/plotly-basic-4.1.1.min.js"]


def test_collectstatic_ships_leaflet_with_its_licence_and_source_map():
    chemins = _chemins()
    # The source map is named at the end of leaflet.js: the manifest storage needs it beside.
    assert {"vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "vendor/leaflet/leaflet.js.map",
            "vendor/leaflet/LICENSE"} <= chemins
