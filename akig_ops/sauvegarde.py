"""The runbook's daily dump and its restore, with a safety net (runbook "Base de Données Down").

`sauvegarde_quotidienne()` writes `postgres-backup-YYYY-MM-DD.sql.gz` (pg_dump, compressed)
under a temporary name, renamed only once pg_dump has succeeded and the file is on disk.
`restauration_executer()` restores a dump into a new database, checks the counts of the
runbook's tables against the dump's, and only then swaps it in by renaming; the damaged
database is kept as `<name>_corrupted_<date>`. Point-in-time recovery (RPO < 5 min) is
pgBackRest's job, outside the app (docs/operations.md, `make drill`).
"""
from __future__ import annotations

import datetime
import gzip
import logging
import os
import re
import subprocess
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from psycopg import sql

from akig_ops.lib.fichiers import fsync
from akig_ops.lib.verrous import verrou_pg
from akig_ops.models import Battement
from akig_ops.services import SAUVEGARDE, SAUVEGARDE_ECHEC, battement_enregistrer

logger = logging.getLogger(__name__)

PREFIXE = "postgres-backup-"
SUFFIXE = ".sql.gz"
PARTIEL = ".partiel"
FICHIER = re.compile(rf"^\.?{PREFIXE}(\d{{4}}-\d{{2}}-\d{{2}}){re.escape(SUFFIXE)}({re.escape(PARTIEL)})?$")
# The runbook's validation step counts these three tables after a restore.
TABLES_VERIFIEES = ("locataires", "impayes", "missions")
FIN_DU_DUMP = b"-- PostgreSQL database dump complete"


class SauvegardeErreur(Exception):
    """A backup or restore step failed; the message says which step and why (in French)."""


@dataclass(frozen=True)
class Restauration:
    """What a restore did: the database restored, the damaged one kept (None if there was
    none), and the row counts checked against the dump."""

    base: str
    corrompue: str | None
    comptes: dict[str, int]


def _base_par_defaut() -> dict:
    return connection.settings_dict


def _libpq(base: dict) -> dict[str, str]:
    """libpq's environment for the database `base` (a DATABASES entry): the password
    stays out of the command line."""
    if base["ENGINE"] != "django.db.backends.postgresql":
        raise SauvegardeErreur(
            "La sauvegarde et la restauration exigent PostgreSQL (DATABASE_URL=postgres://…) ; "
            f"la base configurée utilise {base['ENGINE'].rsplit('.', 1)[-1]}."
        )
    env = {"PGDATABASE": str(base["NAME"])}
    for cle, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if base.get(cle):
            env[variable] = str(base[cle])
    return env


def _connecter(base: dict, *, nom: str) -> psycopg.Connection:
    """An autocommit connection to the database `nom` of `base`'s server."""
    env = _libpq(base)
    return psycopg.connect(
        host=env.get("PGHOST"), port=env.get("PGPORT"), user=env.get("PGUSER"),
        password=env.get("PGPASSWORD"), dbname=nom, autocommit=True,
    )


def sauvegarde_creer(*, repertoire: Path, jour: datetime.date, base: dict | None = None) -> Path:
    """Dump the database into `repertoire/postgres-backup-<jour>.sql.gz`; return that path.

    pg_dump writes a hidden `….partiel` file, renamed to the final name only after pg_dump
    succeeded and the file reached the disk: a failure (pg_dump error, disk full) never
    leaves a truncated file under the final name, and an older good file stays.
    """
    base = base or _base_par_defaut()
    final = repertoire / f"{PREFIXE}{jour:%Y-%m-%d}{SUFFIXE}"
    partiel = repertoire / f".{final.name}{PARTIEL}"
    try:
        repertoire.mkdir(parents=True, exist_ok=True)
        resultat = subprocess.run(
            # Plain SQL, as the runbook restores it with psql; no owner or grants, so it
            # restores as whichever role runs it.
            ["pg_dump", "--no-owner", "--no-privileges", "--compress=6", f"--file={partiel}"],
            env={**os.environ, **_libpq(base)}, capture_output=True, text=True,
        )
        if resultat.returncode != 0:
            raise SauvegardeErreur(f"pg_dump a échoué (code {resultat.returncode}) : {resultat.stderr.strip()}")
        fsync(partiel)
        os.replace(partiel, final)
        fsync(repertoire)
    except OSError as erreur:
        _effacer(partiel)
        raise SauvegardeErreur(f"écriture de la sauvegarde dans {repertoire} impossible : {erreur}") from erreur
    except SauvegardeErreur:
        _effacer(partiel)
        raise
    return final


def _effacer(chemin: Path) -> None:
    try:
        chemin.unlink(missing_ok=True)
    except OSError:  # the directory itself is missing or unusable: nothing was written
        pass


def sauvegardes_purger(*, repertoire: Path, jour: datetime.date, retention_jours: int) -> list[Path]:
    """Delete the dumps dated more than `retention_jours` days before `jour`, and partial
    files left by an interrupted run of an earlier day; return the paths deleted.

    The date is read from the file name (not its mtime, which a copy changes).
    """
    limite = jour - datetime.timedelta(days=retention_jours)
    supprimes = []
    for chemin in sorted(repertoire.iterdir()) if repertoire.is_dir() else []:
        trouve = FICHIER.match(chemin.name)
        if not trouve:
            continue
        date_fichier = datetime.date.fromisoformat(trouve.group(1))
        if date_fichier < limite or (trouve.group(2) and date_fichier < jour):
            chemin.unlink()
            supprimes.append(chemin)
    return supprimes


# One dump at a time, whatever the hosts: two beats, or the broker handing a long dump to a
# second worker (acks_late, past the visibility timeout), must not write the same file.
VERROU = "akig:sauvegarde"


def sauvegarde_quotidienne(*, base: dict | None = None) -> Path | None:
    """The 02:00 job, once at a time on every host (advisory lock VERROU): today's dump, then
    the purge; return the dump's path, or None when another run holds the lock (logged).

    Success records the heartbeat SAUVEGARDE (file, size, duration, files purged). A failure
    is logged as an error, recorded in the heartbeat SAUVEGARDE_ECHEC (its time, the error,
    the number of failures so far) and raised again, so the command exits non-zero and the
    Celery task fails.
    """
    with verrou_pg(VERROU, attendre=False) as tenu:
        if not tenu:
            logger.warning("Sauvegarde déjà en cours ailleurs (verrou %s tenu) : rien à faire", VERROU)
            return None
        return _sauvegarde_sous_verrou(base=base)


def _sauvegarde_sous_verrou(*, base: dict | None) -> Path:
    debut = time.monotonic()
    jour = timezone.localdate()
    repertoire = Path(settings.AKIG_BACKUP_DIR)
    try:
        chemin = sauvegarde_creer(repertoire=repertoire, jour=jour, base=base)
        purges = sauvegardes_purger(
            repertoire=repertoire, jour=jour, retention_jours=settings.AKIG_BACKUP_RETENTION_JOURS
        )
    except SauvegardeErreur as erreur:
        logger.error("Sauvegarde de la base en échec : %s", erreur)
        precedent = Battement.objects.filter(nom=SAUVEGARDE_ECHEC).values_list("details", flat=True).first()
        echecs = (precedent or {}).get("echecs", 0) + 1
        # The heartbeat's time is the failure's: /metrics compares it with the last success.
        battement_enregistrer(nom=SAUVEGARDE_ECHEC, details={"erreur": str(erreur), "echecs": echecs})
        raise
    battement_enregistrer(
        nom=SAUVEGARDE,
        details={
            "fichier": chemin.name,
            "octets": chemin.stat().st_size,
            "duree_s": round(time.monotonic() - debut, 1),
            "purges": [p.name for p in purges],
        },
    )
    logger.info("Sauvegarde écrite : %s (%d octets)", chemin, chemin.stat().st_size)
    return chemin


def _nom_base(nom: str) -> str:
    if len(nom.encode()) > 63:
        raise SauvegardeErreur(f"nom de base trop long pour PostgreSQL (63 octets au plus) : {nom}")
    return nom


def _dump_charger(*, fichier: Path, base: dict, nom: str) -> dict[str, int]:
    """Stream the gzip'd SQL dump `fichier` into the database `nom` with psql in one
    transaction; return the rows the dump holds for each of TABLES_VERIFIEES.

    A truncated or corrupt file (gzip error, or no end-of-dump line) kills psql before it
    commits: nothing of the file stays.
    """
    comptes = dict.fromkeys(TABLES_VERIFIEES, 0)
    table, complet = None, False
    with tempfile.TemporaryFile() as erreurs:
        psql = subprocess.Popen(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-d", nom],
            env={**os.environ, **_libpq(base)}, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=erreurs,
        )
        try:
            with gzip.open(fichier, "rb") as dump:
                for ligne in dump:
                    if table is not None:
                        if ligne == b"\\.\n":
                            table = None
                        else:
                            comptes[table] += 1
                    elif ligne.startswith(b"COPY public."):
                        nom_table = ligne[len(b"COPY public."):].split(b" ", 1)[0].decode()
                        table = nom_table if nom_table in comptes else None
                    elif ligne.startswith(FIN_DU_DUMP):
                        complet = True
                    psql.stdin.write(ligne)
            if not complet:
                raise SauvegardeErreur(f"{fichier.name} est incomplet : la ligne de fin du dump manque")
            psql.stdin.close()
            code = psql.wait()
        except (EOFError, gzip.BadGzipFile, zlib.error) as erreur:
            psql.kill()
            psql.wait()
            raise SauvegardeErreur(f"{fichier.name} est tronqué ou illisible ({erreur})") from erreur
        except BrokenPipeError:
            code = psql.wait()
        except BaseException:
            psql.kill()
            psql.wait()
            raise
        if code != 0:
            erreurs.seek(0)
            message = erreurs.read().decode(errors="replace").strip()
            raise SauvegardeErreur(f"psql a refusé {fichier.name} (code {code}) : {message}")
    return comptes


def comptes_lire(*, base: dict, nom: str) -> dict[str, int]:
    """The row counts of TABLES_VERIFIEES in the database `nom` of `base`'s server."""
    with _connecter(base, nom=nom) as conn:
        return {
            table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in TABLES_VERIFIEES
        }


def _bascule(admin: psycopg.Connection, *, vivante: str, nouvelle: str, corrompue: str | None) -> None:
    """Rename `vivante` to `corrompue` and `nouvelle` to `vivante` in one transaction (both
    or neither); the app's connections to `vivante` are closed first, and retried a few
    times if one comes back in between."""
    for essai in range(5):
        if corrompue:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                [vivante],
            )
        try:
            with admin.transaction():
                if corrompue:
                    admin.execute(
                        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(vivante), sql.Identifier(corrompue))
                    )
                admin.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(nouvelle), sql.Identifier(vivante))
                )
            return
        except psycopg.errors.ObjectInUse:
            if essai == 4:
                raise SauvegardeErreur(
                    f"la base {vivante} reste utilisée : arrêtez akig-backend, le worker et beat, puis relancez"
                ) from None
            time.sleep(0.5)


def restauration_executer(*, fichier: Path, base: dict | None = None, maintenant: datetime.datetime | None = None) -> Restauration:
    """Restore the dump `fichier` in place of the database of `base` (default: the app's).

    Steps: create `<name>_restauration`, load the dump into it (one transaction), check that
    the counts of locataires, impayes and missions equal the dump's, then rename the live
    database `<name>_corrupted_<YYYYMMDD_HHMM>` and the new one `<name>`. Until that last
    step the live database is not touched; any failure drops the new database and raises
    SauvegardeErreur. Returns what was done.
    """
    base = base or _base_par_defaut()
    maintenant = timezone.localtime(maintenant or timezone.now())
    vivante = str(base["NAME"])
    nouvelle = _nom_base(f"{vivante}_restauration")
    if not fichier.is_file():
        raise SauvegardeErreur(f"fichier introuvable : {fichier}")
    # Our own connection must not hold the database that is about to be renamed.
    connections.close_all()
    with _connecter(base, nom="postgres") as admin:
        existe = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [vivante]).fetchone()
        corrompue = _nom_base(f"{vivante}_corrupted_{maintenant:%Y%m%d_%H%M}") if existe else None
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(nouvelle)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(nouvelle)))
        try:
            _reglages_copier(admin, vivante=vivante if existe else None, nouvelle=nouvelle)
            attendus = _dump_charger(fichier=fichier, base=base, nom=nouvelle)
            trouves = comptes_lire(base=base, nom=nouvelle)
            if trouves != attendus:
                raise SauvegardeErreur(f"comptes différents après restauration : dump {attendus}, base {trouves}")
            _bascule(admin, vivante=vivante, nouvelle=nouvelle, corrompue=corrompue)
        except BaseException:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(nouvelle)))
            raise
    return Restauration(base=vivante, corrompue=corrompue, comptes=trouves)


def _reglages_copier(admin: psycopg.Connection, *, vivante: str | None, nouvelle: str) -> None:
    """Give the new database the live one's settings (`ALTER DATABASE … SET`, which a dump
    does not carry), or the business time zone of migration recovery/0002 when there is
    no live database."""
    reglages = []
    if vivante:
        ligne = admin.execute(
            "SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
            " WHERE d.datname = %s AND s.setrole = 0",
            [vivante],
        ).fetchone()
        reglages = [reglage.split("=", 1) for reglage in (ligne[0] if ligne else [])]
    if not any(cle == "TimeZone" or cle.lower() == "timezone" for cle, _ in reglages):
        reglages.append(["timezone", settings.TIME_ZONE])
    for cle, valeur in reglages:
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET {} TO {}").format(
                sql.Identifier(nouvelle), sql.Identifier(cle), sql.Literal(valeur)
            )
        )
