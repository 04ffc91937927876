"""The agent page's link that escalation emails, pages and PDFs carry: the day and window they speak of."""
import datetime

import pytest

from escalations.liens import url_agent
from tests.escalations.conftest import paris


def test_url_agent_without_window_is_the_bare_page():
    assert url_agent(7) == "/agents/7/"


@pytest.mark.parametrize("debut, fin, attendu", [
    # The end is rounded up to its minute (positions before `fin` are shown), the start down.
    (paris(2026, 11, 30, 9, 0, 30), paris(2026, 11, 30, 11, 4, 10), "jour=2026-11-30&debut=09:00&fin=11:05"),
    (paris(2026, 11, 30, 9, 0), paris(2026, 11, 30, 11, 0), "jour=2026-11-30&debut=09:00&fin=11:00"),
    # A start the day before: from midnight of the end's day.
    (paris(2026, 11, 29, 17, 0), paris(2026, 11, 30, 8, 30), "jour=2026-11-30&debut=00:00&fin=08:30"),
    # An end at midnight is the day before's 23:59; one after 23:59 stays on its day.
    (paris(2026, 11, 29, 20, 0), paris(2026, 11, 30, 0, 0), "jour=2026-11-29&debut=20:00&fin=23:59"),
    (paris(2026, 11, 30, 23, 0), paris(2026, 11, 30, 23, 59, 30), "jour=2026-11-30&debut=23:00&fin=23:59"),
    # No start: the day from midnight.
    (None, paris(2026, 11, 30, 14, 5), "jour=2026-11-30&debut=00:00&fin=14:05"),
])
def test_url_agent_carries_the_day_and_window(debut, fin, attendu):
    assert url_agent(7, debut=debut, fin=fin) == "/agents/7/?" + attendu


def test_url_agent_window_is_in_paris_time_whatever_the_instant_s_zone():
    fin = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.timezone.utc)  # 11:00 in Paris

    assert url_agent(7, debut=fin - datetime.timedelta(hours=2), fin=fin) == (
        "/agents/7/?jour=2026-11-30&debut=09:00&fin=11:00")
