"""A real streaming replica behind the app: a throwaway primary (initdb on a spare port, as the
restore drill builds its cluster), a standby made by `pg_basebackup -R` on another port, and
gunicorn serving the app with DATABASE_REPLICA_URL pointed at it. Both paths are proved on the
agent page (a read-only view): reads on the replica while it keeps up, on the primary when it
lags more than AKIG_REPLICA_RETARD_MAX_S or is stopped (no 500), writes on the primary reaching
the replica; /api/health and /metrics say so. The machine's own PostgreSQL is never touched."""
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from akig_ops.grappe import Grappe, port_libre
from donnees.drill import sante_attendre, serveur_lancer

pytestmark = pytest.mark.postgresql

JETON = "jeton-du-test-de-replique"
RETARD_MAX_S = 3


def _pourquoi_pas() -> str | None:
    binaires = list(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup"))
    if not binaires or not (binaires[-1].parent / "initdb").exists():
        return "initdb or pg_basebackup is missing (ops/deploy/drill-prerequis.sh installs PostgreSQL's server)"
    if os.geteuid() != 0:
        return "initdb must run as the postgres user: the test needs root to switch to it"
    return None


def _attendre(condition, *, delai_s: float, message: str):
    fin = time.monotonic() + delai_s
    while time.monotonic() < fin:
        valeur = condition()
        if valeur:
            return valeur
        time.sleep(0.1)
    raise AssertionError(message)


def _rejoue_jusqu_a(replique: Grappe, lsn: str) -> bool:
    with replique.connecter("akig") as conn:
        return conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]).fetchone()[0]


def _compter(grappe: Grappe, ou: str, *parametres) -> int:
    with grappe.connecter("akig") as conn:
        return conn.execute(f"SELECT count(*) FROM {ou}", parametres).fetchone()[0]


def _ecrire(primaire: Grappe, sql: str, *parametres) -> str:
    """Run `sql` on the primary; return the WAL position after its commit."""
    with primaire.connecter("akig") as conn:
        conn.execute(sql, parametres)
        return conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()[0]


def _schema_copier(primaire: Grappe) -> None:
    """The app's schema, from the test database pytest-django migrated, into the primary
    (`migrate` on a fresh cluster takes some 25 s on a busy machine; a schema dump, one)."""
    source = connection.settings_dict
    env = {**os.environ, "PGHOST": source["HOST"] or "", "PGPORT": str(source["PORT"] or 5432),
           "PGUSER": source["USER"] or "", "PGPASSWORD": source["PASSWORD"] or "", "PGDATABASE": source["NAME"]}
    schema = subprocess.run(["pg_dump", "--schema-only", "--no-owner", "--no-privileges"], env=env,
                            capture_output=True, check=True).stdout
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-d", primaire.url()], input=schema,
                   capture_output=True, check=True)


def _donnees(primaire: Grappe) -> int:
    """A superuser `dir` (password `secret-replique`) and one agent; return the agent's id."""
    with primaire.connecter("akig") as conn:
        (user_id,) = conn.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff,"
            " is_active, date_joined) VALUES (%s, true, 'dir', '', '', '', true, true, now()) RETURNING id",
            # The server's hasher (the tests' own is MD5), few rounds: the login stays quick.
            [PBKDF2PasswordHasher().encode("secret-replique", "sel-du-test", iterations=1000)],
        ).fetchone()
        (equipe_id,) = conn.execute(
            "INSERT INTO equipes (code, nom, chef_id) VALUES ('EQ1', 'Equipe 1', %s) RETURNING id", [user_id]
        ).fetchone()
        (agent_id,) = conn.execute(
            "INSERT INTO agents (code, nom, email, telephone, equipe_id, actif)"
            " VALUES ('AG1', 'Ancien Nom', '', '', %s, true) RETURNING id", [equipe_id]
        ).fetchone()
    return agent_id


def _metrique(texte: str, nom: str) -> float | None:
    for ligne in texte.splitlines():
        if ligne.startswith(nom + " "):
            return float(ligne.split()[1])
    return None


@pytest.fixture
def grappes(db):
    """A primary with the app's schema and a started streaming replica of it, in one
    throwaway directory; both stopped and deleted afterwards."""
    pourquoi = _pourquoi_pas()
    if pourquoi:
        pytest.skip(pourquoi)
    racine = Path(tempfile.mkdtemp(prefix="akig-replique-"))
    racine.chmod(0o755)  # the postgres user walks into its two clusters' directories
    primaire = Grappe(racine / "primaire", port=port_libre())
    replique = None
    try:
        primaire.racine.mkdir()
        primaire.creer(archivage=None)
        primaire.demarrer()
        with primaire.connecter() as conn:
            conn.execute("CREATE DATABASE akig")
        _schema_copier(primaire)
        agent_id = _donnees(primaire)
        (racine / "replique").mkdir()
        replique = primaire.repliquer(racine / "replique", port=port_libre())
        replique.demarrer()
        yield primaire, replique, agent_id, racine
    finally:
        for grappe in (replique, primaire):
            if grappe is not None:
                grappe.arreter()
        shutil.rmtree(racine, ignore_errors=True)


def test_replica_serves_reads_until_it_lags_or_stops_and_writes_stay_on_the_primary(grappes):
    primaire, replique, agent_id, racine = grappes
    port = port_libre()
    serveur = serveur_lancer(
        primaire.url(), port=port, journal=racine / "gunicorn.log", workers=1,
        DATABASE_REPLICA_URL=replique.url(), AKIG_REPLICA_RETARD_MAX_S=str(RETARD_MAX_S),
        AKIG_REPLICA_VERIFICATION_MS="200", AKIG_REPLICA_PAUSE_APRES_ECHEC_MS="500", AKIG_OPS_TOKEN=JETON,
        DEBUG="1",  # pages without collectstatic's manifest
    )
    base = f"http://127.0.0.1:{port}"
    page = f"{base}/agents/{agent_id}/"
    try:
        sante_attendre(f"{base}/api/health", delai_s=30)
        navigateur = requests.Session()

        def sante() -> dict:
            return requests.get(f"{base}/api/health", timeout=5).json()

        def metriques() -> str:
            return requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {JETON}"}, timeout=5).text

        # A login writes (session, last_login) on the primary: the replica would refuse it (read-only).
        navigateur.get(f"{base}/connexion/", timeout=5)
        connexion = navigateur.post(f"{base}/connexion/", data={
            "username": "dir", "password": "secret-replique",
            "csrfmiddlewaretoken": navigateur.cookies["csrftoken"],
        }, allow_redirects=False, timeout=10)
        assert connexion.status_code == 302
        # ... and reaches the replica.
        cle = navigateur.cookies["sessionid"]
        _attendre(lambda: _compter(replique, "django_session WHERE session_key = %s", cle),
                  delai_s=10, message="la session écrite sur la primaire n'a pas atteint la réplique")

        # A browser that just wrote reads on the primary (cookie), until the replica has its write.
        assert "akig_primaire" in navigateur.cookies
        assert navigateur.get(page, timeout=10).headers["X-Base-Lecture"] == "primaire"
        del navigateur.cookies["akig_primaire"]

        # The replica keeps up: the page is read there.
        reponse = navigateur.get(page, timeout=10)
        assert (reponse.status_code, reponse.headers["X-Base-Lecture"]) == (200, "replique")
        assert "Ancien Nom" in reponse.text
        corps = sante()
        assert (corps["statut"], corps["replica"]["etat"], corps["replica"]["retard_max_secondes"]) == (
            "ok", "connected", RETARD_MAX_S)
        assert 0 <= corps["replica"]["retard_secondes"] <= RETARD_MAX_S
        texte = metriques()
        assert (_metrique(texte, "akig_replica_up"), _metrique(texte, "akig_replica_lectures")) == (1, 1)

        # Replay paused on the replica, the agent renamed on the primary: read within the lag
        # allowed, the page comes from the replica and shows the old name...
        lsn = _ecrire(primaire, "UPDATE agents SET telephone = '0600000000' WHERE id = %s", agent_id)
        _attendre(lambda: _rejoue_jusqu_a(replique, lsn), delai_s=10, message="la réplique ne rejoue pas")
        with replique.connecter("akig") as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        lsn = _ecrire(primaire, "UPDATE agents SET nom = 'Nouveau Nom' WHERE id = %s", agent_id)
        reponse = navigateur.get(page, timeout=10)
        assert (reponse.headers["X-Base-Lecture"], "Ancien Nom" in reponse.text) == ("replique", True)

        # ... then the lag passes AKIG_REPLICA_RETARD_MAX_S: reads go back to the primary.
        corps = _attendre(lambda: (c := sante())["replica"]["etat"] == "lagging" and c, delai_s=15,
                          message="la réplique en pause n'est jamais dite en retard")
        assert corps["statut"] == "degrade"
        assert corps["replica"]["retard_secondes"] > RETARD_MAX_S
        texte = metriques()
        assert _metrique(texte, "akig_replica_lectures") == 0
        assert _metrique(texte, "akig_replica_retard_secondes") > RETARD_MAX_S
        reponse = navigateur.get(page, timeout=10)
        assert (reponse.status_code, reponse.headers["X-Base-Lecture"]) == (200, "primaire")
        assert "Nouveau Nom" in reponse.text

        # Replay resumed: the write reaches the replica, which serves the page again.
        with replique.connecter("akig") as conn:
            conn.execute("SELECT pg_wal_replay_resume()")
        _attendre(lambda: sante()["replica"]["etat"] == "connected", delai_s=15,
                  message="la réplique n'a pas rattrapé la primaire")
        reponse = navigateur.get(page, timeout=10)
        assert (reponse.headers["X-Base-Lecture"], "Nouveau Nom" in reponse.text) == ("replique", True)

        # The replica stopped: the page is served by the primary, no error.
        replique.tuer()
        reponse = navigateur.get(page, timeout=10)
        assert (reponse.status_code, reponse.headers["X-Base-Lecture"]) == (200, "primaire")
        assert "Nouveau Nom" in reponse.text
        reponse_sante = requests.get(f"{base}/api/health", timeout=10)
        assert reponse_sante.status_code == 200
        assert (reponse_sante.json()["statut"], reponse_sante.json()["replica"]["etat"]) == ("degrade", "unavailable")
        assert _metrique(metriques(), "akig_replica_up") == 0
        assert navigateur.get(page, timeout=10).status_code == 200
    finally:
        serveur.terminate()
        serveur.wait(timeout=30)
