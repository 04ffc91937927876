"""The main pages on a slow phone: KiB transferred and time to usable, first and repeat visit.

`make mesure-mobile` (outside `make test`): loads the small demo into the configured database
(REPLACES its data), collects the static files, serves the app with gunicorn as in production
(DEBUG off, WhiteNoise, gzip), then drives /usr/bin/chromium through Playwright with the Chrome
DevTools Protocol's network and CPU emulation: 1.6 Mbit/s down, 750 kbit/s up, 150 ms latency,
CPU ×4. "Usable": the load event, plus the agent page's map drawn. Prints one line per page and
exits 1 when a target is missed.
"""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))  # the project's settings, read for the demo's logins and agent
PORT = int(os.environ.get("AKIG_MESURE_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
CHROMIUM = os.environ.get("AKIG_CHROMIUM", "/usr/bin/chromium")
RESEAU = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
# (role login, path, first-visit KiB target or None, first s target, repeat s target): /dashboard/
# within 2 s, the agent page's map within 4 s and 400 KiB (2 s again), every other main page 1.5 s.
# SITE, LOCATAIRE, ESCALADE, AGENT: the demo's first site, tenant, alert, team lead's agent.
PAGES = [
    ("direction", "/dashboard/", None, 2.0, 2.0),
    ("direction", "/dashboard/impayes?filter=retard:60+", None, 1.5, 1.5),
    ("direction", "SITE", None, 1.5, 1.5),
    ("direction", "LOCATAIRE", None, 1.5, 1.5),
    ("direction", "/dashboard/contentieux/", None, 1.5, 1.5),
    ("direction", "/dashboard/roulement", None, 1.5, 1.5),
    ("direction", "/promesses/", None, 1.5, 1.5),
    ("direction", "/escalations/", None, 1.5, 1.5),
    ("direction", "ESCALADE", None, 1.5, 1.5),
    ("direction", "/journal/", None, 1.5, 1.5),
    ("chef", "/agents/", None, 1.5, 1.5),
    ("chef", "AGENT", 400, 4.0, 2.0),
    ("chef", "/escalations/", None, 1.5, 1.5),
]


def _manage(*args, env):
    subprocess.run([sys.executable, "manage.py", *args], cwd=RACINE, env=env, check=True, stdout=subprocess.DEVNULL)


def _attendre(url: str):
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"le serveur ne répond pas : {url}")


def _visite(page, compteur: dict, url: str, *, attendre_carte: bool) -> tuple[float, float]:
    """Return (KiB transferred, seconds to usable) of one visit to `url`."""
    compteur["octets"] = 0
    debut = time.monotonic()
    page.goto(url, wait_until="load")
    if attendre_carte:
        page.locator("#carte").scroll_into_view_if_needed()
        page.wait_for_function("() => document.getElementById('carte').dataset.pret === '1'", timeout=60_000)
    duree = time.monotonic() - debut
    # What the page fetches after it is usable (Plotly for a chart near the screen) counts in the
    # KiB, and does not slow the next visit down.
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # the last responses' loadingFinished
    return compteur["octets"] / 1024, duree


def main() -> int:
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "mesure-only"),
           "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    if not os.environ.get("AKIG_MESURE_SANS_DEMO"):  # set: measure the data already loaded
        _manage("migrate", "--noinput", env=env)
        _manage("seed_demo", "--profil", "small", "--remplacer", env=env)
        _manage("check_escalations", env=env)  # the runbook's alerts: /escalations/ has rows
    _manage("collectstatic", "--noinput", env=env)
    serveur = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "akig_ops.wsgi", "-b", f"127.0.0.1:{PORT}",
                                "-w", "2"], cwd=RACINE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rates = []
    try:
        _attendre(BASE + "/connexion/")
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akig_ops.settings")
        os.environ.update({k: env[k] for k in ("DEBUG", "HTTPS", "SECRET_KEY")})
        django.setup()
        from agents.models import Agent
        from donnees.demo.profils import CHEF_PREMIERE_EQUIPE as chef
        from donnees.management.commands.seed_demo import COMPTES_DEMO

        from escalations.models import Escalade
        from recovery.models import Impaye, Locataire

        agent = Agent.objects.filter(equipe__chef__username=chef, actif=True).order_by("code").first()
        locataire = Locataire.objects.get(pk=Impaye.objects.filter(locataire__telephone__gt="").order_by(
            "-montant_du", "pk").values_list("locataire_id", flat=True)[0])  # one who owes
        escalade = Escalade.objects.order_by("pk").first()
        chemins = {"AGENT": f"/agents/{agent.pk}/", "SITE": f"/dashboard/sites/{locataire.site_id}/",
                   "LOCATAIRE": f"/dashboard/locataires/{locataire.pk}/",
                   "ESCALADE": f"/escalations/{escalade.pk}/" if escalade else "/escalations/"}
        identifiants = {"direction": ("direction", COMPTES_DEMO["direction"][0]), "chef": (chef, COMPTES_DEMO[chef][0])}
        print(f"{'rôle':9} {'page':40} {'1re visite':>20} {'visite suivante':>20}")
        with sync_playwright() as p:
            navigateur = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            for role in ("direction", "chef"):
                contexte = navigateur.new_context(viewport={"width": 360, "height": 740}, locale="fr-FR",
                                                  is_mobile=True, has_touch=True)
                page = contexte.new_page()
                login, mot_de_passe = identifiants[role]
                page.goto(BASE + "/connexion/")
                page.fill("input[name=username]", login)
                page.fill("input[name=password]", mot_de_passe)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")  # the landing page's charts too: none in flight
                for qui, chemin, kib_max, premiere_max, suivante_max in PAGES:
                    if qui != role:
                        continue
                    chemin = chemins.get(chemin, chemin)
                    cdp = contexte.new_cdp_session(page)
                    compteur = {"octets": 0}
                    cdp.on("Network.loadingFinished",
                           lambda e, c=compteur: c.__setitem__("octets", c["octets"] + e["encodedDataLength"]))
                    cdp.send("Network.enable")
                    cdp.send("Network.clearBrowserCache")  # a first visit: nothing cached
                    cdp.send("Network.emulateNetworkConditions", RESEAU)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                    carte = chemin.startswith("/agents/") and chemin != "/agents/"
                    kib1, s1 = _visite(page, compteur, BASE + chemin, attendre_carte=carte)
                    kib2, s2 = _visite(page, compteur, BASE + chemin, attendre_carte=carte)
                    cdp.detach()
                    ok = ((kib_max is None or kib1 <= kib_max) and (premiere_max is None or s1 <= premiere_max)
                          and s2 <= suivante_max)
                    if not ok:
                        rates.append(f"{chemin} ({qui})")
                    print(f"{qui:9} {chemin:40} {kib1:8.0f} KiB {s1:5.2f} s {kib2:8.0f} KiB {s2:5.2f} s  {'✔' if ok else '✘'}")
                contexte.close()
            navigateur.close()
    finally:
        serveur.terminate()
        serveur.wait()
    if rates:
        print("Cibles manquées : " + ", ".join(rates))
    return 1 if rates else 0


if __name__ == "__main__":
    sys.exit(main())
