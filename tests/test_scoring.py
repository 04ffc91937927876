"""The daily score formula (docs/score.md), with figures computed by hand."""
from decimal import Decimal

import pytest

from agents.scoring import OBJECTIF_VISITES, score_journalier


def test_score_journalier_without_any_visit_is_zero():
    assert score_journalier(visites=0, promesses=0, paiements=0, refus=0) == Decimal("0.00")


def test_score_journalier_objective_reached_with_three_successes_out_of_four():
    # 4 × min(1, 8/8) + 6 × (2 + 1) / (2 + 1 + 1) = 4 + 4.5
    assert score_journalier(visites=8, promesses=2, paiements=1, refus=1) == Decimal("8.50")


def test_score_journalier_visits_count_in_proportion_of_the_objective():
    # 4 × 3/8 + 6 × 1/3 = 1.5 + 2
    assert score_journalier(visites=3, promesses=1, paiements=0, refus=2) == Decimal("3.50")


def test_score_journalier_visits_are_capped_at_the_objective():
    assert OBJECTIF_VISITES == 8
    # 4 × min(1, 20/8) + 6 × 0/1 = 4
    assert score_journalier(visites=20, promesses=0, paiements=0, refus=1) == Decimal("4.00")
    assert score_journalier(visites=8, promesses=0, paiements=0, refus=1) == Decimal("4.00")


def test_score_journalier_no_answer_gives_no_success_points():
    # 4 × 5/8 + 0 (nobody promised, paid or refused)
    assert score_journalier(visites=5, promesses=0, paiements=0, refus=0) == Decimal("2.50")


def test_score_journalier_rounds_half_up():
    # 4 × min(1, 16/8) + 6 × 3/16 = 4 + 1.125 = 5.125 exactly: half up gives 5.13
    # (half-even rounding, or Python's round() on a float, would give 5.12).
    assert score_journalier(visites=16, promesses=2, paiements=1, refus=13) == Decimal("5.13")


def test_score_journalier_rounds_repeating_decimals_to_two_places():
    # 4 × 1/8 + 6 × 2/3 = 0.5 + 4 = 4.50; 4 × 8/8 + 6 × 1/3 = 6.000… ; 4 × 1 + 6 × 5/7 = 8.2857…
    assert score_journalier(visites=1, promesses=1, paiements=1, refus=1) == Decimal("4.50")
    assert score_journalier(visites=8, promesses=1, paiements=0, refus=2) == Decimal("6.00")
    assert score_journalier(visites=9, promesses=3, paiements=2, refus=2) == Decimal("8.29")


@pytest.mark.parametrize(
    ("compteurs", "score"),
    [
        ({"visites": 8, "promesses": 4, "paiements": 4, "refus": 0}, Decimal("10.00")),
        ({"visites": 12, "promesses": 0, "paiements": 1, "refus": 0}, Decimal("10.00")),
        ({"visites": 0, "promesses": 0, "paiements": 0, "refus": 3}, Decimal("0.00")),
    ],
)
def test_score_journalier_stays_between_0_and_10(compteurs, score):
    assert score_journalier(**compteurs) == score


def test_score_journalier_worked_example_of_docs():
    # docs/score.md: 7 visites, 1 promesse, 1 paiement, 1 refus → 4 × 7/8 + 6 × 2/3 = 3.50 + 4.00
    assert score_journalier(visites=7, promesses=1, paiements=1, refus=1) == Decimal("7.50")
