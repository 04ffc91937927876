"""The agent's score, out of 10: one formula for the moment and for the closed day (docs/score.md)."""
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# On-site actions an agent is expected to make in a day: reaching it earns the full 4 points.
OBJECTIF_VISITES = 8
POINTS_VISITES = Decimal(4)
POINTS_ISSUES = Decimal(6)
CENTIEME = Decimal("0.01")


def _arrondi(score: Decimal) -> Decimal:
    return score.quantize(CENTIEME, rounding=ROUND_HALF_UP)


# --- The score of the moment, fair at any hour of the day; a closed day's is its last (docs/score.md).

# Pseudo-answers added to the real ones, half favourable: with few answers the success
# rate stays near 50 %; it earns its weight as answers come (1 refusal: 2/5, not 0/1).
REPONSES_A_PRIORI = 4
TAUX_A_PRIORI = Decimal("0.5")
# Presence is judged once at least this many visits are expected by now; before, NULL.
VISITES_ATTENDUES_MIN = Decimal(1)


def taux_reussite(favorables: int, refus: int) -> Decimal:
    """Return the smoothed success rate (favorables + 2) / (favorables + refus + 4)."""
    return (favorables + REPONSES_A_PRIORI * TAUX_A_PRIORI) / (favorables + refus + REPONSES_A_PRIORI)


def points_resultats(favorables: int, refus: int) -> Decimal:
    """Return the results' points out of 6, from the smoothed success rate (unrounded)."""
    return POINTS_ISSUES * taux_reussite(favorables, refus)


@dataclass(frozen=True)
class ScoreDuMoment:
    """An intraday score (None: not enough to judge yet) and the inputs it came from."""

    score: Decimal | None
    entrees: dict


def _secondes(debut: datetime.datetime, fin: datetime.datetime) -> int:
    return max(0, int((fin - debut).total_seconds()))


def _centiemes(valeur: Decimal) -> str:
    return str(valeur.quantize(CENTIEME, rounding=ROUND_HALF_UP))


def score_instantane(
    *,
    maintenant: datetime.datetime,
    fenetres: list[tuple[datetime.datetime, datetime.datetime]],
    visites: int,
    promesses: int,
    paiements: int,
    refus: int,
) -> ScoreDuMoment:
    """Return the agent's score at `maintenant` for the day whose planned mission windows
    (aware, already within working hours) are `fenetres`, from the day's actions so far.

    presence = 4 × min(1, visites / attendues), attendues = OBJECTIF_VISITES × the share of
    the planned mission time already elapsed; results = 6 × (promesses + paiements + 2) /
    (réponses + 4). None while fewer than one visit is expected (too early to judge).
    """
    prevues = sum(_secondes(d, f) for d, f in fenetres)
    ecoulees = sum(_secondes(d, min(f, maintenant)) for d, f in fenetres)
    attendues = Decimal(OBJECTIF_VISITES * ecoulees) / prevues if prevues else Decimal(0)
    favorables = promesses + paiements
    taux = taux_reussite(favorables, refus)
    resultats = points_resultats(favorables, refus)
    entrees = {
        "visites": visites,
        "promesses": promesses,
        "paiements": paiements,
        "refus": refus,
        "minutes_prevues": prevues // 60,
        "minutes_ecoulees": ecoulees // 60,
        "visites_attendues": _centiemes(attendues),
        "taux_reussite": _centiemes(taux),
        "points_resultats": _centiemes(resultats),
        "points_presence": None,
    }
    if attendues < VISITES_ATTENDUES_MIN:
        return ScoreDuMoment(None, entrees)
    # visites / attendues = visites × prevues / (OBJECTIF × ecoulees), kept exact in integers.
    rythme = min(Decimal(1), Decimal(visites * prevues) / (OBJECTIF_VISITES * ecoulees))
    presence = POINTS_VISITES * rythme
    entrees["points_presence"] = _centiemes(presence)
    return ScoreDuMoment(_arrondi(presence + resultats), entrees)


def score_cloture(*, visites: int, promesses: int, paiements: int, refus: int) -> ScoreDuMoment:
    """Return the score of a closed day (the whole planned time elapsed: 8 visits expected)
    and its inputs: 4 × min(1, visites / 8) + 6 × (promesses + paiements + 2) / (réponses + 4),
    rounded half up to 2 decimals. It is what score_instantane gives once the day is over."""
    favorables = promesses + paiements
    taux = taux_reussite(favorables, refus)
    presence = POINTS_VISITES * min(Decimal(1), Decimal(visites) / OBJECTIF_VISITES)
    resultats = points_resultats(favorables, refus)
    entrees = {
        "visites": visites, "promesses": promesses, "paiements": paiements, "refus": refus,
        "cloture": True,
        "visites_attendues": _centiemes(Decimal(OBJECTIF_VISITES)),
        "taux_reussite": _centiemes(taux),
        "points_resultats": _centiemes(resultats),
        "points_presence": _centiemes(presence),
    }
    return ScoreDuMoment(_arrondi(presence + resultats), entrees)


def score_journalier(*, visites: int, promesses: int, paiements: int, refus: int) -> Decimal:
    """Return the score of a closed day, between 0.00 and 10.00 (score_cloture's)."""
    return score_cloture(visites=visites, promesses=promesses, paiements=paiements, refus=refus).score
