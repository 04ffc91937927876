"""Browser tests: Playwright for Python driving the system's Chromium (/usr/bin/chromium).

They are skipped, with the reason shown in the summary (`-ra`), when Chromium or Playwright
is missing; `.ci/run` installs both, so CI runs them. Never `playwright install`: the
browser is Debian's package.
"""
import os
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AKIG_CHROMIUM", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in the test's thread; the live server's ORM
# calls happen in its own thread, but fixtures touching the ORM here need this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Where the screenshots go (looked at by a person; CI keeps them as artefacts).
CAPTURES = Path(os.environ.get("AKIG_CAPTURES", "captures"))
LARGEURS = {"bureau": 1366, "telephone": 360}


def pytest_collection_modifyitems(config, items):
    raison = None
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        raison = f"navigateur absent : {CHROMIUM} (apt-get install chromium ; .ci/run l'installe)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            raison = "playwright (paquet Python) absent : pip install -r requirements-dev.txt"
    for item in items:
        if "e2e" in item.keywords and raison:
            item.add_marker(pytest.mark.skip(reason=raison))


@pytest.fixture(scope="session")
def navigateur():
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            # Scrollbars drawn as on a desktop (Playwright hides them by default): the walk
            # checks that a table scrolling in its box shows one.
            ignore_default_args=["--hide-scrollbars"],
            args=[
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        )
        yield browser
        browser.close()


class Onglet:
    """A browser page that records console errors and failed requests to our server."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.erreurs_console: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.erreurs_console.append(msg.text))
        page.on("pageerror", lambda exc: self.erreurs_console.append(str(exc)))

    def bloquer_l_exterieur(self) -> list[str]:
        """Abort every request that is not to our server; return the list of those aborted."""
        bloquees = []

        def router(route):
            if route.request.url.startswith(self.base_url) or route.request.url.startswith(("data:", "blob:")):
                return route.continue_()
            bloquees.append(route.request.url)
            return route.abort()

        self.page.route("**/*", router)
        return bloquees

    def attendre(self, expression: str, arg=None, timeout: int = 30_000):
        """Wait until `expression` (or the function `arg => …`) is true in the page.

        Not `page.wait_for_function`: its polling compiles the predicate with `eval`, which the
        Content-Security-Policy forbids (no 'unsafe-eval'); `evaluate` goes through the DevTools
        protocol, which the policy does not apply to.
        """
        fin = time.monotonic() + timeout / 1000
        while not self.page.evaluate(expression, arg):
            if time.monotonic() > fin:
                raise AssertionError(f"toujours faux après {timeout} ms : {expression}")
            self.page.wait_for_timeout(100)

    def aller(self, chemin: str):
        return self.page.goto(self.base_url + chemin)

    def connecter(self, username: str, password: str = "motdepasse-test"):
        """Log in through the real login form."""
        self.aller("/connexion/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def capturer(self, nom: str) -> list[Path]:
        """Full-page screenshots of the current page at 1366 and 360 px wide; return the files.

        Also checks that nothing scrolls sideways at either width.
        """
        CAPTURES.mkdir(parents=True, exist_ok=True)
        fichiers = []
        for libelle, largeur in LARGEURS.items():
            self.page.set_viewport_size({"width": largeur, "height": 900})
            self.page.wait_for_timeout(300)
            debord = self.page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert debord <= 1, f"{nom} : la page défile horizontalement de {debord} px à {largeur} px"
            fichier = CAPTURES / f"{nom}-{libelle}.png"
            self.page.screenshot(path=str(fichier), full_page=True)
            fichiers.append(fichier)
        self.page.set_viewport_size({"width": 1366, "height": 900})
        return fichiers


@pytest.fixture
def onglet(navigateur, live_server):
    """A fresh browser context (no cookies) on the live server, at 1366 × 900."""
    contexte = navigateur.new_context(viewport={"width": 1366, "height": 900}, locale="fr-FR",
                                      timezone_id="Europe/Paris", accept_downloads=True)
    page = contexte.new_page()
    yield Onglet(page, live_server.url)
    contexte.close()
