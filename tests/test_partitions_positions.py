"""The GPS positions' monthly partitions (PostgreSQL): created ahead, a month without a partition
loses nothing, old months archived (checked), dropped and restorable, the dedup key intact."""
import datetime
import gzip
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from agents.models import AgentGeolocalisation
from agents.selectors import dernier_jour_avec_positions, dernier_releve
from agents.partitions import MOIS_D_AVANCE, TABLE, positions_archive_restaurer, positions_partitions_entretenir
from agents.services import positions_enregistrer
from agents.tasks import positions_partitions_task
from akig_ops.lib import partitions
from akig_ops.lib.partitions import PartitionErreur, mois_a_archiver
from akig_ops.models import Battement
from tests.factories import AgentFactory, PositionFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Today: the database has this month's partitions and the next ones (the migration's), none older.
MAINTENANT = timezone.localtime().replace(microsecond=0)
CE_MOIS = partitions.mois_de(MAINTENANT.date())
# A month far ahead, whose partitions nothing created yet.
PLUS_TARD = datetime.datetime(2031, 6, 15, 10, 0, tzinfo=PARIS)


def _partition_de(position_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [position_id])
        return cursor.fetchone()[0]


def _lignes_du_mois(mois: datetime.date) -> list[tuple]:
    debut, fin = partitions.bornes(mois, "Europe/Paris")
    return list(
        AgentGeolocalisation.objects.filter(timestamp__gte=debut, timestamp__lt=fin)
        .order_by("id").values_list("id", "agent_id", "timestamp", "latitude", "longitude", "precision_m", "canal")
    )


def _positions_du_mois(agent, mois: datetime.date, nb: int) -> None:
    for k in range(nb):
        PositionFactory(
            agent=agent, timestamp=datetime.datetime(mois.year, mois.month, 1 + k, 9, 30, tzinfo=PARIS),
            latitude=48.8 + k / 1000, longitude=2.3 + k / 7,
        )


def test_retention_keeps_exactly_n_months_before_the_current_one():
    decembre = datetime.date(2026, 12, 1)
    mois = [partitions.mois_decaler(decembre, -n) for n in (13, 12, 11, 0, -1)]
    # 12 months: November 2025 (13 before) goes; December 2025 (exactly 12) and January 2026 (11) stay.
    assert mois_a_archiver(mois_existants=mois, mois_courant=datetime.date(2026, 12, 31), retention_mois=12) == [
        datetime.date(2025, 11, 1)
    ]
    assert mois_a_archiver(mois_existants=mois, mois_courant=decembre, retention_mois=11) == [
        datetime.date(2025, 11, 1), datetime.date(2025, 12, 1)
    ]
    assert mois_a_archiver(mois_existants=mois, mois_courant=decembre, retention_mois=13) == []


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_table_is_partitioned_with_a_default_partition_and_the_dedup_key_holds_the_month():
    assert partitions.est_partitionnee(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype IN ('p', 'u') ORDER BY conname", [TABLE])
        assert cursor.fetchall() == [
            ("agent_geolocalisation_pkey", 'PRIMARY KEY (id, "timestamp")'),
            ("position_agent_instant", 'UNIQUE (agent_id, "timestamp")'),
        ]
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partitions.nom_defaut(TABLE)])
        assert cursor.fetchone()[0]


@pytest.mark.postgresql
@pytest.mark.django_db
def test_beat_creates_the_coming_months_once():
    crees = positions_partitions_entretenir(maintenant=PLUS_TARD, retention_mois=0).creees
    assert crees == [datetime.date(2031, m, 1) for m in range(6, 6 + MOIS_D_AVANCE + 1)]
    assert set(crees) <= set(partitions.partitions_lister(TABLE))
    # A second run, or a second beat: nothing more.
    assert positions_partitions_entretenir(maintenant=PLUS_TARD, retention_mois=0).creees == []
    assert Battement.objects.get(nom="agents.partitions_positions").details["creees"] == []
    debut, fin = partitions.bornes(datetime.date(2031, 9, 1), "Europe/Paris")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = 'agent_geolocalisation_2031_09'"
        )
        borne = cursor.fetchone()[0]
    utc = datetime.timezone.utc  # the connection's time zone
    assert borne == (
        f"FOR VALUES FROM ('{debut.astimezone(utc):%Y-%m-%d %H:%M:%S}+00') TO ('{fin.astimezone(utc):%Y-%m-%d %H:%M:%S}+00')"
    )
    assert (debut.astimezone(utc).hour, fin.astimezone(utc).day) == (22, 30)


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_task_runs_the_maintenance():
    # Today's months already exist (the migration made them): a first run may add none.
    positions_partitions_task()
    assert positions_partitions_task() == 0
    assert partitions.mois_de(datetime.date.today()) in partitions.partitions_lister(TABLE)


@pytest.mark.postgresql
@pytest.mark.django_db
def test_a_position_in_a_month_without_partition_waits_in_the_default_one_then_moves():
    agent = AgentFactory()
    instant = datetime.datetime(2015, 3, 4, 10, 0, tzinfo=PARIS)
    resultat = positions_enregistrer(agent_id=agent.id, positions=[
        {"timestamp": instant.isoformat(), "latitude": 48.85, "longitude": 2.35},
    ])
    assert resultat["creees"] == 1
    position = AgentGeolocalisation.objects.get(agent=agent, timestamp=instant)
    assert _partition_de(position.id) == "agent_geolocalisation_defaut"
    # The same position again is a duplicate, even in the default partition.
    assert positions_enregistrer(agent_id=agent.id, positions=[
        {"timestamp": instant.isoformat(), "latitude": 48.85, "longitude": 2.35},
    ])["doublons"] == 1

    bilan = positions_partitions_entretenir(maintenant=MAINTENANT, retention_mois=0)
    assert datetime.date(2015, 3, 1) in bilan.creees
    assert bilan.deplacees == 1 and bilan.restees_defaut == 0
    assert _partition_de(position.id) == "agent_geolocalisation_2015_03"
    assert AgentGeolocalisation.objects.get(pk=position.pk).timestamp == instant
    # The dedup key still catches it in its own partition.
    assert positions_enregistrer(agent_id=agent.id, positions=[
        {"timestamp": instant.isoformat(), "latitude": 1, "longitude": 1},
    ]) ["doublons"] == 1


@pytest.mark.postgresql
@pytest.mark.django_db
def test_retention_archives_only_the_months_past_n_and_the_archive_restores_the_same_rows(settings, tmp_path):
    settings.AKIG_BACKUP_DIR = tmp_path
    agent = AgentFactory()
    n = 12
    mois = {ecart: partitions.mois_decaler(CE_MOIS, -ecart) for ecart in (n + 1, n, n - 1)}
    for ecart, m in mois.items():
        partitions.partition_creer(table=TABLE, colonne="timestamp", mois=m, fuseau="Europe/Paris")
        _positions_du_mois(agent, m, nb=ecart)  # 13, 12 and 11 positions
    avant = _lignes_du_mois(mois[n + 1])
    assert len(avant) == 13

    bilan = positions_partitions_entretenir(maintenant=MAINTENANT, retention_mois=n)

    assert [a.mois for a in bilan.archives] == [mois[n + 1]]
    archive = bilan.archives[0]
    assert archive.lignes == 13
    assert archive.fichier == tmp_path / "positions" / (
        f"agent_geolocalisation_{mois[n + 1]:%Y_%m}-{MAINTENANT:%Y%m%dT%H%M%S}.sql.gz"
    )
    assert archive.fichier.is_file() and not list((tmp_path / "positions").glob(".*"))
    existants = partitions.partitions_lister(TABLE)
    assert mois[n + 1] not in existants and {mois[n], mois[n - 1]} <= set(existants)
    assert _lignes_du_mois(mois[n + 1]) == []
    assert len(_lignes_du_mois(mois[n])) == 12 and len(_lignes_du_mois(mois[n - 1])) == 11
    assert Battement.objects.get(nom="agents.partitions_positions").details["archives"] == [
        {"fichier": archive.fichier.name, "lignes": 13}
    ]

    restauree, inserees = positions_archive_restaurer(fichier=archive.fichier)
    assert (restauree.mois, restauree.lignes, inserees) == (mois[n + 1], 13, 13)
    assert _lignes_du_mois(mois[n + 1]) == avant
    assert mois[n + 1] in partitions.partitions_lister(TABLE)
    assert partitions.empreinte(partitions.nom_partition(TABLE, mois[n + 1]), partitions.colonnes(TABLE)) == (
        13, archive.somme
    )
    # Restored twice: nothing inserted twice.
    assert positions_archive_restaurer(fichier=archive.fichier)[1] == 0


def _mois_archive(settings, tmp_path, *, nb: int):
    """A month 15 months ago with `nb` positions, archived with a 12-month retention:
    (the month, its rows before, the archive)."""
    settings.AKIG_BACKUP_DIR = tmp_path
    mois = partitions.mois_decaler(CE_MOIS, -15)
    partitions.partition_creer(table=TABLE, colonne="timestamp", mois=mois, fuseau="Europe/Paris")
    _positions_du_mois(AgentFactory(), mois, nb=nb)
    avant = _lignes_du_mois(mois)
    return mois, avant, positions_partitions_entretenir(maintenant=MAINTENANT, retention_mois=12).archives[0]


@pytest.mark.postgresql
@pytest.mark.django_db
def test_a_tampered_archive_restores_nothing(settings, tmp_path):
    mai, _, archive = _mois_archive(settings, tmp_path, nb=3)
    texte = gzip.decompress(archive.fichier.read_bytes()).decode()
    falsifie = tmp_path / "falsifie.sql.gz"
    falsifie.write_bytes(gzip.compress(texte.replace("\t48.8\t", "\t47.8\t", 1).encode()))

    with pytest.raises(PartitionErreur, match="ne correspond pas à son en-tête : 3 lignes"):
        positions_archive_restaurer(fichier=falsifie)
    assert _lignes_du_mois(mai) == []
    tronque = tmp_path / "tronque.sql.gz"
    tronque.write_bytes(gzip.compress(texte.split("\\.\n")[0].encode()))
    with pytest.raises(PartitionErreur, match="incomplet"):
        positions_archive_restaurer(fichier=tronque)


@pytest.mark.postgresql
@pytest.mark.django_db
def test_the_archive_is_a_psql_script_that_puts_the_rows_back(settings, tmp_path):
    mai, avant, archive = _mois_archive(settings, tmp_path, nb=2)
    script = gzip.decompress(archive.fichier.read_bytes()).decode()
    entete, reste = script.split("BEGIN;\n", 1)
    assert "-- lignes : 2\n" in entete and f"-- somme : {archive.somme}\n" in entete
    # What psql would run, statement by statement (its COPY … FROM stdin, through psycopg).
    instructions, donnees = reste.split("COPY ", 1)
    copie, suite = donnees.split(" FROM stdin;\n", 1)
    lignes, apres = suite.split("\\.\n", 1)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS archive_lue")  # this test's transaction read the file back
        for instruction in instructions.strip().split(";\n"):
            cursor.execute(instruction)
        with cursor.copy(f"COPY {copie} FROM STDIN") as flux:
            flux.write(lignes.encode())
        cursor.execute(apres.split(";\n")[0])
    # No partition for that month any more: the rows wait in the default one, none lost.
    assert _lignes_du_mois(mai) == avant
    assert {_partition_de(ligne[0]) for ligne in avant} == {"agent_geolocalisation_defaut"}


@pytest.mark.postgresql
@pytest.mark.django_db
def test_commands_create_simulate_and_restore(settings, tmp_path, capsys):
    settings.AKIG_BACKUP_DIR = tmp_path
    settings.AKIG_RETENTION_POSITIONS_MOIS = 0
    agent = AgentFactory()
    ancien = partitions.mois_decaler(CE_MOIS, -70)
    partitions.partition_creer(table=TABLE, colonne="timestamp", mois=ancien, fuseau="Europe/Paris")
    _positions_du_mois(agent, ancien, nb=2)
    call_command("partitions_positions", "--retention-mois", "60", "--simulation")
    sortie = capsys.readouterr().out
    assert f"Mois à archiver puis supprimer : {ancien:%m/%Y}" in sortie and "simulation" in sortie
    assert ancien in partitions.partitions_lister(TABLE)

    call_command("partitions_positions", "--retention-mois", "60")
    sortie = capsys.readouterr().out
    assert f"{ancien:%m/%Y} archivé puis supprimé" in sortie and "(positions : 2)" in sortie
    (fichier,) = (tmp_path / "positions").iterdir()
    call_command("restaurer_positions", str(fichier))
    assert "2 positions contrôlées" in capsys.readouterr().out and len(_lignes_du_mois(ancien)) == 2


@pytest.mark.django_db
def test_the_latest_position_is_found_recent_or_years_old_and_never_after_now():
    recent, ancien, muet = AgentFactory(), AgentFactory(), AgentFactory()
    hier = MAINTENANT - datetime.timedelta(days=1)
    il_y_a_deux_ans = MAINTENANT - datetime.timedelta(days=730)
    PositionFactory(agent=recent, timestamp=il_y_a_deux_ans)
    PositionFactory(agent=recent, timestamp=hier, batterie_pct=41)
    PositionFactory(agent=ancien, timestamp=il_y_a_deux_ans, batterie_pct=77)
    # Past the 35 days probed first: found by the whole history.
    assert dernier_jour_avec_positions(agent_id=ancien.id, maintenant=MAINTENANT) == timezone.localdate(il_y_a_deux_ans)
    assert dernier_jour_avec_positions(agent_id=recent.id, maintenant=MAINTENANT) == timezone.localdate(hier)
    assert dernier_jour_avec_positions(agent_id=recent.id, maintenant=hier - datetime.timedelta(seconds=1)) == (
        timezone.localdate(il_y_a_deux_ans)
    )
    assert dernier_jour_avec_positions(agent_id=muet.id, maintenant=MAINTENANT) is None
    assert dernier_releve(agent_id=ancien.id).batterie_pct == 77
    assert dernier_releve(agent_id=recent.id).batterie_pct == 41
    assert dernier_releve(agent_id=muet.id) is None


@pytest.mark.postgresql
@pytest.mark.django_db
def test_depuis_creates_every_month_before_a_bulk_load(capsys):
    depuis = partitions.mois_decaler(CE_MOIS, -14)
    call_command("partitions_positions", "--depuis", f"{depuis:%Y-%m}", "--retention-mois", "0")
    assert "Partitions créées" in capsys.readouterr().out
    mois = partitions.partitions_lister(TABLE)
    attendus = [partitions.mois_decaler(CE_MOIS, n) for n in range(-14, MOIS_D_AVANCE + 1)]
    assert set(attendus) <= set(mois)
    agent = AgentFactory()
    ancienne = PositionFactory(agent=agent, timestamp=MAINTENANT - datetime.timedelta(days=400))
    assert _partition_de(ancienne.id) == partitions.nom_partition(TABLE, partitions.mois_de(
        timezone.localdate(ancienne.timestamp)))
