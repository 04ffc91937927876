"""The restore drill (`make drill`): point-in-time recovery measured end to end.

On a throwaway PostgreSQL cluster of its own (initdb on a spare port, as the `postgres`
system user, never the machine's server), with the WAL archived by pgBackRest under the
options of ops/deploy/pgbackrest.conf and docker-compose.yml's archive_timeout:

1. load the demo data (or a daily dump, for the large profile), take a full base backup;
2. write positions and actions, as the field phones do, for a while;
3. lose the cluster (immediate stop, data directory deleted);
4. restore to the latest point with `pgbackrest restore` and start it again.

RPO = the newest committed row minus the newest row found after the restore (seconds of
commits lost); RTO = from the start of the restore to `/api/health` answering
`"database": "connected"` from the app (gunicorn) pointed at the restored cluster.
"""
from __future__ import annotations

import datetime
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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from akig_ops.grappe import Grappe, archivage_compose, port_libre
from akig_ops.sauvegarde import comptes_lire, restauration_executer
from recovery.models import statut_cle

# The drill's targets for the small profile (docs/operations.md); the runbook promises RPO < 5 min, RTO < 15 min.
CIBLE_RPO_S = 60
CIBLE_RTO_S = 300


@dataclass
class Resultat:
    """What the drill measured (seconds) and counted."""

    rpo_s: float
    rto_s: float
    ecriture_s: float  # from the start of the restore to the cluster accepting writes
    restauration_s: float  # `pgbackrest restore` alone
    lignes_ecrites: int
    lignes_perdues: int
    sante: str  # what RTO waited for
    comptes_avant: dict[str, int]  # locataires, impayes, missions before the loss
    comptes_apres: dict[str, int]  # … and after the restore
    etapes: dict[str, float] = field(default_factory=dict)


def sante_lire(url: str) -> str | None:
    """The value of "database" in the JSON `url` answers (whatever the HTTP status),
    or None when nothing answers or the body is not that JSON."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reponse:
            corps = reponse.read()
    except urllib.error.HTTPError as erreur:  # 503 while the database is down
        corps = erreur.read()
    except (urllib.error.URLError, OSError):
        return None
    try:
        return json.loads(corps).get("database")
    except (ValueError, AttributeError):
        return None


def sante_attendre(url: str, *, delai_s: float, pas_s: float = 0.25) -> float:
    """Poll `url` until it answers `"database": "connected"`; return the monotonic time it did."""
    fin = time.monotonic() + delai_s
    while time.monotonic() < fin:
        if sante_lire(url) == "connected":
            return time.monotonic()
        time.sleep(pas_s)
    raise TimeoutError(f"{url} n'a pas répondu \"database\": \"connected\" en {delai_s:g} s")


class Ecrivain(threading.Thread):
    """Writes, like the field phones, one GPS position and one visit per `pas_s` seconds,
    each pair in its own transaction; remembers the server time of the last commit."""

    def __init__(self, url: str, *, pas_s: float = 0.2):
        super().__init__(daemon=True)
        self.url, self.pas_s = url, pas_s
        self.arret = threading.Event()
        self.dernier: datetime.datetime | None = None
        self.lignes = 0
        self.debut: datetime.datetime | None = None
        self.erreur: psycopg.Error | None = None

    def run(self) -> None:
        try:
            self._ecrire()
        except psycopg.Error as erreur:
            # After the loss, the cluster being gone is the drill's disaster; before it, a bug.
            self.erreur = erreur

    def _ecrire(self) -> None:
        with psycopg.connect(self.url, autocommit=False) as conn:
            agent_id, locataire_id = conn.execute(
                "SELECT (SELECT min(id) FROM agents), (SELECT min(id) FROM locataires)"
            ).fetchone()
            self.debut = conn.execute("SELECT clock_timestamp()").fetchone()[0]
            conn.commit()
            n = 0
            while not self.arret.is_set():
                n += 1
                with conn.transaction():
                    (instant,) = conn.execute(
                        "INSERT INTO agent_geolocalisation (agent_id, timestamp, latitude, longitude)"
                        " VALUES (%s, clock_timestamp(), 48.85, 2.35) RETURNING timestamp",
                        [agent_id],
                    ).fetchone()
                    conn.execute(
                        "INSERT INTO recouvrement_actions (reference, agent_id, locataire_id, impaye_reference,"
                        " type_action, statut, statut_cle, resultat, montant_recouvre, date_action)"
                        " VALUES (%s, %s, %s, '', 'visite', 'realisee', %s, 'Exercice de restauration', 0, %s)",
                        [f"EXERCICE-{self.debut:%H%M%S}-{n}", agent_id, locataire_id, statut_cle("realisee"), instant],
                    )
                self.dernier, self.lignes = instant, self.lignes + 2
                time.sleep(self.pas_s)


def _env_sans_redis(**valeurs: str) -> dict[str, str]:
    """Return this process' environment with `valeurs`, without the Redis servers (cache and
    broker): the drill's processes run on local memory and eager Celery."""
    env = {**os.environ, **valeurs}
    for nom in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"):
        env.pop(nom, None)
    return env


def serveur_lancer(url_base: str, *, port: int, journal: Path, workers: int = 2, **env: str) -> subprocess.Popen:
    """gunicorn serving the app on the database `url_base`, as akig-backend does (`env`: more
    settings, e.g. DATABASE_REPLICA_URL)."""
    env = _env_sans_redis(**{
        "DATABASE_URL": url_base, "SECRET_KEY": "exercice-de-restauration",
        "DEBUG": "0", "HTTPS": "0", "ALLOWED_HOSTS": "127.0.0.1", "DB_CONN_MAX_AGE": "0", **env,
    })
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "akig_ops.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--timeout", "30"],
        cwd=settings.BASE_DIR, env=env, stdout=journal.open("w"), stderr=subprocess.STDOUT,
    )


def manage(*arguments: str, url_base: str) -> None:
    """`manage.py arguments` on the database `url_base` (no Redis, as the drill's server)."""
    env = _env_sans_redis(DATABASE_URL=url_base, DEBUG="1", SECRET_KEY="exercice-de-restauration")
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=settings.BASE_DIR, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def exercice_executer(
    *, secondes: float, depuis: Path | None = None, garder: bool = False, ecrire: Callable[[str], None] = print
) -> Resultat:
    """Run the whole drill (see the module's docstring); return what it measured.

    `depuis`: a daily dump (`manage.py backup`) loaded instead of the small demo, with its
    counts checked, e.g. the large profile's. The cluster's directory is deleted at the
    end unless `garder`.
    """
    archivage = archivage_compose()
    racine = Path(tempfile.mkdtemp(prefix="akig-drill-"))
    grappe = Grappe(racine, port=port_libre())
    serveur = None
    etapes: dict[str, float] = {}

    def etape(nom: str, debut: float) -> None:
        etapes[nom] = time.monotonic() - debut
        ecrire(f"  {nom:<46} {etapes[nom]:7.1f} s")

    try:
        ecrire(f"Grappe jetable : {racine} (port {grappe.port}, PostgreSQL {grappe.bin.parent.name}), "
               f"archive_timeout = {archivage['archive_timeout']}")
        t = time.monotonic()
        grappe.creer(archivage=archivage)
        grappe.demarrer()
        etape("initdb et démarrage", t)

        t = time.monotonic()
        base_grappe = {"ENGINE": "django.db.backends.postgresql", "NAME": "akig", "HOST": "127.0.0.1",
                       "PORT": grappe.port, "USER": "postgres"}
        if depuis:
            # The checked restore of `manage.py restore`, into a cluster with no `akig` yet.
            comptes = restauration_executer(fichier=depuis, base=base_grappe).comptes
            etape(f"chargement de {depuis.name} {comptes}", t)
            # A dump taken by an older release: bring its schema to this code's, as a deploy does.
            t = time.monotonic()
            manage("migrate", "--noinput", url_base=grappe.url())
            etape("migrate", t)
        else:
            with grappe.connecter() as conn:
                conn.execute("CREATE DATABASE akig")
            manage("migrate", "--noinput", url_base=grappe.url())
            manage("seed_demo", "--profil", "small", url_base=grappe.url())
            etape("migrate et démo small", t)

        t = time.monotonic()
        grappe.archiver()
        grappe.pgbackrest("--type=full", "backup")
        etape("sauvegarde de base (pgbackrest backup full)", t)

        port_app = port_libre()
        serveur = serveur_lancer(grappe.url(), port=port_app, journal=racine / "log" / "gunicorn.log")
        sante, attendre = _sante(grappe, port_app)
        attendre(delai_s=60)

        comptes_avant = comptes_lire(base=base_grappe, nom="akig")
        ecrivain = Ecrivain(grappe.url())
        ecrivain.start()
        ecrire(f"  écritures (positions et actions) pendant {secondes:g} s …")
        time.sleep(secondes)
        if ecrivain.dernier is None or ecrivain.erreur:
            raise RuntimeError(f"les écritures de l'exercice ont échoué avant la perte : {ecrivain.erreur}")
        grappe.perdre()
        ecrivain.arret.set()
        ecrivain.join(timeout=10)
        dernier = ecrivain.dernier
        ecrire(
            "  grappe perdue (arrêt immédiat, données effacées) ; dernière écriture validée à "
            f"{timezone.localtime(dernier):%H:%M:%S}"
        )

        debut_restauration = time.monotonic()
        grappe.restaurer()
        etape("pgbackrest restore", debut_restauration)
        grappe.demarrer()
        ecriture_prete = _attendre_ecriture(grappe)
        sante_ok = attendre(delai_s=1800)
        etapes["restauration → écriture possible"] = ecriture_prete - debut_restauration

        with grappe.connecter("akig") as conn:
            restaure, gardees = conn.execute(
                "SELECT max(timestamp), count(*) FROM agent_geolocalisation WHERE timestamp >= %s",
                [ecrivain.debut],
            ).fetchone()
        perdues = ecrivain.lignes - 2 * gardees
        comptes_apres = comptes_lire(base=base_grappe, nom="akig")
        rpo = (dernier - (restaure or ecrivain.debut)).total_seconds()
        return Resultat(
            rpo_s=rpo, rto_s=sante_ok - debut_restauration, ecriture_s=ecriture_prete - debut_restauration,
            restauration_s=etapes["pgbackrest restore"], lignes_ecrites=ecrivain.lignes,
            lignes_perdues=perdues, sante=sante, etapes=etapes,
            comptes_avant=comptes_avant, comptes_apres=comptes_apres,
        )
    finally:
        if serveur:
            serveur.terminate()
            serveur.wait(timeout=30)
        try:
            grappe.arreter()
        finally:
            if garder:
                ecrire(f"Grappe gardée : {racine}")
            else:
                shutil.rmtree(racine, ignore_errors=True)


def _sante(grappe: Grappe, port_app: int) -> tuple[str, Callable[..., float]]:
    """What RTO waits for: the app's `/api/health` saying the database is connected; on a
    branch where that view is not there yet, a `SELECT 1` through the app's settings."""
    try:
        resolve("/api/health")
    except Resolver404:
        def select_1(*, delai_s: float) -> float:
            fin = time.monotonic() + delai_s
            while time.monotonic() < fin:
                try:
                    with psycopg.connect(grappe.url(), connect_timeout=2) as conn:
                        conn.execute("SELECT 1")
                    return time.monotonic()
                except psycopg.OperationalError:
                    time.sleep(0.25)
            raise TimeoutError("la base restaurée ne répond pas")

        return "SELECT 1 (pas de /api/health dans cette version)", select_1
    url = f"http://127.0.0.1:{port_app}/api/health"
    return f'GET {url} → "database": "connected"', lambda *, delai_s: sante_attendre(url, delai_s=delai_s)


def _attendre_ecriture(grappe: Grappe, *, delai_s: float = 3600) -> float:
    """Wait until the restored cluster has left recovery (promoted: it takes writes);
    return the monotonic time."""
    fin = time.monotonic() + delai_s
    while time.monotonic() < fin:
        try:
            with grappe.connecter() as conn:
                if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return time.monotonic()
        except psycopg.OperationalError:
            pass
        time.sleep(0.25)
    raise TimeoutError("la grappe restaurée n'a pas fini sa récupération")
