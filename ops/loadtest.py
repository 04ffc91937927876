"""`make loadtest`: throughput of the main pages and of the phones, against gunicorn as deployed.

Outside `make test`. Loads the small demo into the configured database (REPLACES its data; set
LOADTEST_SANS_DEMO=1 to keep the data loaded), collects the static files, serves the app with
gunicorn and the project's wsgi.py (DEBUG off, HTTPS=0, the configured Redis cache, emptied first)
on a spare loopback port, then drives it with locust (ops/loadtest_locust.py, its own process):

1. users: LOADTEST_UTILISATEURS (50) logged-in users, half the direction and half a team lead,
   walking the main pages' mix with 0.5–1.5 s of think time, LOADTEST_DUREE (60) seconds;
2. phones: LOADTEST_TELEPHONES (20) throwaway agents' phones posting positions through the
   Traccar/OsmAnd/OwnTracks endpoints without think time, LOADTEST_DUREE seconds; the positions
   the server acknowledged are counted in the database (each stored once), then deleted;
3. saturation: the same mix without think time, users added step by step (LOADTEST_PALIERS,
   LOADTEST_DUREE_PALIER seconds each): the saturation point is the last step with p95 ≤ 250 ms and
   no error; the ramp goes on to the maximal rate (until it stops growing, p95 passes
   LOADTEST_P95_ARRET_MS or a request fails).

4. memory: one gunicorn worker alone serves LOADTEST_MEMOIRE (10 000) requests of the same mix;
   its resident memory after them must stay within 250 MB (0: not measured).

LOADTEST_AVANT=<git ref> first measures the saturation of that commit (its files extracted with
`git archive` into a temporary directory, served the same way), back to back with the current
code. Each figure comes with the load average (the machine may be shared) and the CPU that
gunicorn and the app's PostgreSQL backends spent per request (/proc), which load moves far less.
Prints the figures; exits 1 on an error, a position lost or stored twice.
"""
import datetime
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

RACINE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RACINE))
P95_MAX_MS = 250
# The ramp goes on past the target, to the rate's ceiling, until p95 passes this.
P95_ARRET_MS = int(os.environ.get("LOADTEST_P95_ARRET_MS", 2000))


def _entier(nom: str, defaut: int) -> int:
    return int(os.environ.get(nom, defaut))


UTILISATEURS = _entier("LOADTEST_UTILISATEURS", 50)
TELEPHONES = _entier("LOADTEST_TELEPHONES", 20)
DUREE = _entier("LOADTEST_DUREE", 60)
DUREE_PALIER = _entier("LOADTEST_DUREE_PALIER", 8)
PALIERS = [int(n) for n in os.environ.get("LOADTEST_PALIERS", "2,4,8,12,16,24,32,48").split(",")]
# The web worker's memory after this many requests of the mix (0: not measured), and its ceiling.
MEMOIRE_REQUETES = _entier("LOADTEST_MEMOIRE", 10000)
MEMOIRE_MAX_MO = 250
# gunicorn's options when the served tree has no gunicorn.conf.py (as main was measured in issue 17).
GUNICORN_SANS_CONF = ["--workers", "4", "--timeout", "60"]


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _charge() -> str:
    return "charge " + " ".join(f"{x:.1f}".replace(".", ",") for x in os.getloadavg())


def _manage(arbre: Path, env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=arbre, env=env, check=True, stdout=subprocess.DEVNULL)


def _statiques(env: dict) -> None:
    """collectstatic (minutes: every file compressed again) unless its manifest is newer than every
    static source of the project."""
    manifeste = RACINE / "staticfiles" / "staticfiles.json"
    sources = [f for d in RACINE.glob("*/static") for f in d.rglob("*") if f.is_file()]
    sources += [f for f in (RACINE / "static").rglob("*") if f.is_file()]
    if not manifeste.exists() or max(f.stat().st_mtime for f in sources) > manifeste.stat().st_mtime:
        _manage(RACINE, env, "collectstatic", "--noinput")


class Serveur:
    """gunicorn serving `arbre` (its gunicorn.conf.py if it has one) on a spare port."""

    def __init__(self, arbre: Path, env: dict, options: list[str] | None = None):
        self.port = _port_libre()
        self.base = f"http://127.0.0.1:{self.port}"
        if options is None:
            options = [] if (arbre / "gunicorn.conf.py").exists() else GUNICORN_SANS_CONF
        self.processus = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "akig_ops.wsgi", "--bind", f"127.0.0.1:{self.port}", *options],
            cwd=arbre, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/connexion/", timeout=5)
                return
            except OSError:
                if self.processus.poll() is not None:
                    break
                time.sleep(0.2)
        self.arreter()
        raise SystemExit(f"gunicorn ne répond pas sur {self.base}")

    def arreter(self) -> None:
        self.processus.terminate()
        self.processus.wait(timeout=60)


def _connexion_reelle(base: str, login: str, mot_de_passe: str) -> bool:
    """Log in through the login page as a browser does (CSRF cookie and field); True if the
    next page is served to the logged-in user."""
    ouvreur = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = ouvreur.open(base + "/connexion/", timeout=60).read().decode()
    jeton = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    corps = urllib.parse.urlencode({"username": login, "password": mot_de_passe,
                                    "csrfmiddlewaretoken": jeton.group(1) if jeton else ""}).encode()
    reponse = ouvreur.open(base + "/connexion/", data=corps, timeout=60)
    return reponse.status == 200 and "/connexion/" not in reponse.url


def _sessions(utilisateur, n: int) -> list[str]:
    """`n` sessions of `utilisateur`, made the way a login makes them (django.contrib.auth.login)."""
    from django.test import Client

    cles = []
    for _ in range(n):
        client = Client()
        client.force_login(utilisateur, backend="django.contrib.auth.backends.ModelBackend")
        cles.append(client.cookies["sessionid"].value)
    return cles


class Cpu:
    """CPU seconds used by gunicorn (master and workers) and by the app's PostgreSQL backends
    (pg_stat_activity's application_name), read from /proc: the load-independent cost of a request."""

    def __init__(self, serveur: "Serveur"):
        self.serveur, self.depart = serveur, {}

    def _processus(self) -> dict[int, tuple[float, bool]]:
        import psutil
        from django.db import connection

        with connection.cursor() as curseur:
            curseur.execute("SELECT pid FROM pg_stat_activity WHERE application_name = 'akig_ops' "
                            "AND datname = current_database() AND pid <> pg_backend_pid()")
            pids = [pid for (pid,) in curseur.fetchall()]
        racine = psutil.Process(self.serveur.processus.pid)
        temps = {}
        for processus, base in [(p, False) for p in [racine, *racine.children(recursive=True)]] + [
                (psutil.Process(pid), True) for pid in pids]:
            try:
                cpu = processus.cpu_times()
                temps[processus.pid] = (cpu.user + cpu.system, base)
            except psutil.Error:  # gone meanwhile
                pass
        return temps

    def debut(self) -> None:
        self.depart = self._processus()

    def ms_par_requete(self, requetes: int) -> tuple[float, float]:
        """(gunicorn + PostgreSQL, PostgreSQL alone) CPU milliseconds per request since `debut`."""
        fin = self._processus()
        total = base = 0.0
        for pid, (t, de_la_base) in fin.items():
            delta = t - self.depart.get(pid, (0.0, de_la_base))[0]
            total += delta
            base += delta if de_la_base else 0.0
        return 1000 * total / max(requetes, 1), 1000 * base / max(requetes, 1)


def _locust(plan: dict, cpu: Cpu) -> dict:
    """Run one phase of ops/loadtest_locust.py; return its figures (its last line), each measured
    window given the servers' CPU per request ("cpu_ms")."""
    processus = subprocess.Popen([sys.executable, str(RACINE / "ops" / "loadtest_locust.py")], cwd=RACINE,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    processus.stdin.write(json.dumps(plan))
    processus.stdin.close()
    resultat, paliers = None, []
    try:
        for ligne in processus.stdout:
            message = json.loads(ligne)
            if "debut" in message:
                cpu.debut()
            elif "palier" in message:
                palier = message["palier"]
                palier["cpu_ms"], palier["cpu_base_ms"] = cpu.ms_par_requete(palier["requetes"])
                print("  " + _ligne(f"{palier['utilisateurs']} utilisateurs", palier), flush=True)
                paliers.append(palier)
            else:
                resultat = message
                if "paliers" in resultat:
                    resultat["paliers"] = paliers
                else:
                    resultat["cpu_ms"], resultat["cpu_base_ms"] = cpu.ms_par_requete(resultat["requetes"])
    finally:  # stopped meanwhile: no locust left behind
        if processus.poll() is None and resultat is None:
            processus.kill()
    if processus.wait() != 0 or resultat is None:
        raise SystemExit("locust s'est arrêté sans résultat")
    return resultat


def _ligne(libelle: str, c: dict) -> str:
    return (f"{libelle:30} {c['requetes']:>6} requêtes  {c['erreurs']:>3} erreurs  {c['rps']:6.1f} req/s  "
            f"p50 {c['p50']:>4.0f}  p95 {c['p95']:>4.0f}  p99 {c['p99']:>4.0f} ms  "
            f"CPU {c['cpu_ms']:5.1f} ms/req (PostgreSQL {c['cpu_base_ms']:4.1f})  ({_charge()})")


def _saturation(serveur: "Serveur", plan: dict, titre: str) -> dict | None:
    """Print the steps and return the last one within the target (None: not even the first)."""
    print(f"Saturation — {titre} (sans temps de réflexion, {DUREE_PALIER} s par palier ; cible p95 ≤ "
          f"{P95_MAX_MS} ms sans erreur ; jusqu'au débit maximal, p95 > {P95_ARRET_MS} ms ou une erreur) :",
          flush=True)
    paliers = _locust({**plan, "base": serveur.base, "phase": "saturation", "paliers": PALIERS,
                       "duree": DUREE_PALIER, "p95_arret_ms": P95_ARRET_MS}, Cpu(serveur))["paliers"]
    tenus = [p for p in paliers if p["p95"] <= P95_MAX_MS and not p["erreurs"]]
    maximum = max(paliers, key=lambda p: p["rps"])
    tenu = tenus[-1] if tenus else None
    if tenu:
        print(f"  → point de saturation : {tenu['rps']:.0f} req/s à {tenu['utilisateurs']} utilisateurs "
              f"(p95 {tenu['p95']:.0f} ms)", flush=True)
    else:
        print(f"  → p95 > {P95_MAX_MS} ms dès le premier palier", flush=True)
    # Load-independent: what gunicorn and PostgreSQL spend per request, hence the rate two free
    # cores would serve (the load generator and the other programs of the machine left out).
    cpu_ms = sorted(p["cpu_ms"] for p in paliers)[len(paliers) // 2]
    print(f"  → débit maximal mesuré {maximum['rps']:.0f} req/s ; CPU médian {cpu_ms:.1f} ms par requête "
          f"(gunicorn + PostgreSQL), soit au plus {2000 / cpu_ms:.0f} req/s sur 2 cœurs libres", flush=True)
    return tenu


def _rss_mo(serveur: "Serveur") -> list[float]:
    """The resident memory (MB) of each gunicorn worker."""
    import psutil

    return [p.memory_info().rss / 2**20 for p in psutil.Process(serveur.processus.pid).children()]


def _memoire(env: dict, plan: dict) -> str | None:
    """One web worker alone serving MEMOIRE_REQUETES requests of the mix: its resident memory
    before (after a warm-up round) and after; an error message past MEMOIRE_MAX_MO or on errors."""
    serveur = Serveur(RACINE, env, options=["--workers", "1", "--timeout", "60"])
    try:
        print(f"Mémoire (un seul worker web, {MEMOIRE_REQUETES} requêtes du même mélange, sans temps de "
              f"réflexion, 8 utilisateurs) :", flush=True)
        base = {**plan, "base": serveur.base, "phase": "memoire", "utilisateurs": 8}
        _locust({**base, "requetes": 100}, Cpu(serveur))  # every page drawn once: what stays loaded
        avant = _rss_mo(serveur)
        m = _locust({**base, "requetes": MEMOIRE_REQUETES}, Cpu(serveur))
        apres = _rss_mo(serveur)
    finally:
        serveur.arreter()
    print("  " + _ligne(f"{m['requetes']} requêtes", m))
    print(f"  → mémoire résidente du worker : {avant[0]:.1f} Mo après 100 requêtes, {apres[0]:.1f} Mo après "
          f"{m['requetes'] + 100} (cible ≤ {MEMOIRE_MAX_MO} Mo)", flush=True)
    if m["erreurs"]:
        return f"mémoire : {m['erreurs']} erreurs {m['causes']}"
    return f"mémoire : {apres[0]:.1f} Mo > {MEMOIRE_MAX_MO} Mo" if apres[0] > MEMOIRE_MAX_MO else None


def main() -> int:
    # Stopped (Ctrl-C, kill): the `finally`s still stop gunicorn and delete the throwaway phones.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    env = {**os.environ, "DEBUG": "0", "HTTPS": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "loadtest-only"),
           "ALLOWED_HOSTS": "127.0.0.1,localhost"}
    os.environ.update({k: env[k] for k in ("DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akig_ops.settings")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Attention : DATABASE_URL n'est pas PostgreSQL, les chiffres ne valent pas ceux de la production.")
    if not os.environ.get("LOADTEST_SANS_DEMO"):
        _manage(RACINE, env, "migrate", "--noinput")
        _manage(RACINE, env, "seed_demo", "--profil", "small", "--remplacer")
    _statiques(env)

    import django

    django.setup()
    from django.core.cache import cache

    from agents.management.commands.charge_traqueurs import telephones_jetables, telephones_supprimer
    from agents.models import Agent, AgentGeolocalisation
    from donnees.demo.profils import CHEF_PREMIERE_EQUIPE as chef
    from donnees.management.commands.seed_demo import COMPTES_DEMO
    from recovery.models import Site

    from django.contrib.auth import get_user_model

    comptes = {"direction": ("direction", COMPTES_DEMO["direction"][0]), "chef": (chef, COMPTES_DEMO[chef][0])}
    n = max(UTILISATEURS, *PALIERS)
    plan = {
        "sessions": {role: _sessions(get_user_model().objects.get(username=login), n)
                     for role, (login, _mdp) in comptes.items()},
        "sites": list(Site.objects.order_by("code").values_list("pk", flat=True)),
        "agents_direction": list(Agent.objects.filter(actif=True).order_by("code").values_list("pk", flat=True)),
        "agents_chef": list(Agent.objects.filter(actif=True, equipe__chef__username=chef)
                            .order_by("code").values_list("pk", flat=True)),
    }
    echecs = []
    avant = os.environ.get("LOADTEST_AVANT")
    if avant:
        arbre = Path(tempfile.mkdtemp(prefix="akig-loadtest-"))
        try:
            archive = subprocess.run(["git", "archive", avant], cwd=RACINE, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(arbre)], input=archive, check=True)
            # The current static files, collected again only if that commit's sources differ.
            shutil.copytree(RACINE / "staticfiles", arbre / "staticfiles")
            if subprocess.run(["git", "diff", "--quiet", avant, "--", "static", "*/static"], cwd=RACINE).returncode:
                _manage(arbre, env, "collectstatic", "--noinput")
            cache.clear()
            serveur = Serveur(arbre, env)
            try:
                _saturation(serveur, plan, f"avant ({avant})")
            finally:
                serveur.arreter()
        finally:
            shutil.rmtree(arbre, ignore_errors=True)

    cache.clear()
    serveur = Serveur(RACINE, env)
    try:
        for role, (login, mot_de_passe) in comptes.items():
            if not _connexion_reelle(serveur.base, login, mot_de_passe):
                echecs.append(f"connexion refusée : {login}")
        print(f"Connexion par la page de connexion : {', '.join(l for l, _m in comptes.values())} "
              f"{'✘' if echecs else '✔'} ; les autres sessions sont faites comme une connexion les fait.")
        print(f"Utilisateurs ({UTILISATEURS}, la moitié direction, la moitié chef d'équipe ; "
              f"0,5 à 1,5 s de réflexion ; {DUREE} s) :", flush=True)
        u = _locust({**plan, "base": serveur.base, "phase": "utilisateurs", "utilisateurs": UTILISATEURS,
                     "duree": DUREE, "attente": [0.5, 1.5]}, Cpu(serveur))
        for nom, page in u["pages"].items():
            if page["requetes"]:
                print(f"  {nom:30} {page['requetes']:>6} requêtes  {page['erreurs']:>3} erreurs  "
                      f"p50 {page['p50']:>4.0f}  p95 {page['p95']:>4.0f} ms")
        print("  " + _ligne("total", u), flush=True)
        if u["erreurs"]:
            echecs.append(f"utilisateurs : {u['erreurs']} erreurs {u['causes']}")

        equipe, jetons = telephones_jetables(TELEPHONES, prefixe="LOADTEST")
        try:
            modes = ["traccar9", "osmand", "owntracks", "traccar9-lot"]
            depart = datetime.datetime.now(datetime.UTC).replace(microsecond=0) - datetime.timedelta(days=400)
            print(f"Téléphones ({TELEPHONES} : Traccar Client 9 une position ou des lots de 100, OsmAnd, "
                  f"OwnTracks ; sans temps de réflexion ; {DUREE} s) :", flush=True)
            t = _locust({"base": serveur.base, "phase": "telephones", "duree": DUREE, "lot": 100,
                         "depart": depart.isoformat(),
                         "telephones": [{"code": code, "jeton": jeton, "mode": modes[k % len(modes)]}
                                        for k, (code, jeton) in enumerate(sorted(jetons.items()))]}, Cpu(serveur))
            stockees = AgentGeolocalisation.objects.filter(agent__equipe=equipe).count()
            distinctes = (AgentGeolocalisation.objects.filter(agent__equipe=equipe)
                          .values("agent_id", "timestamp").distinct().count())
        finally:
            telephones_supprimer(equipe)
        for nom, page in t["pages"].items():
            print(f"  {nom:30} {page['requetes']:>6} requêtes  {page['erreurs']:>3} erreurs  "
                  f"p50 {page['p50']:>4.0f}  p95 {page['p95']:>4.0f} ms")
        print("  " + _ligne("total", t))
        une_fois = stockees == distinctes == t["positions_envoyees"]
        print(f"  positions : {t['positions_envoyees']} acceptées (200), {stockees} enregistrées, "
              f"{distinctes} distinctes — {'chacune une fois ✔' if une_fois else 'ÉCART ✘'}", flush=True)
        if t["erreurs"]:
            echecs.append(f"téléphones : {t['erreurs']} erreurs {t['causes']}")
        if not une_fois:
            echecs.append("positions perdues ou en double")

        cache.clear()
        _saturation(serveur, plan, "code actuel")
    finally:
        serveur.arreter()
    if MEMOIRE_REQUETES:
        echecs.append(_memoire(env, plan))
    echecs = [e for e in echecs if e]
    for echec in echecs:
        print(f"✘ {echec}")
    return 1 if echecs else 0


if __name__ == "__main__":
    sys.exit(main())
