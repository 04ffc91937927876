"""Public holidays (akig_ops.lib.calendrier): not working days, like a weekend."""
import datetime
from zoneinfo import ZoneInfo

from akig_ops.lib.calendrier import est_ferie, jours_feries
from escalations.regles import en_service

PARIS = ZoneInfo("Europe/Paris")
J = datetime.date


def test_french_public_holidays_of_2026():
    # Easter Sunday 2026 is 5 April: Easter Monday 6/4, Ascension 14/5, Whit Monday 25/5.
    assert sorted(jours_feries(2026)) == [
        J(2026, 1, 1), J(2026, 4, 6), J(2026, 5, 1), J(2026, 5, 8), J(2026, 5, 14), J(2026, 5, 25),
        J(2026, 7, 14), J(2026, 8, 15), J(2026, 11, 1), J(2026, 11, 11), J(2026, 12, 25),
    ]


def test_moselle_has_two_more_and_none_can_be_set(settings):
    settings.AKIG_JOURS_FERIES_SUBDIVISION = "57"
    assert {J(2026, 4, 3), J(2026, 12, 26)} <= jours_feries(2026)  # Good Friday, Saint Stephen
    settings.AKIG_JOURS_FERIES_PAYS = ""
    assert jours_feries(2026) == frozenset() and not est_ferie(J(2026, 12, 25))


def test_no_working_hours_on_a_public_holiday():
    # Thursday 24 December 2026 at 10:00 is a working morning; Friday the 25th is not.
    assert en_service(datetime.datetime(2026, 12, 24, 10, 0, tzinfo=PARIS)) == datetime.datetime(
        2026, 12, 24, 8, 0, tzinfo=PARIS
    )
    assert en_service(datetime.datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)) is None
    assert en_service(datetime.datetime(2026, 12, 28, 10, 0, tzinfo=PARIS)) is not None  # Monday
