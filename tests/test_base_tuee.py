"""PostgreSQL killed under load, on a throwaway cluster (never the machine's server): gunicorn
answers 200 before, a JSON 503 with Retry-After while the server is gone (never a 500, a
bounded number of log lines, no traceback), and 200 again once it is back, without a restart."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from akig_ops.grappe import Grappe, port_libre

CLIENTS = 4
WORKERS = 2


def _raison_de_sauter() -> str | None:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return "PostgreSQL's server binaries (initdb) are missing"
    if os.geteuid() != 0:
        return "initdb must run as the postgres user: the test needs root to switch to it"
    return None


def _env(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "test-base-tuee", "DEBUG": "0", "HTTPS": "0",
           "ALLOWED_HOSTS": "127.0.0.1", "DB_CONN_MAX_AGE": "60", "AKIG_LOG_INTERVALLE_PANNE_S": "60"}
    for nom in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(nom, None)
    return env


SESSION_DIRECTION = """
from django.contrib.auth import get_user_model, SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
u = get_user_model().objects.create_superuser("pdg@akig.local", password="x")
s = SessionStore()
s[SESSION_KEY], s[BACKEND_SESSION_KEY] = str(u.pk), "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = u.get_session_auth_hash()
s.create()
print(s.session_key)
"""


def _get(url: str, session: str) -> tuple[int, str | None]:
    requete = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    try:
        with urllib.request.urlopen(requete, timeout=10) as reponse:
            return reponse.status, reponse.headers.get("Retry-After")
    except urllib.error.HTTPError as erreur:
        return erreur.code, erreur.headers.get("Retry-After")


def test_postgresql_killed_under_load_gives_503_then_recovers():
    raison = _raison_de_sauter()
    if raison:
        pytest.skip(raison)
    racine = Path(tempfile.mkdtemp(prefix="akig-base-tuee-"))
    grappe = Grappe(racine, port=port_libre())
    serveur = None
    journal = racine / "gunicorn.log"
    try:
        grappe.creer(archivage=None)
        grappe.demarrer()
        with grappe.connecter() as conn:
            conn.execute("CREATE DATABASE akig")
        env = _env(grappe.url())
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=settings.BASE_DIR, env=env, check=True)
        session = subprocess.run([*manage, "shell", "-c", SESSION_DIRECTION], cwd=settings.BASE_DIR, env=env,
                                 check=True, capture_output=True, text=True).stdout.split()[-1]
        port = port_libre()
        serveur = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "akig_ops.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(WORKERS), "--threads", "2", "--timeout", "30"],
            cwd=settings.BASE_DIR, env=env, stdout=journal.open("w"), stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/api/dashboard/resume"
        fin = time.monotonic() + 60
        while _get_ou_none(url, session) != 200:
            assert time.monotonic() < fin, journal.read_text()
            time.sleep(0.2)

        phase = ["avant"]
        reponses: list[tuple[str, int, str | None]] = []
        arret = threading.Event()

        def client():
            while not arret.is_set():
                depart = phase[0]
                statut, retry_after = _get(url, session)
                # A request begun before the kill and answered after it is the kill's.
                reponses.append((depart if depart == phase[0] else "coupure", statut, retry_after))

        fils = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for fil in fils:
            fil.start()
        time.sleep(2)
        phase[0] = "coupure"
        grappe.tuer()
        time.sleep(0.5)
        phase[0] = "pendant"
        time.sleep(3)
        phase[0] = "redemarrage"
        grappe.demarrer()
        retour = time.monotonic()
        while not any(p == "redemarrage" and s == 200 for p, s, _r in reponses[-CLIENTS:]):
            assert time.monotonic() - retour < 30, "pas de 200 30 s après le redémarrage"
            time.sleep(0.1)
        phase[0] = "apres"
        time.sleep(2)
        arret.set()
        for fil in fils:
            fil.join()
    finally:
        if serveur is not None:
            serveur.terminate()
            serveur.wait(10)
        grappe.arreter()
        texte = journal.read_text() if journal.exists() else ""
        shutil.rmtree(racine, ignore_errors=True)

    comptes = Counter((p, s) for p, s, _r in reponses)
    par_phase = {p: {s for q, s in comptes if q == p} for p in ("avant", "pendant", "apres")}
    assert par_phase == {"avant": {200}, "pendant": {503}, "apres": {200}}, comptes
    assert 500 not in {s for _p, s in comptes}, comptes
    assert {r for _p, s, r in reponses if s == 503} == {"30"}
    lignes = [json.loads(ligne) for ligne in texte.splitlines() if ligne.startswith("{")]
    erreurs = [ligne for ligne in lignes if ligne.get("niveau") in ("ERROR", "CRITICAL")]
    # At most one line per worker process for this outage (throttled a minute), no traceback.
    assert 1 <= len(erreurs) <= WORKERS, erreurs
    assert {e["message"] for e in erreurs} == {"base de donnees injoignable"}
    assert "Traceback" not in texte
    nb_503 = comptes[("pendant", 503)]
    assert nb_503 >= CLIENTS
    print(f"\nPostgreSQL tué sous charge : {dict(comptes)} ; lignes d'erreur : {len(erreurs)}")


def _get_ou_none(url: str, session: str) -> int | None:
    try:
        return _get(url, session)[0]
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        # Not answering yet: gunicorn still starting, or a request slower than 10 s on a busy machine.
        return None
