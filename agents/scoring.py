"""The agents' daily score, out of 10 (explained in docs/score.md)."""
from decimal import ROUND_HALF_UP, Decimal

# On-site actions an agent is expected to make in a day: reaching it earns the full 4 points.
OBJECTIF_VISITES = 8
POINTS_VISITES = Decimal(4)
POINTS_ISSUES = Decimal(6)
CENTIEME = Decimal("0.01")


def score_journalier(*, visites: int, promesses: int, paiements: int, refus: int) -> Decimal:
    """Return the day's score, between 0.00 and 10.00, rounded half up to 2 decimals.

    4 points for the visits (capped at OBJECTIF_VISITES), 6 for the share of
    promises and payments among the tenants who answered (promesses + paiements + refus).
    """
    assiduite = min(Decimal(1), Decimal(visites) / OBJECTIF_VISITES)
    issues_favorables = promesses + paiements
    reponses = issues_favorables + refus
    # No tenant answered: there is no success rate to reward, not a failure to punish.
    taux_reussite = Decimal(issues_favorables) / reponses if reponses else Decimal(0)
    score = POINTS_VISITES * assiduite + POINTS_ISSUES * taux_reussite
    return score.quantize(CENTIEME, rounding=ROUND_HALF_UP)
