"""Public holidays: days nobody is in the field, like a weekend.

The dates come from the `holidays` library, for the country (and, where its law differs, the
subdivision: "57" for Moselle's Good Friday and 26 December) set in AKIG_JOURS_FERIES_PAYS /
AKIG_JOURS_FERIES_SUBDIVISION; an empty country means none.
"""
import datetime
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=32)
def _feries(pays: str, subdivision: str, annee: int) -> frozenset[datetime.date]:
    if not pays:
        return frozenset()
    return frozenset(holidays.country_holidays(pays, subdiv=subdivision or None, years=annee))


def jours_feries(annee: int) -> frozenset[datetime.date]:
    """Return the public holidays of `annee` (settings' country and subdivision)."""
    return _feries(settings.AKIG_JOURS_FERIES_PAYS, settings.AKIG_JOURS_FERIES_SUBDIVISION, annee)


def est_ferie(jour: datetime.date) -> bool:
    """Whether `jour` is a public holiday."""
    return jour in jours_feries(jour.year)
