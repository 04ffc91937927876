"""The directors' headline figures (resume_tableau_de_bord), computed by hand."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dashboard.selectors import resume_tableau_de_bord
from tests.factories import (
    AgentFactory,
    ImpayeFactory,
    LocataireFactory,
    PerformanceFactory,
    SiteFactory,
)

pytestmark = pytest.mark.django_db


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
    # and today: one active agent at 4.99, one at 5.00, one inactive at 1.00; yesterday one at 2.00.
    today = timezone.localdate()
    PerformanceFactory(agent=AgentFactory(), date_stat=today, score=Decimal("4.99"))
    PerformanceFactory(agent=AgentFactory(), date_stat=today, score=Decimal("5.00"))
    PerformanceFactory(agent=AgentFactory(actif=False), date_stat=today, score=Decimal("1.00"))
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
