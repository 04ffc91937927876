"""A throwaway PostgreSQL cluster archiving its WAL with pgBackRest, for the restore drill.

Configured as akig-db is in production: pgBackRest's options from ops/deploy/pgbackrest.conf
(only the paths change) and the archiving options of docker-compose.yml. initdb, pg_ctl and
pgBackRest run as the `postgres` system user (via runuser when we are root); the machine's
own server is never touched.
"""
from __future__ import annotations

import configparser
import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import psycopg
import yaml
from django.conf import settings

STANZA = "akig"
CONF_PGBACKREST = Path(settings.BASE_DIR) / "ops" / "deploy" / "pgbackrest.conf"
COMPOSE = Path(settings.BASE_DIR) / "docker-compose.yml"


def archivage_compose() -> dict[str, str]:
    """The `-c name=value` options of akig-db's command in docker-compose.yml: the WAL
    archiving production runs (wal_level, archive_mode, archive_command, archive_timeout)."""
    service = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["postgres"]
    options = {}
    commande = service["command"]
    for precedent, valeur in zip(commande, commande[1:]):
        if precedent == "-c":
            nom, _, val = valeur.partition("=")
            options[nom] = val
    return options


def duree_secondes(valeur: str) -> float:
    """A PostgreSQL duration setting ('30s', '1min', '60') in seconds."""
    nombre, unite = re.fullmatch(r"(\d+)\s*(ms|s|min|h)?", valeur.strip()).groups()
    return int(nombre) * {"ms": 0.001, "s": 1, None: 1, "min": 60, "h": 3600}[unite]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bindir() -> Path:
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not versions:
        raise RuntimeError("PostgreSQL introuvable dans /usr/lib/postgresql (apt-get install postgresql)")
    return versions[-1].parent


class Grappe:
    """A throwaway PostgreSQL cluster and its pgBackRest repository, in one directory,
    run as the `postgres` system user."""

    def __init__(self, racine: Path, *, port: int):
        self.racine, self.port, self.bin = racine, port, _bindir()
        self.pgdata = racine / "pgdata"
        self.conf = racine / "pgbackrest.conf"

    def _commande(self, *commande: str, **kwargs) -> subprocess.CompletedProcess:
        """Run `commande` as `postgres` (via runuser when we are root); raise on failure."""
        if os.geteuid() == 0:
            commande = ("runuser", "-u", "postgres", "--", *commande)
        elif os.environ.get("USER", "") != "postgres":
            raise RuntimeError("l'exercice doit tourner en root ou en utilisateur postgres (initdb, pgBackRest)")
        resultat = subprocess.run(commande, capture_output=True, text=True, **kwargs)
        if resultat.returncode != 0:
            raise RuntimeError(f"{' '.join(commande)} : code {resultat.returncode}\n{resultat.stdout}{resultat.stderr}")
        return resultat

    def pgbackrest(self, *arguments: str) -> None:
        self._commande("pgbackrest", f"--config={self.conf}", f"--stanza={STANZA}", *arguments)

    def creer(self, *, archivage: dict[str, str] | None) -> None:
        """initdb, pgBackRest's configuration (production's, with this directory's paths)
        and PostgreSQL's archiving options; WAL goes nowhere until `archiver()`.
        `archivage=None`: a bare cluster on its port, without pgBackRest (outage tests)."""
        shutil.chown(self.racine, "postgres", "postgres")
        self._commande(
            str(self.bin / "initdb"), "-D", str(self.pgdata), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",  # a throwaway cluster: no fsync of its files
        )
        if archivage is None:
            (self.racine / "log").mkdir()
            shutil.chown(self.racine / "log", "postgres", "postgres")
            with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as f:
                f.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                        f"unix_socket_directories = '{self.racine}'\n")
            return
        production = configparser.ConfigParser(interpolation=None)
        production.optionxform = str
        production.read(CONF_PGBACKREST, encoding="utf-8")
        production["global"].update({
            "repo1-path": str(self.racine / "repo"), "log-path": str(self.racine / "log"),
            "lock-path": str(self.racine / "lock"), "spool-path": str(self.racine / "spool"),
        })
        production[STANZA].update({
            "pg1-path": str(self.pgdata), "pg1-port": str(self.port),
            "pg1-socket-path": str(self.racine), "pg1-user": "postgres",
        })
        with self.conf.open("w", encoding="utf-8") as f:
            production.write(f)
        for sous_repertoire in ("repo", "log", "lock", "spool"):
            (self.racine / sous_repertoire).mkdir()
            shutil.chown(self.racine / sous_repertoire, "postgres", "postgres")
        shutil.chown(self.conf, "postgres", "postgres")
        self._archive_command = archivage["archive_command"].replace(
            "pgbackrest ", f"pgbackrest --config={self.conf} ", 1
        )
        with (self.pgdata / "postgresql.conf").open("a", encoding="utf-8") as f:
            f.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.racine}'\n"
                f"wal_level = {archivage['wal_level']}\narchive_mode = {archivage['archive_mode']}\n"
                f"archive_timeout = '{archivage['archive_timeout']}'\n"
                # The demo load's WAL precedes the base backup: no use archiving it.
                "archive_command = '/bin/true'\n"
            )

    def repliquer(self, racine: Path, *, port: int) -> Grappe:
        """A streaming replica of this running cluster in `racine`, on `port`, not started:
        `pg_basebackup -R` (standby.signal and primary_conninfo written), as a standby host is
        built in production."""
        replique = Grappe(racine, port=port)
        shutil.chown(racine, "postgres", "postgres")
        (racine / "log").mkdir()
        shutil.chown(racine / "log", "postgres", "postgres")
        self._commande(
            str(self.bin / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-D", str(replique.pgdata), "-R", "-X", "stream", "-c", "fast",
        )
        with (replique.pgdata / "postgresql.conf").open("a", encoding="utf-8") as f:
            # The copied configuration names the primary's port and socket directory.
            f.write(f"\nport = {port}\nunix_socket_directories = '{racine}'\nhot_standby_feedback = on\n")
        return replique

    def demarrer(self) -> None:
        self._commande(
            str(self.bin / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.racine / "log" / "postgres.log"),
            "-w", "-t", "3600", "start",
        )

    def archiver(self) -> None:
        """Turn on production's archive_command, create the stanza and check that a WAL
        segment reaches the repository."""
        with self.connecter() as conn:
            conn.execute(f"ALTER SYSTEM SET archive_command = '{self._archive_command}'")
            conn.execute("SELECT pg_reload_conf()")
        self.pgbackrest("stanza-create")
        self.pgbackrest("check")

    def perdre(self) -> None:
        """The disaster: immediate stop (no checkpoint, the WAL being written is not
        archived) and the data directory gone."""
        self.tuer()
        shutil.rmtree(self.pgdata)

    def restaurer(self) -> None:
        """Recreate the data directory from the repository: the last base backup, then
        every archived WAL segment (recovery to the end of the archive, then promotion)."""
        self.pgdata.mkdir(mode=0o700)
        shutil.chown(self.pgdata, "postgres", "postgres")
        self.pgbackrest("restore")

    def tuer(self) -> None:
        """The server killed: immediate stop, its connections cut, the data kept."""
        self._commande(str(self.bin / "pg_ctl"), "-D", str(self.pgdata), "-m", "immediate", "stop")

    def arreter(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self._commande(str(self.bin / "pg_ctl"), "-D", str(self.pgdata), "-m", "immediate", "stop")

    def url(self, base: str = "akig") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{base}"

    def connecter(self, base: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=base, autocommit=True)
