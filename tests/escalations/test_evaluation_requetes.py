"""One evaluation of the rules runs the same number of queries for 3 agents and sites as for 30
(issue 17: 1 689 escalations at `xlarge` made the steady state take 17–31 s, one UPDATE each):
pending starts, conditions that still hold with a new value or the same, conditions seen clear,
and clear but not yet due for resolution. Only what fires, comes back or resolves is written
one escalation at a time."""
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from agents.models import ScoreInstantane
from escalations.models import AttenteRegle, Escalade, Evenement
from escalations.services import escalades_evaluer
from recovery.models import Impaye
from tests.escalations.conftest import impayes_critiques, paris
from tests.factories import AgentFactory, SiteFactory

pytestmark = pytest.mark.django_db
LUNDI = (2026, 11, 30)


class _Annuler(Exception):
    pass


def _instantanes(agents, *, de, a, score: str) -> None:
    lignes, instant = [], de
    while instant <= a:
        lignes += [ScoreInstantane(agent=agent, instant=instant, score=Decimal(score)) for agent in agents]
        instant += datetime.timedelta(minutes=5)
    ScoreInstantane.objects.bulk_create(lignes)


def _mesurer(n: int, equipe) -> dict[str, int]:
    """Build n agents under 5 since 09:00 and n + 1 sites with critical debts, walk them
    through a morning, return {phase: queries of that evaluation}; everything is rolled back."""
    requetes = {}

    def evaluer(phase: str, *heure) -> None:
        with time_machine.travel(paris(*LUNDI, *heure), tick=False):
            with CaptureQueriesContext(connection) as capture:
                escalades_evaluer()
        requetes[phase] = len(capture.captured_queries)

    try:
        with transaction.atomic():
            agents = [AgentFactory(equipe=equipe, code=f"Q{n}-{i}") for i in range(n)]
            _instantanes(agents, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 11, 5), score="3.50")
            _instantanes(agents, de=paris(*LUNDI, 11, 10), a=paris(*LUNDI, 11, 15), score="6.50")
            for _ in range(n):
                impayes_critiques(site=SiteFactory(), nb=11, retard=90)  # late on 30/11 too
            # And 51 on one more site: the overall rule (> 50) fires for 3 as for 30.
            impayes_critiques(site=SiteFactory(), nb=51, retard=90)

            evaluer("09:00 sites déclenchées, agents en attente", 9, 0)
            assert AttenteRegle.objects.count() == n and Escalade.objects.count() == n + 2
            evaluer("09:05 attentes tenues à jour", 9, 5)
            evaluer("11:00 agents déclenchés", 11, 0)
            assert Escalade.objects.filter(agent__isnull=False).count() == n
            evaluer("11:05 conditions tenues, valeur nouvelle", 11, 5)
            assert {datetime.datetime.fromisoformat(e.derniere_valeur["instant"])
                    for e in Escalade.objects.filter(agent__isnull=False)} == {paris(*LUNDI, 11, 5)}
            evaluer("11:05 conditions tenues, rien de nouveau", 11, 5)
            Impaye.objects.all().delete()
            evaluer("11:10 conditions levées", 11, 10)
            assert Evenement.objects.filter(type="condition_levee").count() == Escalade.objects.count()
            evaluer("11:15 levées, résolution pas encore due", 11, 15)
            assert not Escalade.objects.filter(etat="resolue").exists()
            raise _Annuler
    except _Annuler:
        pass
    return requetes


def test_an_evaluation_runs_as_many_queries_for_30_agents_and_sites_as_for_3(gens):
    trois = _mesurer(3, gens["equipe"])
    trente = _mesurer(30, gens["equipe"])

    en_regime = [phase for phase in trois if "déclenché" not in phase]
    assert {phase: trente[phase] for phase in en_regime} == {phase: trois[phase] for phase in en_regime}
    # Firing writes each new escalation on its own (its row, its timeline line, its email),
    # and nothing else per escalation: the names the emails need are read once.
    assert trente["11:00 agents déclenchés"] - trois["11:00 agents déclenchés"] <= 27 * 8
    # Fewer queries than the 62 escalations it keeps (30 agents, 31 sites, the overall one).
    assert max(trente[phase] for phase in en_regime) < 40
