"""The runbook's daily dump and its checked restore (akig_ops/sauvegarde.py).

The round trip runs on throwaway databases of the test server, named after the test
database and dropped at the end: the live database of the test is never renamed.
"""
import datetime
import io
import gzip
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from akig_ops.celery import app
from akig_ops.models import Battement
from akig_ops.sauvegarde import (
    SauvegardeErreur,
    restauration_executer,
    sauvegarde_creer,
    sauvegarde_quotidienne,
    sauvegardes_purger,
)
from akig_ops.services import SAUVEGARDE, SAUVEGARDE_ECHEC
from akig_ops.tasks import sauvegarde_task
from tests.factories import (
    AgentFactory,
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    SiteFactory,
)

JOUR = datetime.date(2026, 11, 27)


def test_sauvegardes_purger_keeps_thirty_days(tmp_path):
    # Given dumps of 31, 30, 29 days ago and today, another file, and two partial files.
    noms = [
        "postgres-backup-2026-10-27.sql.gz",  # 31 days before 27/11: deleted
        "postgres-backup-2026-10-28.sql.gz",  # 30 days: kept (the limit is "older than 30")
        "postgres-backup-2026-10-29.sql.gz",
        "postgres-backup-2026-11-27.sql.gz",
        "notes.txt",
        ".postgres-backup-2026-11-26.sql.gz.partiel",  # an interrupted run of yesterday: deleted
        ".postgres-backup-2026-11-27.sql.gz.partiel",  # today's run may be writing it: kept
    ]
    for nom in noms:
        (tmp_path / nom).write_bytes(b"x")

    supprimes = sauvegardes_purger(repertoire=tmp_path, jour=JOUR, retention_jours=30)

    assert sorted(p.name for p in supprimes) == [
        ".postgres-backup-2026-11-26.sql.gz.partiel", "postgres-backup-2026-10-27.sql.gz",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".postgres-backup-2026-11-27.sql.gz.partiel", "notes.txt",
        "postgres-backup-2026-10-28.sql.gz", "postgres-backup-2026-10-29.sql.gz",
        "postgres-backup-2026-11-27.sql.gz",
    ]


def test_beat_runs_the_backup_at_two_in_the_morning_business_time():
    entree = settings.CELERY_BEAT_SCHEDULE["sauvegarde-quotidienne"]

    assert entree["schedule"] == crontab(hour=2, minute=0)
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    assert entree["task"] in app.tasks


def test_restore_refuses_without_confirmer_outside_debug(settings, tmp_path):
    settings.DEBUG = False
    fichier = tmp_path / "postgres-backup-2026-11-27.sql.gz"

    with pytest.raises(CommandError, match="--confirmer"):
        call_command("restore", str(fichier))


@pytest.mark.django_db
def test_backup_on_sqlite_fails_naming_postgresql(settings, tmp_path):
    if connection.vendor == "postgresql":
        pytest.skip("the SQLite configuration's refusal")
    settings.AKIG_BACKUP_DIR = tmp_path

    with pytest.raises(CommandError, match="exigent PostgreSQL"):
        call_command("backup")

    assert list(tmp_path.iterdir()) == []
    assert Battement.objects.get(nom=SAUVEGARDE_ECHEC).details["echecs"] == 1


@pytest.mark.django_db
def test_backup_task_failure_is_counted_and_raised(settings, tmp_path, caplog):
    # Given a backup directory that cannot be created (a file is in the way).
    bloque = tmp_path / "fichier"
    bloque.write_text("")
    settings.AKIG_BACKUP_DIR = bloque / "postgres"

    for _ in range(2):
        with pytest.raises(SauvegardeErreur):
            sauvegarde_task()

    echec = Battement.objects.get(nom=SAUVEGARDE_ECHEC)
    assert echec.details["echecs"] == 2
    assert not Battement.objects.filter(nom=SAUVEGARDE).exists()
    assert [r.levelname for r in caplog.records if r.name == "akig_ops.sauvegarde"] == ["ERROR", "ERROR"]


# --- On PostgreSQL: pg_dump, psql and renames on throwaway databases.


def donnees_creer():
    """2 locataires, 3 impayés, 4 missions: the runbook's three counts."""
    site = SiteFactory()
    locataire, _ = LocataireFactory.create_batch(2, site=site)
    ImpayeFactory.create_batch(3, locataire=locataire)
    MissionFactory.create_batch(4, agent=AgentFactory(), site=site)


def comptes(base: dict, nom: str) -> tuple[int, int, int]:
    with psycopg.connect(host=base["HOST"], port=base["PORT"], user=base["USER"], dbname=nom) as conn:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("locataires", "impayes", "missions")
        )


def bases_nommees(base: dict, prefixe: str) -> list[str]:
    with psycopg.connect(host=base["HOST"], port=base["PORT"], user=base["USER"], dbname="postgres") as conn:
        return [
            nom for (nom,) in conn.execute(
                "SELECT datname FROM pg_database WHERE starts_with(datname, %s) ORDER BY 1", [prefixe]
            )
        ]


@pytest.fixture
def base_jetable(transactional_db):
    """The settings of a throwaway database `<test db>_rt_<hex>` on the test server (not
    created: the first restore creates it); every database it leaves is dropped at the end."""
    base = {**connection.settings_dict, "NAME": f"{connection.settings_dict['NAME']}_rt_{uuid.uuid4().hex[:6]}"}
    yield base
    with psycopg.connect(
        host=base["HOST"], port=base["PORT"], user=base["USER"], dbname="postgres", autocommit=True
    ) as conn:
        for nom in bases_nommees(base, base["NAME"]):
            conn.execute(f'DROP DATABASE "{nom}" WITH (FORCE)')


@pytest.mark.postgresql
def test_backup_writes_the_days_dump_and_a_heartbeat(settings, tmp_path, transactional_db):
    donnees_creer()
    settings.AKIG_BACKUP_DIR = tmp_path

    call_command("backup")

    fichier = tmp_path / f"postgres-backup-{timezone.localdate():%Y-%m-%d}.sql.gz"
    assert [p.name for p in tmp_path.iterdir()] == [fichier.name]
    dump = gzip.decompress(fichier.read_bytes()).decode()
    copie_impayes = dump.split("COPY public.impayes ", 1)[1].split("\n\\.\n", 1)[0]
    assert len(copie_impayes.splitlines()) == 1 + 3  # the COPY line, then 3 rows
    assert "-- PostgreSQL database dump complete" in dump[-300:]
    battement = Battement.objects.get(nom=SAUVEGARDE)
    assert battement.details["fichier"] == fichier.name
    assert battement.details["octets"] == fichier.stat().st_size


@pytest.mark.postgresql
def test_backup_with_pg_dump_failing_leaves_no_file_and_exits_non_zero(settings, tmp_path, transactional_db):
    # Given yesterday's good dump and a database that does not exist.
    settings.AKIG_BACKUP_DIR = tmp_path
    hier = tmp_path / f"postgres-backup-{timezone.localdate() - datetime.timedelta(days=1):%Y-%m-%d}.sql.gz"
    hier.write_bytes(b"good")

    with pytest.raises(SauvegardeErreur, match="pg_dump a échoué"):
        sauvegarde_quotidienne(base={**connection.settings_dict, "NAME": "akig_i9_base_absente"})

    assert [p.name for p in tmp_path.iterdir()] == [hier.name]
    assert "akig_i9_base_absente" in Battement.objects.get(nom=SAUVEGARDE_ECHEC).details["erreur"]


@pytest.fixture
def disque_plein(tmp_path):
    """A 64 KiB tmpfs with 60 KiB taken by another file: 4 KiB left, less than a
    compressed dump of the bare schema."""
    point = tmp_path / "plein"
    point.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(point)]).returncode:
        pytest.skip("mounting a small tmpfs needs root (CAP_SYS_ADMIN)")
    (point / "autre-fichier").write_bytes(b"\0" * 60 * 1024)
    yield point
    subprocess.run(["umount", str(point)], check=True)


@pytest.mark.postgresql
def test_backup_on_a_full_disk_never_leaves_a_truncated_file(disque_plein, transactional_db):
    donnees_creer()

    with pytest.raises(SauvegardeErreur, match="pg_dump a échoué"):
        sauvegarde_creer(repertoire=disque_plein, jour=JOUR)

    assert [p.name for p in disque_plein.iterdir()] == ["autre-fichier"]


@pytest.mark.postgresql
def test_backup_damage_restore_round_trip(base_jetable, tmp_path, transactional_db):
    # Given a dump of the test database with 2 locataires, 3 impayés, 4 missions,
    # restored as a throwaway "live" database (none by that name yet: nothing to keep).
    donnees_creer()
    dump = sauvegarde_creer(repertoire=tmp_path, jour=JOUR)
    premiere = restauration_executer(fichier=dump, base=base_jetable)
    assert (premiere.corrompue, premiere.comptes) == (None, {"locataires": 2, "impayes": 3, "missions": 4})
    vivante = base_jetable["NAME"]

    # When the live database is damaged: 2 impayés and every mission lost.
    with psycopg.connect(host=base_jetable["HOST"], port=base_jetable["PORT"], user=base_jetable["USER"],
                         dbname=vivante, autocommit=True) as conn:
        conn.execute("DELETE FROM impayes WHERE id IN (SELECT id FROM impayes LIMIT 2)")
        conn.execute("DELETE FROM missions")
    assert comptes(base_jetable, vivante) == (2, 1, 0)

    # and then restored from the dump at 14:05 Paris time,
    moment = timezone.make_aware(datetime.datetime(2026, 11, 27, 14, 5))
    resultat = restauration_executer(fichier=dump, base=base_jetable, maintenant=moment)

    # Then the live database has the dump's counts and the damaged one is kept beside it.
    corrompue = f"{vivante}_corrupted_20261127_1405"
    assert resultat.corrompue == corrompue
    assert comptes(base_jetable, vivante) == (2, 3, 4)
    assert comptes(base_jetable, corrompue) == (2, 1, 0)
    assert bases_nommees(base_jetable, vivante) == [vivante, corrompue]

    # A truncated file is refused and leaves the live database as it was.
    tronque = tmp_path / "postgres-backup-tronque.sql.gz"
    tronque.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
    with pytest.raises(SauvegardeErreur, match="tronqué"):
        restauration_executer(fichier=tronque, base=base_jetable, maintenant=moment + datetime.timedelta(hours=1))
    assert comptes(base_jetable, vivante) == (2, 3, 4)
    assert bases_nommees(base_jetable, vivante) == [vivante, corrompue]


@pytest.mark.postgresql
def test_restore_of_a_dump_without_its_end_is_refused(base_jetable, tmp_path, transactional_db):
    # A file cut at a line boundary and re-compressed: valid gzip, but the dump's end is missing.
    donnees_creer()
    dump = sauvegarde_creer(repertoire=tmp_path, jour=JOUR)
    restauration_executer(fichier=dump, base=base_jetable)
    texte = gzip.decompress(dump.read_bytes())
    coupe = tmp_path / "coupe.sql.gz"
    coupe.write_bytes(gzip.compress(texte[: texte.index(b"COPY public.missions")]))

    with pytest.raises(SauvegardeErreur, match="incomplet"):
        restauration_executer(fichier=coupe, base=base_jetable)

    assert comptes(base_jetable, base_jetable["NAME"]) == (2, 3, 4)
    assert bases_nommees(base_jetable, base_jetable["NAME"]) == [base_jetable["NAME"]]


def _verrou_tenu_ailleurs(nom: str) -> psycopg.Connection:
    """Another session (another host's worker) holding the advisory lock `nom`."""
    reglages = connection.settings_dict
    autre = psycopg.connect(host=reglages["HOST"], port=reglages["PORT"], user=reglages["USER"],
                            password=reglages["PASSWORD"] or None, dbname=reglages["NAME"], autocommit=True)
    autre.execute("SELECT pg_advisory_lock(hashtext(%s))", [nom])
    return autre


@pytest.mark.postgresql
def test_a_second_backup_while_one_runs_elsewhere_writes_nothing_and_fails_nothing(
    settings, tmp_path, transactional_db, caplog
):
    settings.AKIG_BACKUP_DIR = tmp_path
    with _verrou_tenu_ailleurs("akig:sauvegarde"):
        resultat = sauvegarde_task()
        sortie = io.StringIO()
        call_command("backup", stdout=sortie)

    assert resultat == ""
    assert sortie.getvalue() == "Une autre sauvegarde est en cours : rien à faire.\n"
    assert list(tmp_path.iterdir()) == []
    assert not Battement.objects.filter(nom__in=[SAUVEGARDE, SAUVEGARDE_ECHEC]).exists()
    assert "Sauvegarde déjà en cours ailleurs" in caplog.text

    # The other run finished: the lock is free again.
    assert sauvegarde_task().endswith(f"postgres-backup-{timezone.localdate():%Y-%m-%d}.sql.gz")
