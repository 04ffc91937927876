"""collectstatic ships the vendored Plotly bundles but not their build recipe."""

from django.contrib.staticfiles import finders


def test_collectstatic_listing_leaves_out_the_plotly_build_recipe():
    # What collectstatic copies: every (path, storage) the finders list with the default ignores.
    chemins = {chemin for finder in finders.get_finders() for chemin, _ in finder.list(["CVS", ".*", "*~"])}
    assert "vendor/plotly/plotly-agent-4.1.1.min.js" in chemins
    assert "vendor/plotly/plotly-basic-4.1.1.min.js" in chemins
    assert not [c for c in chemins if c.startswith("vendor/plotly/build/")]
    # No Plotly other than 4.1.1 is shipped (one version in the app).
    assert sorted(c for c in chemins if c.startswith("vendor/plotly/") and c.endswith(".js")) == [
        "vendor/plotly/plotly-agent-4.1.1.min.js", "vendor/plotly/plotly-basic-4.1.1.min.js"]
