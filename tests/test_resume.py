"""The directors' headline figures (resume_tableau_de_bord), computed by hand."""
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from dashboard.selectors import resume_tableau_de_bord
from tests.factories import (
    AgentFactory,
    ImpayeFactory,
    LocataireFactory,
    PerformanceFactory,
    SiteFactory,
    agent_au_travail,
)

pytestmark = pytest.mark.django_db


@time_machine.travel(datetime.datetime(2026, 3, 4, 20, 0, tzinfo=timezone.get_default_timezone()), tick=False)
def test_resume_tableau_de_bord_figures_by_hand():
    # Given two sites:
    #   A: tenant a1 owes 10,000.00 over two debts 61 and 90 days late (critical, not > 10,000)
    #      tenant a2 owes 10,000.01 in one debt 60 days late (not critical, but > 10,000)
    #   B: tenant b1 owes 300.00 at 61 days, minus 100.00 paid = 200.00 (critical)
    a, b = SiteFactory(code="A"), SiteFactory(code="B")
    a1, a2, b1 = LocataireFactory(site=a), LocataireFactory(site=a), LocataireFactory(site=b)
    ImpayeFactory(locataire=a1, retard=61, montant_du=Decimal("4000.00"))
    ImpayeFactory(locataire=a1, retard=90, montant_du=Decimal("6000.00"))
    ImpayeFactory(locataire=a2, retard=60, montant_du=Decimal("10000.01"))
    ImpayeFactory(locataire=b1, retard=61, montant_du=Decimal("300.00"), montant_paye=Decimal("100.00"))
    # and today, closed at 20:00 (score = 4 × min(1, visites/8) + 6 × (fav. + 2)/(réponses + 4)):
    #   a working agent without any action: 0 + 6 × 2/4 = 3.00 (under 5);
    #   one with 8 refusals: 4 × 8/8 + 6 × 2/12 = 5.00 (at 5: not under);
    #   one with 8 promises: 4 + 6 × 10/12 = 9.00; an inactive one without action (3.00, not counted);
    #   yesterday one at 2.00 (not today's).
    today = timezone.localdate()
    agent_au_travail(jour=today)
    agent_au_travail(jour=today, actions={"refus": 8})
    agent_au_travail(jour=today, actions={"promesse": 8})
    agent_au_travail(jour=today, actif=False)
    PerformanceFactory(agent=AgentFactory(), date_stat=today - datetime.timedelta(days=1), score=Decimal("2.00"))

    resume = resume_tableau_de_bord()

    # Then: 4 debts, 20,200.01 € still due; 3 critical (61, 90, 61) = 4000 + 6000 + 200 = 10,200.00
    # on 2 sites; only a2 is strictly above 10,000.00; one active agent under 5 today.
    assert resume["jour"] == today
    assert resume["nb_impayes"] == 4
    assert resume["total_restant_du"] == Decimal("20200.01")
    assert (resume["nb_critiques"], resume["montant_critiques"]) == (3, Decimal("10200.00"))
    assert resume["nb_sites_critiques"] == 2
    assert resume["nb_locataires_contentieux"] == 1
    assert resume["nb_agents_sous_5"] == 1
    assert (resume["seuil_impayes_critiques"], resume["retard_critique"]) == (50, 60)


def test_resume_tableau_de_bord_empty_database():
    resume = resume_tableau_de_bord()

    assert resume["nb_impayes"] == 0
    assert resume["total_restant_du"] == Decimal("0.00")
    assert resume["montant_critiques"] == Decimal("0.00")
    assert resume["nb_locataires_contentieux"] == 0
