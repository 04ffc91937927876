"""Today's counts per agent and the amount recovered per week, computed by hand."""
import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from agents.selectors import comptes_actions_par_agent, montant_recouvre_par_semaine
from tests.factories import ActionFactory, AgentFactory, PerformanceFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def a(heure, minute=0):
    return datetime.datetime(2026, 11, 25, heure, minute, tzinfo=PARIS)


def test_counts_and_actions_without_position_in_one_pass():
    # Given agent X's day: a payment made (40,00, with a position), a payment cancelled (99,00,
    # no position), a refusal postponed (no position), a call made (no position: not on site);
    # and agent Y, whose only action is a visit still planned, without a position.
    x, y = AgentFactory(), AgentFactory()
    ActionFactory(agent=x, date_action=a(9), type_action="paiement", statut="fait",
                  montant_recouvre=Decimal("40.00"), latitude=48.85, longitude=2.35)
    ActionFactory(agent=x, date_action=a(10), type_action="paiement", statut="Annulée",
                  montant_recouvre=Decimal("99.00"))
    ActionFactory(agent=x, date_action=a(11), type_action="refus", statut="reporté")
    ActionFactory(agent=x, date_action=a(11, 30), type_action="appel", statut="fait")
    ActionFactory(agent=y, date_action=a(9), type_action="visite", statut="planifiee")
    ActionFactory(agent=x, date_action=a(12), type_action="paiement", statut="fait",
                  montant_recouvre=Decimal("7.00"))  # at the window's end: not counted

    comptes = comptes_actions_par_agent(debut=a(0), fin=a(12))
    avec_drapeaux = comptes_actions_par_agent(debut=a(0), fin=a(12), sans_position=True)

    # What happened counts for the score: X's one payment (a visit on site too), 40,00.
    # The cancelled payment and the postponed refusal did not happen; Y did nothing yet.
    assert comptes == {x.id: {"visites": 1, "promesses": 0, "paiements": 1, "refus": 0,
                              "montant_recouvre": Decimal("40.00")}}
    # The flag counts the on-site actions without a position whatever their statut: X's
    # cancelled payment and postponed refusal (the call is not on site), Y's planned visit.
    assert avec_drapeaux[x.id] == {**comptes[x.id], "sans_position": 2}
    assert avec_drapeaux[y.id] == {"visites": 0, "promesses": 0, "paiements": 0, "refus": 0,
                                   "montant_recouvre": None, "sans_position": 1}


def test_amount_recovered_per_week_folds_days_into_their_monday():
    agent = AgentFactory()
    with time_machine.travel(a(12), tick=False):  # Wednesday 25/11/2026
        for jour, montant in [
            (datetime.date(2026, 11, 23), "10.00"),  # Monday: this week
            (datetime.date(2026, 11, 25), "5.50"),  # today
            (datetime.date(2026, 11, 26), "99.00"),  # tomorrow: not yet
            (datetime.date(2026, 11, 22), "7.25"),  # Sunday: the week of 16/11
            (datetime.date(2026, 9, 7), "1.10"),  # Monday 11 weeks ago: the 12th week shown
            (datetime.date(2026, 9, 6), "3.00"),  # the Sunday before: out
        ]:
            PerformanceFactory(agent=AgentFactory() if montant == "5.50" else agent, date_stat=jour,
                               montant_recouvre=Decimal(montant))
        PerformanceFactory(agent=agent, date_stat=datetime.date(2026, 11, 25), montant_recouvre=Decimal("0.45"))

        semaines = montant_recouvre_par_semaine()

    assert semaines == [
        {"semaine": datetime.date(2026, 9, 7), "montant": Decimal("1.10")},
        {"semaine": datetime.date(2026, 11, 16), "montant": Decimal("7.25")},
        {"semaine": datetime.date(2026, 11, 23), "montant": Decimal("15.95")},  # 10,00 + 5,50 + 0,45
    ]


def test_sort_by_gps_puts_agents_without_a_position_last_in_their_order():
    from agents.selectors_pages import tableau_trie

    # Three agents without a position (listed A, B, C) and two with one (09:00, 10:00).
    lignes = [{"code": code, "derniere_position": instant} for code, instant in [
        ("A", None), ("B", None), ("P9", a(9)), ("C", None), ("P10", a(10)),
    ]]
    assert [l["code"] for l in tableau_trie(lignes, tri="gps")] == ["P10", "P9", "A", "B", "C"]
