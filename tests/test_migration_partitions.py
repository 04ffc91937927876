"""agents/0010 partitions agent_geolocalisation by month (PostgreSQL) and keeps every row: the
same count and checksum before and after, each row in its month's partition, and back."""
import datetime
import zoneinfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from akig_ops.lib import partitions
from tests.factories import AgentFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

TABLE = "agent_geolocalisation"
AVANT = [("agents", "0009_taches")]
APRES = [("agents", "0010_positions_partitionnees")]
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Rows across several months, both sides of a month's bound in Paris time (UTC still the
# previous month), one with every column of the phone.
INSTANTS = [
    datetime.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=PARIS),
    datetime.datetime(2024, 3, 1, 0, 0, tzinfo=PARIS),
    datetime.datetime(2024, 3, 31, 23, 30, tzinfo=PARIS),
    datetime.datetime(2025, 10, 26, 2, 30, tzinfo=datetime.timezone.utc),
    datetime.datetime(2026, 1, 15, 12, 0, tzinfo=PARIS),
]


def _migrer(cibles):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(cibles)


def _migrer_jusqu_au_bout():
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _etat():
    """(rows, checksum, [(id, partition)]) of the positions."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, tableoid::regclass::text FROM {TABLE} ORDER BY id")
        ou = cursor.fetchall()
    return (*partitions.empreinte(TABLE, partitions.colonnes(TABLE)), ou)


def test_partitioning_keeps_every_row_in_its_months_partition_and_back():
    agent = AgentFactory()
    _migrer(AVANT)
    try:
        assert not partitions.est_partitionnee(TABLE)
        with connection.cursor() as cursor:
            for k, instant in enumerate(INSTANTS):
                cursor.execute(
                    f"INSERT INTO {TABLE} (agent_id, timestamp, latitude, longitude, precision_m, canal, batterie_pct, "
                    "en_charge, en_mouvement, vitesse_kmh) VALUES (%s, %s, %s, 2.35, %s, %s, %s, %s, %s, %s)",
                    [agent.id, instant, 48.1 + k / 3, None if k else 4.5, "traccar" if k == 4 else None,
                     37 if k == 4 else None, k == 4 or None, k == 4 or None, 12.25 if k == 4 else None],
                )
        lignes, somme, ou = _etat()
        assert lignes == 5 and {p for _, p in ou} == {TABLE}

        _migrer(APRES)
        assert partitions.est_partitionnee(TABLE)
        apres = _etat()
        assert apres[:2] == (5, somme)
        assert [p for _, p in apres[2]] == [
            "agent_geolocalisation_2024_02", "agent_geolocalisation_2024_03", "agent_geolocalisation_2024_03",
            "agent_geolocalisation_2025_10", "agent_geolocalisation_2026_01",
        ]
        assert [i for i, _ in apres[2]] == [i for i, _ in ou]
        mois = partitions.partitions_lister(TABLE)
        ce_mois = partitions.mois_de(datetime.date.today())
        # Every month from the oldest row's to three months ahead, none missing.
        assert mois[0] == datetime.date(2024, 2, 1) and partitions.mois_decaler(ce_mois, 3) == mois[-1]
        assert len(mois) == (mois[-1].year - 2024) * 12 + mois[-1].month - 1
        # The identity goes on after the rows kept.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (agent_id, timestamp, latitude, longitude) VALUES (%s, now(), 48, 2) RETURNING id",
                [agent.id])
            assert cursor.fetchone()[0] > max(i for i, _ in ou)
            cursor.execute(f"DELETE FROM {TABLE} WHERE id > %s", [max(i for i, _ in ou)])

        _migrer(AVANT)
        assert not partitions.est_partitionnee(TABLE)
        assert _etat()[:2] == (5, somme)
    finally:
        _migrer_jusqu_au_bout()
    assert partitions.est_partitionnee(TABLE)
    assert _etat()[:2] == (5, somme)
