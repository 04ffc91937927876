"""The sums' columns are numeric(18,2) after the migrations (PostgreSQL), the rows kept."""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agents.models import PerformanceHistorique
from tests.factories import AgentFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

AVANT = [("agents", "0007_positions_telephone"), ("recovery", "0007_promesses")]
APRES = [("agents", "0008_sommes_larges"), ("recovery", "0008_sommes_larges")]


def _largeurs() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name || '.' || column_name, numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE (table_name = 'performance_historique' AND column_name = 'montant_recouvre') "
            "OR (table_name = 'instantanes_sites' AND column_name LIKE 'montant_%%')"
        )
        return {nom: (precision, echelle) for nom, precision, echelle in cursor.fetchall()}


def _migrer(cibles):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(cibles)


def _migrer_jusqu_au_bout():
    """Every app back to its latest migration: going back to AVANT also unapplied the later
    migrations of other apps (pauses, tâches, relances…), which the next tests need."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_sum_columns_widen_to_18_digits_and_keep_their_rows():
    agent = AgentFactory()
    _migrer(AVANT)
    try:
        assert set(_largeurs().values()) == {(12, 2)}
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO performance_historique (agent_id, date_stat, score, visites, promesses, paiements, "
                "refus, montant_recouvre) VALUES (%s, '2026-11-20', 5, 1, 0, 1, 0, 9999999999.99)", [agent.id])
    finally:
        _migrer_jusqu_au_bout()
    assert all(cible in MigrationExecutor(connection).loader.applied_migrations for cible in APRES)

    largeurs = _largeurs()
    assert len(largeurs) == 6 and set(largeurs.values()) == {(18, 2)}
    ligne = PerformanceHistorique.objects.get(agent=agent)
    assert ligne.montant_recouvre == Decimal("9999999999.99")
    # What numeric(12,2) refused: a day of more than 10^10 €.
    ligne.montant_recouvre = Decimal("10000000000.00") * 1000
    ligne.save()
    ligne.refresh_from_db()
    assert ligne.montant_recouvre == Decimal("10000000000000.00")
    assert ligne.date_stat == datetime.date(2026, 11, 20)
