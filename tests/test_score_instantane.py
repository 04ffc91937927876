"""The intraday score at chosen moments of a hand-built day, its 5-minute snapshots (service,
command, task), their retention, and the nightly row against the runbook's query."""
import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from agents.models import PerformanceHistorique, ScoreInstantane
from agents.scoring import score_instantane
from agents.selectors import performance_recente, scores_du_moment
from agents.services import performance_compute, scores_instantanes_enregistrer
from agents.tasks import scores_instantanes_task
from akig_ops.models import Battement
from akig_ops.services import SCORES_INSTANTANES
from tests.factories import ActionFactory, AgentFactory, MissionFactory, ScoreInstantaneFactory

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
JOUR = datetime.date(2026, 3, 10)


def a(heure: int, minute: int = 0, jour: datetime.date = JOUR) -> datetime.datetime:
    return datetime.datetime.combine(jour, datetime.time(heure, minute), tzinfo=PARIS)


@pytest.fixture
def journee():
    """One agent's day. Missions 09:00–10:00, 10:30–11:30, 14:00–15:00, 16:30–17:00: 210 planned
    minutes. Actions, in the field system's own words:
      09:10 visite fait · 09:20 promesse fait · 09:30 refus fait · 09:35 appel fait (not a visit)
      14:10 paiement « payé en partie » · 14:20 absent « RDV pris » · 14:30 visite « Reporté »
      (did not happen) · 14:40 visite fait · 18:30 visite fait (after hours).
    A second agent has no mission today (not working), a third is inactive."""
    agent = AgentFactory()
    for debut, fin in [((9, 0), (10, 0)), ((10, 30), (11, 30)), ((14, 0), (15, 0)), ((16, 30), (17, 0))]:
        MissionFactory(agent=agent, date_prevue=JOUR, heure_debut=datetime.time(*debut),
                       heure_fin=datetime.time(*fin))
    for heure, type_action, statut in [
        ((9, 10), "visite", "fait"), ((9, 20), "promesse", "fait"), ((9, 30), "refus", "fait"),
        ((9, 35), "appel", "fait"), ((14, 10), "paiement", "payé en partie"),
        ((14, 20), "absent", "RDV pris"), ((14, 30), "visite", "Reporté"), ((14, 40), "visite", "fait"),
        ((18, 30), "visite", "fait"),
    ]:
        ActionFactory(agent=agent, date_action=a(*heure), type_action=type_action, statut=statut)
    AgentFactory(equipe=agent.equipe)
    inactif = AgentFactory(equipe=agent.equipe, actif=False)
    MissionFactory(agent=inactif, date_prevue=JOUR)
    return agent


def test_score_at_9_is_not_judged_yet(journee):
    # No planned minute has elapsed: 0 visits expected, too early to judge.
    score = scores_du_moment(maintenant=a(9))[journee.id]

    assert score.score is None
    assert score.entrees["visites_attendues"] == "0.00"


def test_score_at_noon_judges_the_pace_of_the_morning(journee):
    # 120 of 210 planned minutes elapsed → 8 × 120/210 = 4.57 visits expected; 3 made
    # (visite, promesse, refus; the call is not a visit) → presence 4 × 3 / 4.571 = 2.625.
    # Results: (1 promesse + 0 paiement + 2) / (2 answers + 4) = 0.5 → 3.00.
    # Score 2.625 + 3 = 5.625 → 5.63 (half up).
    score = scores_du_moment(maintenant=a(12))[journee.id]

    assert score.score == Decimal("5.63")
    assert score.entrees == {
        "visites": 3, "promesses": 1, "paiements": 0, "refus": 1,
        "minutes_prevues": 210, "minutes_ecoulees": 120, "visites_attendues": "4.57",
        "taux_reussite": "0.50", "points_resultats": "3.00", "points_presence": "2.63",
    }


def test_score_at_17_judges_the_whole_day(journee):
    # All 210 minutes elapsed → 8 visits expected; 6 made by 17:00 (the « Reporté » visit
    # did not happen, the 18:30 one has not happened yet) → presence 4 × 6/8 = 3.00.
    # Results: (1 + 1 + 2) / (3 + 4) = 4/7 → 6 × 4/7 = 3.43. Score 6.43.
    score = scores_du_moment(maintenant=a(17))[journee.id]

    assert score.score == Decimal("6.43")
    assert (score.entrees["visites"], score.entrees["points_presence"]) == (6, "3.00")


def test_score_only_for_working_agents(journee):
    # The agent without a mission and the inactive agent get no score.
    assert list(scores_du_moment(maintenant=a(12))) == [journee.id]


def test_score_one_refusal_does_not_sink_the_results_part():
    # 1 refusal alone: (0 + 2) / (1 + 4) = 0.4 → 2.40 points, not 0; 1 promise: 3/5 → 3.60.
    fenetres = [(a(9), a(10))]
    refus = score_instantane(maintenant=a(10), fenetres=fenetres, visites=8, promesses=0, paiements=0, refus=1)
    promesse = score_instantane(maintenant=a(10), fenetres=fenetres, visites=8, promesses=1, paiements=0, refus=0)

    assert (refus.score, promesse.score) == (Decimal("6.40"), Decimal("7.60"))


def test_nightly_row_equals_the_runbook_query(journee):
    # The closed day's row: visites 7 (the 6 above + 18:30), promesses 1, paiements 1, refus 1
    # → 4 × 7/8 + 6 × (2 + 2)/(3 + 4) = 3.50 + 3.428… = 6.928… → 6.93.
    performance_compute(du=JOUR, au=JOUR, maintenant=a(23))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date_stat, score, visites, promesses, paiements, refus FROM performance_historique "
            "WHERE agent_id = %s ORDER BY date_stat DESC LIMIT 7",
            [journee.id],
        )
        runbook = cursor.fetchall()
    # SQLite hands the numeric column back as a float: read to the cent.
    assert [(r[0], Decimal(str(r[1])), *r[2:]) for r in runbook] == [(JOUR, Decimal("6.93"), 7, 1, 1, 1)]
    assert [tuple(r.values()) for r in performance_recente(agent_id=journee.id)] == [
        (JOUR, Decimal("6.93"), 7, 1, 1, 1)]
    # The 18:30 visit came after the last snapshot of the working hours: the closing snapshot
    # (18:00) is rewritten with the row, so the day's last intraday value is the row.
    derniere = ScoreInstantane.objects.filter(agent=journee).latest("instant")
    assert (derniere.instant, derniere.score) == (a(18), Decimal("6.93"))


def test_snapshot_stores_one_row_per_working_agent_on_the_5_minute_grid(journee):
    nb = scores_instantanes_enregistrer(maintenant=a(12, 3))
    nb_encore = scores_instantanes_enregistrer(maintenant=a(12, 4))  # same instant 12:00: rewritten

    assert (nb, nb_encore) == (1, 1)
    ligne = ScoreInstantane.objects.get()
    assert (ligne.agent_id, ligne.instant, ligne.score) == (journee.id, a(12), Decimal("5.63"))
    assert ligne.entrees["visites"] == 3
    battement = Battement.objects.get(nom=SCORES_INSTANTANES)
    assert battement.details["agents"] == 1


def test_snapshot_outside_working_hours_stores_nothing_but_beats(journee):
    nb = scores_instantanes_enregistrer(maintenant=a(19))

    assert nb == 0 and not ScoreInstantane.objects.exists()
    assert Battement.objects.filter(nom=SCORES_INSTANTANES).exists()


def test_snapshot_purges_rows_older_than_the_retention(journee, settings):
    settings.AKIG_SCORES_INSTANTANES_JOURS = 35
    ScoreInstantaneFactory(agent=journee, instant=a(12) - datetime.timedelta(days=36))
    garde = ScoreInstantaneFactory(agent=journee, instant=a(12) - datetime.timedelta(days=34))

    scores_instantanes_enregistrer(maintenant=a(12))

    assert set(ScoreInstantane.objects.values_list("instant", flat=True)) == {garde.instant, a(12)}


def test_snapshot_command_takes_an_instant(journee):
    out = StringIO()
    call_command("scores_instantanes", "--instant", "2026-03-10T17:02", stdout=out)

    assert out.getvalue().strip() == "1 score instantané enregistré à 10/03/2026 17:00."
    assert ScoreInstantane.objects.get().score == Decimal("6.43")


def test_snapshot_task_uses_the_clock(journee):
    with time_machine.travel(a(12, 1), tick=False):
        assert scores_instantanes_task() == 1

    assert ScoreInstantane.objects.get().instant == a(12)


def test_snapshot_command_back_fills_every_5_minutes(journee):
    # 11:50, 11:55 and 12:00: three instants for the one working agent.
    out = StringIO()
    call_command("scores_instantanes", "--depuis", "2026-03-10T11:50", "--instant", "2026-03-10T12:02", stdout=out)

    assert list(ScoreInstantane.objects.order_by("instant").values_list("instant", flat=True)) == [
        a(11, 50), a(11, 55), a(12)]
    assert out.getvalue().strip() == "3 scores instantanés enregistrés à 10/03/2026 12:00."
