"""Static files finder: `static/` minus the build recipe of the vendored Plotly bundle."""

from django.contrib.staticfiles.finders import FileSystemFinder

# package.json, lockfile, build script — and node_modules when someone rebuilds: source, not assets.
RECETTE_PLOTLY = "vendor/plotly/build/*"


class FichiersStatiquesFinder(FileSystemFinder):
    """FileSystemFinder over STATICFILES_DIRS whose listing (collectstatic) leaves out
    `static/vendor/plotly/build/`. Returns the same (path, storage) pairs otherwise."""

    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), RECETTE_PLOTLY])
