"""akig_ops/lib/valeurs.py: each bound at, just inside and just outside it."""
import datetime
from decimal import Decimal

import pytest
import time_machine

from akig_ops.lib import valeurs
from akig_ops.lib.valeurs import ValeurInvalide

MAINTENANT = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _horloge():
    with time_machine.travel(MAINTENANT, tick=False):
        yield


@pytest.mark.parametrize("instant, accepte", [
    (datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC), True),
    (datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=datetime.UTC), False),
    (MAINTENANT + datetime.timedelta(days=1), True),
    (MAINTENANT + datetime.timedelta(days=1, seconds=1), False),
    (datetime.datetime(1, 1, 1, tzinfo=datetime.UTC), False),
    (datetime.datetime(9999, 12, 31, 23, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=-14))), False),
])
def test_instant_bounds_are_2000_and_a_day_ahead(instant, accepte):
    if accepte:
        assert valeurs.instant(instant) == instant
    else:
        with pytest.raises(ValeurInvalide, match="hors des bornes \\(du 01/01/2000 au 16/06/2026\\)"):
            valeurs.instant(instant)


def test_instant_bounds_follow_the_settings(settings):
    settings.AKIG_INSTANT_MIN = datetime.date(2020, 1, 1)
    settings.AKIG_AVANCE_MAX = datetime.timedelta(0)
    with pytest.raises(ValeurInvalide):
        valeurs.instant(datetime.datetime(2019, 12, 31, 23, tzinfo=datetime.UTC))
    with pytest.raises(ValeurInvalide):
        valeurs.instant(MAINTENANT + datetime.timedelta(seconds=1))
    assert valeurs.instant(MAINTENANT) == MAINTENANT


@pytest.mark.parametrize("jour, accepte", [
    (datetime.date(2000, 1, 1), True),
    (datetime.date(1999, 12, 31), False),
    (datetime.date(2028, 6, 15), True),  # today + 731 days
    (datetime.date(2028, 6, 16), False),
    (datetime.date(9999, 12, 31), False),
])
def test_day_bounds_are_2000_and_the_planning_horizon(jour, accepte):
    if accepte:
        assert valeurs.jour(jour) == jour
    else:
        with pytest.raises(ValeurInvalide, match="hors des bornes"):
            valeurs.jour(jour)


@pytest.mark.parametrize("montant, attendu", [
    (Decimal("1000000"), Decimal("1000000.00")),
    (Decimal("999999.99"), Decimal("999999.99")),
    (Decimal("0"), Decimal("0.00")),
    (Decimal("1000000.01"), "au-dessus du plafond (1\u202f000\u202f000,00\u00a0€)"),
    (Decimal("9999999999.99"), "au-dessus du plafond"),
    (Decimal("-0.01"), "montant négatif"),
    (Decimal("1.001"), "plus de 2 décimales"),
    (Decimal("NaN"), "non numérique"),
    (Decimal("Infinity"), "non numérique"),
])
def test_amount_ceiling_is_a_million_by_default(montant, attendu):
    if isinstance(attendu, Decimal):
        assert valeurs.montant(montant) == attendu
    else:
        with pytest.raises(ValeurInvalide, match=attendu.replace("(", "\\(").replace(")", "\\)")):
            valeurs.montant(montant)


@pytest.mark.parametrize("texte, une_ligne, motif", [
    ("A-12 é", True, None),
    ("ligne 1\nligne 2\ttab", False, None),
    ("A\x00", False, "caractère NUL"),
    ("A\ud800", False, "demi-paire"),
    ("A\x1b[2J", False, "U\\+001B"),
    ("A\nB", True, "retour à la ligne"),
    ("A\u2028B", True, "retour à la ligne"),
    ("A\u202eB", True, "U\\+202E"),  # right-to-left override
    ("x" * 41, True, "trop long \\(41 caractères, 40 au plus\\)"),
    ("x" * 40, True, None),
])
def test_text_refuses_nul_surrogates_controls_and_lines(texte, une_ligne, motif):
    if motif is None:
        assert valeurs.texte(texte, max_length=40, une_ligne=une_ligne) == texte
    else:
        with pytest.raises(ValeurInvalide, match=motif):
            valeurs.texte(texte, max_length=40, une_ligne=une_ligne)


@pytest.mark.parametrize("brut, attendu", [
    ("12", 12), (" 3 ", 3), ("0", "hors de l'intervalle"), ("366", "hors de l'intervalle"),
    ("999999", "hors de l'intervalle"), ("1e3", "nombre entier attendu"), ("\x00", "nombre entier attendu"),
    ("١٢", "nombre entier attendu"),  # Arabic-Indic digits: isdigit() but not ours
])
def test_integer_parameter_is_bounded(brut, attendu):
    if isinstance(attendu, int):
        assert valeurs.entier(brut, mini=1, maxi=365) == attendu
    else:
        with pytest.raises(ValeurInvalide, match=attendu):
            valeurs.entier(brut, mini=1, maxi=365)
