"""Cached figures follow the data: the day and the generation are in the key."""
import datetime

import pytest
import time_machine
from django.core.cache import cache

from akig_ops.lib.cache_donnees import donnees_modifiees, en_cache


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


def test_en_cache_parameters_are_part_of_the_key():
    en_cache("impayes", lambda: "60", parties=(60,))

    assert en_cache("impayes", lambda: "90", parties=(90,)) == ("90", False)
