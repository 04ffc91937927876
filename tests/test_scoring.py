"""The score formula of a closed day (docs/score.md), with figures computed by hand.

score = 4 × min(1, visites / 8) + 6 × (promesses + paiements + 2) / (promesses + paiements + refus + 4)
"""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.scoring import OBJECTIF_VISITES, score_cloture, score_instantane, score_journalier

PARIS = timezone.get_default_timezone()


def test_score_journalier_without_any_visit_or_answer_is_the_prior_three():
    # 4 × 0/8 + 6 × (0 + 2)/(0 + 4) = 0 + 3.00
    assert score_journalier(visites=0, promesses=0, paiements=0, refus=0) == Decimal("3.00")


def test_score_journalier_objective_reached_with_three_successes_out_of_four():
    # 4 × min(1, 8/8) + 6 × (3 + 2)/(4 + 4) = 4 + 3.75
    assert score_journalier(visites=8, promesses=2, paiements=1, refus=1) == Decimal("7.75")


def test_score_journalier_visits_count_in_proportion_of_the_objective():
    # 4 × 3/8 + 6 × (1 + 2)/(3 + 4) = 1.50 + 2.5714… = 4.0714… → 4.07
    assert score_journalier(visites=3, promesses=1, paiements=0, refus=2) == Decimal("4.07")


def test_score_journalier_visits_are_capped_at_the_objective():
    assert OBJECTIF_VISITES == 8
    # 4 × min(1, 20/8) + 6 × 2/5 = 4 + 2.40; 7 visits (just under): 3.50 + 2.40; 9 (over): 4 + 2.40
    assert score_journalier(visites=20, promesses=0, paiements=0, refus=1) == Decimal("6.40")
    assert score_journalier(visites=8, promesses=0, paiements=0, refus=1) == Decimal("6.40")
    assert score_journalier(visites=7, promesses=0, paiements=0, refus=1) == Decimal("5.90")
    assert score_journalier(visites=9, promesses=0, paiements=0, refus=1) == Decimal("6.40")


def test_score_journalier_one_refusal_is_not_a_zero_for_results():
    # 4 × 1/8 + 6 × (0 + 2)/(1 + 4) = 0.50 + 2.40 (the intraday score's 4 pretend answers)
    assert score_journalier(visites=1, promesses=0, paiements=0, refus=1) == Decimal("2.90")


def test_score_journalier_no_answer_gives_the_prior_half_of_results():
    # 4 × 5/8 + 6 × 2/4 = 2.50 + 3.00
    assert score_journalier(visites=5, promesses=0, paiements=0, refus=0) == Decimal("5.50")


def test_score_journalier_rounds_half_up():
    # 4 × 8/8 + 6 × (1 + 2)/(12 + 4) = 4 + 1.125 = 5.125 exactly: half up gives 5.13
    # (half-even rounding, or Python's round() on a float, would give 5.12).
    assert score_journalier(visites=8, promesses=1, paiements=0, refus=11) == Decimal("5.13")


def test_score_journalier_rounds_repeating_decimals_to_two_places():
    # 4 × 1/8 + 6 × 4/7 = 0.50 + 3.4285… = 3.93; 4 + 6 × 3/7 = 4 + 2.5714… = 6.57;
    # 4 + 6 × 7/11 = 4 + 3.8181… = 7.82
    assert score_journalier(visites=1, promesses=1, paiements=1, refus=1) == Decimal("3.93")
    assert score_journalier(visites=8, promesses=1, paiements=0, refus=2) == Decimal("6.57")
    assert score_journalier(visites=9, promesses=3, paiements=2, refus=2) == Decimal("7.82")


@pytest.mark.parametrize(
    ("compteurs", "score"),
    [
        # 4 + 6 × 1002/1004 = 4 + 5.988… = 9.99: the prior keeps it under 10
        ({"visites": 8, "promesses": 500, "paiements": 500, "refus": 0}, Decimal("9.99")),
        # 4 + 6 × 10/12 = 4 + 5.00
        ({"visites": 8, "promesses": 4, "paiements": 4, "refus": 0}, Decimal("9.00")),
        # 0 + 6 × 2/1004 = 0.0119… → 0.01
        ({"visites": 0, "promesses": 0, "paiements": 0, "refus": 1000}, Decimal("0.01")),
    ],
)
def test_score_journalier_stays_between_0_and_10(compteurs, score):
    assert score_journalier(**compteurs) == score


def test_score_journalier_worked_example_of_docs():
    # docs/score.md: 7 visites, 1 promesse, 1 paiement, 1 refus → 4 × 7/8 + 6 × 4/7 = 3.50 + 3.43
    assert score_journalier(visites=7, promesses=1, paiements=1, refus=1) == Decimal("6.93")


def test_closed_day_score_is_the_intraday_score_once_the_planned_time_has_elapsed():
    # Same counts, same formula: over a grid of counts, the closed day's score and inputs are
    # the intraday score's at the end of the last mission window (8 visits expected).
    jour = datetime.date(2026, 3, 10)
    fenetres = [
        (datetime.datetime(2026, 3, 10, 9, 0, tzinfo=PARIS), datetime.datetime(2026, 3, 10, 10, 0, tzinfo=PARIS)),
        (datetime.datetime(2026, 3, 10, 14, 0, tzinfo=PARIS), datetime.datetime(2026, 3, 10, 15, 30, tzinfo=PARIS)),
    ]
    fin = datetime.datetime.combine(jour, datetime.time(18, 0), tzinfo=PARIS)
    for visites in (0, 1, 7, 8, 12):
        for favorables in (0, 1, 3):
            for refus in (0, 1, 5):
                comptes = {"visites": visites, "promesses": favorables, "paiements": 0, "refus": refus}
                cloture = score_cloture(**comptes)
                instant = score_instantane(maintenant=fin, fenetres=fenetres, **comptes)
                assert cloture.score == instant.score, comptes
                for cle in ("visites_attendues", "taux_reussite", "points_resultats", "points_presence"):
                    assert cloture.entrees[cle] == instant.entrees[cle], (comptes, cle)
