"""Cached figures follow the data: the day and the generation are in the key."""
import datetime

import pytest
import time_machine
from django.core.cache import cache

from akig_ops.lib.cache_donnees import donnees_modifiees, en_cache, en_cache_selon_arguments


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()


def test_en_cache_miss_then_hit():
    calculs = []

    def calcul():
        calculs.append(1)
        return {"nb": 51}

    assert en_cache("resume", calcul) == ({"nb": 51}, False)
    assert en_cache("resume", calcul) == ({"nb": 51}, True)
    assert len(calculs) == 1


def test_en_cache_recomputed_after_donnees_modifiees():
    en_cache("resume", lambda: 1)

    donnees_modifiees()

    assert en_cache("resume", lambda: 2) == (2, False)


def test_en_cache_recomputed_after_midnight_paris():
    with time_machine.travel(datetime.datetime(2026, 11, 26, 22, 59, tzinfo=datetime.UTC), tick=False):
        en_cache("resume", lambda: "jeudi")  # 23:59 in Paris
        assert en_cache("resume", lambda: "autre") == ("jeudi", True)
    with time_machine.travel(datetime.datetime(2026, 11, 26, 23, 1, tzinfo=datetime.UTC), tick=False):
        # 00:01 in Paris: a new business day, yesterday's retards are stale.
        assert en_cache("resume", lambda: "vendredi") == ("vendredi", False)


def test_en_cache_recomputed_after_a_deploy(settings):
    # A release's pages and pickled values are never served by the next one (nor the reverse,
    # while both run side by side during a rolling deploy).
    settings.AKIG_VERSION = "2026.12.07-aaa"
    en_cache("page", lambda: "avant")
    assert en_cache("page", lambda: "autre") == ("avant", True)
    settings.AKIG_VERSION = "2026.12.07-bbb"
    assert en_cache("page", lambda: "après") == ("après", False)
    settings.AKIG_VERSION = "2026.12.07-aaa"
    assert en_cache("page", lambda: "autre") == ("avant", True)


def test_en_cache_parameters_are_part_of_the_key():
    en_cache("impayes", lambda: "60", parties=(60,))

    assert en_cache("impayes", lambda: "90", parties=(90,)) == ("90", False)


def test_en_cache_selon_arguments_keys_on_every_argument_even_with_spaces():
    calculs = []

    @en_cache_selon_arguments("somme")
    def somme(*, a: int, libelle: str) -> str:
        calculs.append((a, libelle))
        return f"{libelle} {a + 1}"

    assert somme(a=1, libelle="deux mots") == "deux mots 2"
    assert somme(libelle="deux mots", a=1) == "deux mots 2"  # same arguments, any order: a hit
    assert somme(a=2, libelle="deux mots") == "deux mots 3"
    assert somme(a=1, libelle="deux  mots") == "deux  mots 2"
    assert calculs == [(1, "deux mots"), (2, "deux mots"), (1, "deux  mots")]
    assert somme.sans_cache(a=1, libelle="x") == "x 2" and len(calculs) == 4


def test_en_cache_selon_arguments_recomputed_after_donnees_modifiees():
    valeurs = iter([1, 2])

    @en_cache_selon_arguments("suivante")
    def suivante(*, n: int) -> int:
        return next(valeurs)

    assert (suivante(n=0), suivante(n=0)) == (1, 1)
    donnees_modifiees()
    assert suivante(n=0) == 2
