"""manage.py reparer_donnees: rows an older version stored outside the bounds, planted with raw
SQL, are listed in French, and repaired on --confirmer (codes cleaned, derived rows deleted,
the others moved to the quarantine table); the day they spoiled is recomputed."""
import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from agents.models import Agent, AgentGeolocalisation, Mission, PerformanceHistorique
from akig_ops.models import Quarantaine
from recovery.models import RecouvrementAction, Site
from tests.factories import (
    ActionFactory, AgentFactory, MissionFactory, PerformanceFactory, PositionFactory, SiteFactory,
)

pytestmark = pytest.mark.django_db

HIER = datetime.date.today() - datetime.timedelta(days=2)


def _sql(requete: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(requete, params)


def _instant(texte: str) -> str:
    """An instant as the raw column takes it (SQLite: UTC text without offset)."""
    return texte + ("+00:00" if connection.vendor == "postgresql" else "")


@pytest.fixture
def abimees():
    """One row of each kind an older version let in, and good rows beside them."""
    agent = AgentFactory(code="AG1")
    bonne = ActionFactory(agent=agent, reference="BONNE", montant_recouvre=Decimal("40.00"), type_action="paiement",
                          date_action=datetime.datetime.combine(HIER, datetime.time(10), tzinfo=datetime.UTC))
    vieille = ActionFactory(agent=agent, reference="AN1", locataire=bonne.locataire)
    lointaine = ActionFactory(agent=agent, reference="AN9999", locataire=bonne.locataire)
    enorme = ActionFactory(agent=agent, reference="ENORME", locataire=bonne.locataire, type_action="paiement",
                           date_action=datetime.datetime.combine(HIER, datetime.time(11), tzinfo=datetime.UTC))
    _sql("UPDATE recouvrement_actions SET date_action = %s WHERE id = %s", [_instant("0001-01-01 00:00:00"), vieille.id])
    _sql("UPDATE recouvrement_actions SET date_action = %s WHERE id = %s", [_instant("9999-12-31 23:59:59"), lointaine.id])
    _sql("UPDATE recouvrement_actions SET montant_recouvre = 9999999999.99 WHERE id = %s", [enorme.id])
    position = PositionFactory(agent=agent)
    _sql("UPDATE agent_geolocalisation SET timestamp = %s WHERE id = %s", [_instant("1990-05-01 08:00:00"), position.id])
    mission = MissionFactory(agent=agent, reference="M9999")
    _sql("UPDATE missions SET date_prevue = '9999-12-31' WHERE id = %s", [mission.id])
    perf = PerformanceFactory(agent=agent, date_stat=HIER)
    ancienne_perf = PerformanceFactory(agent=agent, date_stat=HIER - datetime.timedelta(days=1))
    _sql("UPDATE performance_historique SET date_stat = '0001-01-01' WHERE id = %s", [ancienne_perf.id])
    site = SiteFactory(code="S1")
    _sql("UPDATE sites SET code = %s WHERE id = %s", ["S\x1b[2J", site.id])
    _sql("UPDATE agents SET code = %s WHERE id = %s", ["AG\n1", AgentFactory(code="X").id])  # "AG 1" is free
    SiteFactory(code="S2 B")
    _sql("UPDATE sites SET code = %s WHERE id = %s", ["S2\nB", SiteFactory(code="Y").id])  # "S2 B" is taken
    return {"agent": agent, "perf": perf, "position": position, "mission": mission, "ids": {
        "vieille": vieille.id, "lointaine": lointaine.id, "enorme": enorme.id, "ancienne_perf": ancienne_perf.id}}


def _lancer(*args) -> list[str]:
    sortie = StringIO()
    call_command("reparer_donnees", *args, stdout=sortie)
    return sortie.getvalue().splitlines()


def test_lists_every_bad_row_in_french_and_changes_nothing_without_confirmer(abimees):
    lignes = _lancer()

    ids = abimees["ids"]
    assert f"recouvrement_actions n° {ids['vieille']}, date_action « 0001-01-01" in "\n".join(lignes)
    assert any(l.startswith(f"recouvrement_actions n° {ids['lointaine']}, date_action « 9999-12-31") and
               "hors des bornes (du 01/01/2000 au" in l and l.endswith("→ mettre en quarantaine") for l in lignes)
    assert any(l.startswith(f"recouvrement_actions n° {ids['enorme']}, montant_recouvre « 9999999999.99 » : "
                            "hors de 0 à 1000000 €") for l in lignes)
    assert any(l.startswith(f"agent_geolocalisation n° {abimees['position'].id}, timestamp « 1990-05-01") for l in lignes)
    assert any(l.startswith(f"missions n° {abimees['mission'].id}, date_prevue « 9999-12-31 »") for l in lignes)
    assert any(l.startswith(f"performance_historique n° {ids['ancienne_perf']}, date_stat « 0001-01-01")
               and l.endswith("→ supprimer (recalculée)") for l in lignes)
    assert any("code « S\\x1b[2J » : caractère de contrôle U+001B interdit → corriger" in l for l in lignes)
    assert any("code « AG\\n1 » : retour à la ligne interdit (une seule ligne) → corriger" in l for l in lignes)
    assert any("code « S2\\nB » : retour à la ligne interdit (une seule ligne) → à corriger à la main" in l for l in lignes)
    assert lignes[-2:] == ["9 lignes hors des bornes.", "Rien n'a été modifié : relancez avec --confirmer pour réparer."]
    assert RecouvrementAction.objects.count() == 4 and not Quarantaine.objects.exists()


def test_confirmer_repairs_quarantines_and_recomputes_then_finds_nothing(abimees):
    lignes = _lancer("--confirmer")

    assert lignes[-1] == "Corrigées : 2, supprimées (recalculées) : 1, en quarantaine : 5, à corriger à la main : 1."
    ids = abimees["ids"]
    assert sorted(RecouvrementAction.objects.values_list("reference", flat=True)) == ["BONNE"]
    assert not AgentGeolocalisation.objects.exists() and not Mission.objects.exists()
    assert not PerformanceHistorique.objects.filter(pk=ids["ancienne_perf"]).exists()
    quarantaine = {(q.table, q.id_origine): q for q in Quarantaine.objects.all()}
    assert set(quarantaine) == {
        ("recouvrement_actions", ids["vieille"]), ("recouvrement_actions", ids["lointaine"]),
        ("recouvrement_actions", ids["enorme"]), ("agent_geolocalisation", abimees["position"].id),
        ("missions", abimees["mission"].id)}
    enorme = quarantaine["recouvrement_actions", ids["enorme"]]
    assert (enorme.contenu["reference"], enorme.motif) == ("ENORME", "montant_recouvre : hors de 0 à 1000000 €")
    assert quarantaine["recouvrement_actions", ids["vieille"]].contenu["date_action"].startswith("0001-01-01")
    # The day the huge amount spoiled is recomputed from what is left: the good payment only.
    jour = PerformanceHistorique.objects.get(agent=abimees["agent"], date_stat=HIER)
    assert (jour.paiements, jour.montant_recouvre) == (1, Decimal("40.00"))
    assert {"S [2J", "S2 B", "S2\nB"} <= set(Site.objects.values_list("code", flat=True))
    assert not Site.objects.filter(code="S\x1b[2J").exists()
    assert Agent.objects.filter(code="AG 1").exists()
    assert _lancer()[-2:] == ["1 ligne hors des bornes.", "Rien n'a été modifié : relancez avec --confirmer pour réparer."]
