"""performance_compute, its management command and its Celery task, on figures computed by hand."""
import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from agents.models import PerformanceHistorique
from agents.services import performance_compute
from agents.tasks import compute_performance_task
from akig_ops.lib.cache_donnees import cle_du_jour
from recovery.models import RecouvrementAction
from tests.factories import (
    ActionFactory,
    AgentFactory,
    EquipeFactory,
    MissionFactory,
    PerformanceFactory,
)

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
JOUR_1 = datetime.date(2025, 6, 2)
JOUR_2 = datetime.date(2025, 6, 3)
# After the working hours (08:00–18:00) of a Wednesday: today is a closed day.
APRES_LE_SERVICE = datetime.datetime(2026, 3, 4, 20, 0, tzinfo=PARIS)


def paris(jour: datetime.date, heure: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(jour, datetime.time(heure, minute), tzinfo=PARIS)


def figures(agent, jour):
    """The stored row as (score, visites, promesses, paiements, refus, montant_recouvre)."""
    row = PerformanceHistorique.objects.get(agent=agent, date_stat=jour)
    return (row.score, row.visites, row.promesses, row.paiements, row.refus, row.montant_recouvre)


@pytest.fixture
def equipe(django_user_model):
    # A chef without a password: no hashing to wait for in every test.
    return EquipeFactory(chef=django_user_model.objects.create_user(username="chef@akig.local"))


@pytest.fixture
def terrain(equipe):
    """Two agents over JOUR_1 and JOUR_2, a third with only a cancelled action.

    Closed days: score = 4 × min(1, visites/8) + 6 × (favorables + 2) / (réponses + 4).
    Agent A, JOUR_1: 3 visites, 1 absent, 2 promesses, 1 paiement (120.50), 1 refus
      → visites 8, score 4 × 8/8 + 6 × (3 + 2)/(4 + 4) = 4 + 3.75 = 7.75; plus a call (not a
      visit) and two actions not done (annulee, planifiee) that must not count.
    Agent A, JOUR_2: a paiement of 80.00 at 00:30 Paris (22:30 UTC on JOUR_1) and a visite
      → visites 2, score 4 × 2/8 + 6 × (1 + 2)/(1 + 4) = 1 + 3.60 = 4.60.
    Agent B, JOUR_1: one refus → visites 1, score 4 × 1/8 + 6 × 2/5 = 0.50 + 2.40 = 2.90.
    Agent B, JOUR_2: a mission, no action → counts of 0, score 0 + 6 × 2/4 = 3.00.
    Agent C: one cancelled action on JOUR_1, no mission → no row.
    """
    a, b, c = AgentFactory.create_batch(3, equipe=equipe)
    for agent, jour, heure, type_action, statut, montant in [
        (a, JOUR_1, (9, 0), "visite", "realisee", "0.00"),
        (a, JOUR_1, (10, 0), "visite", "realisee", "0.00"),
        (a, JOUR_1, (11, 0), "visite", "realisee", "0.00"),
        (a, JOUR_1, (12, 0), "absent", "realisee", "0.00"),
        (a, JOUR_1, (13, 0), "promesse", "realisee", "0.00"),
        (a, JOUR_1, (14, 0), "promesse", "realisee", "0.00"),
        (a, JOUR_1, (15, 0), "refus", "realisee", "0.00"),
        (a, JOUR_1, (16, 0), "appel", "realisee", "0.00"),
        (a, JOUR_1, (17, 0), "paiement", "realisee", "120.50"),
        (a, JOUR_1, (18, 0), "promesse", "annulee", "0.00"),
        (a, JOUR_1, (19, 0), "paiement", "planifiee", "999.00"),
        (a, JOUR_2, (0, 30), "paiement", "realisee", "80.00"),
        (a, JOUR_2, (10, 0), "visite", "realisee", "0.00"),
        (b, JOUR_1, (11, 0), "refus", "realisee", "0.00"),
        (c, JOUR_1, (10, 0), "paiement", "annulee", "50.00"),
    ]:
        ActionFactory(
            agent=agent, date_action=paris(jour, *heure), type_action=type_action, statut=statut,
            montant_recouvre=Decimal(montant),
        )
    MissionFactory(agent=b, date_prevue=JOUR_2)
    return a, b, c


def test_performance_compute_writes_one_row_per_agent_day_with_hand_figures(terrain):
    a, b, c = terrain

    written = performance_compute(du=JOUR_1, au=JOUR_2)

    assert written == 4
    # Scores computed by hand in the fixture's docstring.
    assert figures(a, JOUR_1) == (Decimal("7.75"), 8, 2, 1, 1, Decimal("120.50"))
    assert figures(a, JOUR_2) == (Decimal("4.60"), 2, 0, 1, 0, Decimal("80.00"))
    assert figures(b, JOUR_1) == (Decimal("2.90"), 1, 0, 0, 1, Decimal("0.00"))
    assert figures(b, JOUR_2) == (Decimal("3.00"), 0, 0, 0, 0, Decimal("0.00"))
    assert not PerformanceHistorique.objects.filter(agent=c).exists()


def test_performance_compute_counts_an_action_by_its_paris_day(terrain):
    a, _, _ = terrain

    performance_compute(du=JOUR_1, au=JOUR_1)

    # The 00:30 Paris payment of JOUR_2 is on JOUR_1 in UTC: it must not leak into JOUR_1.
    assert figures(a, JOUR_1)[3:6] == (1, 1, Decimal("120.50"))
    assert not PerformanceHistorique.objects.filter(date_stat=JOUR_2).exists()


def test_performance_compute_again_follows_deleted_actions(terrain):
    a, b, _ = terrain
    performance_compute(du=JOUR_1, au=JOUR_2)
    RecouvrementAction.objects.filter(agent=a, date_action=paris(JOUR_2, 0, 30)).delete()
    RecouvrementAction.objects.filter(agent=b).delete()

    written = performance_compute(du=JOUR_1, au=JOUR_2)

    assert written == 3
    # Only the visite is left: 4 × 1/8 + 6 × 2/4 = 0.50 + 3.00 = 3.50, nothing collected.
    assert figures(a, JOUR_2) == (Decimal("3.50"), 1, 0, 0, 0, Decimal("0.00"))
    # No mission and no action left that day: the row goes.
    assert not PerformanceHistorique.objects.filter(agent=b, date_stat=JOUR_1).exists()
    assert PerformanceHistorique.objects.count() == 3


def test_performance_compute_leaves_rows_outside_the_range_and_agents(terrain):
    a, b, _ = terrain
    veille = JOUR_1 - datetime.timedelta(days=1)
    lendemain = JOUR_2 + datetime.timedelta(days=1)
    avant = PerformanceFactory(agent=a, date_stat=veille, score=Decimal("3.25"))
    apres = PerformanceFactory(agent=b, date_stat=lendemain, score=Decimal("9.75"))
    autre_agent = PerformanceFactory(agent=b, date_stat=JOUR_1, score=Decimal("6.00"))

    written = performance_compute(du=JOUR_1, au=JOUR_2, agent_ids=[a.id])

    assert written == 2
    assert figures(a, JOUR_1)[0] == Decimal("7.75")  # the fixture's 4 + 3.75
    for untouched, score in [(avant, "3.25"), (apres, "9.75"), (autre_agent, "6.00")]:
        untouched.refresh_from_db()
        assert untouched.score == Decimal(score)


def test_performance_compute_runs_a_bounded_number_of_queries(terrain, django_assert_max_num_queries):
    a, b, _ = terrain
    for jour in (JOUR_1, JOUR_2):
        ActionFactory.create_batch(40, agent=a, type_action="visite", date_action=paris(jour, 15, 0))
        MissionFactory.create_batch(10, agent=b, date_prevue=jour)

    # Actions aggregate, missions, delete, upsert, and the savepoint around the writes.
    with django_assert_max_num_queries(6):
        assert performance_compute(du=JOUR_1, au=JOUR_2) == 4


def test_performance_compute_rejects_a_reversed_range():
    with pytest.raises(ValueError):
        performance_compute(du=JOUR_2, au=JOUR_1)


def test_compute_performance_command_one_date(terrain):
    out = StringIO()
    avant = cle_du_jour("agents:lignes")

    call_command("compute_performance", "--date", "2025-06-03", stdout=out)

    assert out.getvalue() == "2 lignes de performance recalculées du 03/06/2025 au 03/06/2025.\n"
    # A recompute by hand starts a new generation too: no cached "agents under 5" from before.
    assert cle_du_jour("agents:lignes") != avant
    assert PerformanceHistorique.objects.filter(date_stat=JOUR_2).count() == 2


@time_machine.travel(APRES_LE_SERVICE, tick=False)
def test_compute_performance_command_since_a_date_up_to_today(equipe):
    today = timezone.localdate()
    hier = today - datetime.timedelta(days=1)
    agent = AgentFactory(equipe=equipe)
    MissionFactory(agent=agent, date_prevue=hier)
    ActionFactory(agent=agent, type_action="paiement", date_action=timezone.now())
    out = StringIO()

    call_command("compute_performance", "--depuis", hier.isoformat(), stdout=out)

    assert out.getvalue().startswith("2 lignes de performance recalculées")
    # At 20:00 today is closed: 4 × 1/8 + 6 × (1 + 2)/(1 + 4) = 0.50 + 3.60 = 4.10.
    assert figures(agent, today) == (Decimal("4.10"), 1, 0, 1, 0, Decimal("0.00"))


def test_compute_performance_command_refuses_bad_arguments():
    demain = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    with pytest.raises(CommandError, match="postérieure"):
        call_command("compute_performance", "--depuis", demain)
    with pytest.raises(CommandError, match="date invalide"):
        call_command("compute_performance", "--date", "03/06/2025")
    with pytest.raises(CommandError):
        call_command("compute_performance", "--date", "2025-06-03", "--depuis", "2025-06-01")
    with pytest.raises(CommandError):
        call_command("compute_performance", "--date", "2025-06-03", "--since", "2025-06-01")


@time_machine.travel(APRES_LE_SERVICE, tick=False)
def test_compute_performance_command_accepts_since_as_deprecated_depuis(equipe, capsys):
    # Given an agent who was paid yesterday
    hier = timezone.localdate() - datetime.timedelta(days=1)
    agent = AgentFactory(equipe=equipe)
    ActionFactory(agent=agent, type_action="paiement", date_action=timezone.now() - datetime.timedelta(days=1))
    out = StringIO()

    # When the command is called with the option's former English name
    call_command("compute_performance", "--since", hier.isoformat(), stdout=out)

    # Then it recomputes as --depuis does, and says the old name is deprecated, in French
    assert out.getvalue().startswith("1 ligne de performance recalculée")
    assert figures(agent, hier)[0] == Decimal("4.10")  # 4 × 1/8 + 6 × 3/5 = 0.50 + 3.60
    assert capsys.readouterr().err == (
        "Attention : l'option --since est obsolète et sera retirée ; utilisez --depuis.\n"
    )


@time_machine.travel(APRES_LE_SERVICE, tick=False)
def test_compute_performance_task_recomputes_yesterday_and_today(equipe):
    today = timezone.localdate()
    agent = AgentFactory(equipe=equipe)
    MissionFactory(agent=agent, date_prevue=today)
    MissionFactory(agent=agent, date_prevue=today - datetime.timedelta(days=1))
    MissionFactory(agent=agent, date_prevue=today - datetime.timedelta(days=2))
    ActionFactory.create_batch(2, agent=agent, type_action="promesse", date_action=timezone.now())

    assert compute_performance_task() == 2

    # Today (closed at 20:00): 4 × 2/8 + 6 × (2 + 2)/(2 + 4) = 1 + 4 = 5.00; yesterday: a
    # mission and no action, counts of 0 and 0 + 6 × 2/4 = 3.00.
    assert figures(agent, today) == (Decimal("5.00"), 2, 2, 0, 0, Decimal("0.00"))
    yesterday = today - datetime.timedelta(days=1)
    assert figures(agent, yesterday) == (Decimal("3.00"), 0, 0, 0, 0, Decimal("0.00"))
    assert PerformanceHistorique.objects.count() == 2, "the day before yesterday is left alone"


def test_performance_compute_gives_no_score_before_the_first_mission_starts(equipe):
    today = timezone.localdate()
    huit_heures = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    agent = AgentFactory(equipe=equipe)
    # At 08:00, today's 09:00 mission has not started yet; tomorrow's neither.
    MissionFactory(agent=agent, date_prevue=today, heure_debut=datetime.time(9, 0))
    MissionFactory(agent=agent, date_prevue=today + datetime.timedelta(days=1))
    demain = today + datetime.timedelta(days=1)

    assert performance_compute(du=today, au=demain, maintenant=huit_heures) == 0
    assert not PerformanceHistorique.objects.exists()

    # From 09:00 it has begun, but the score is judged once one visit is expected: 8 × elapsed /
    # 120 planned minutes ≥ 1 from 15 minutes on. At 09:14 (0.93 expected) still no row.
    neuf_heures = huit_heures + datetime.timedelta(hours=1)
    for minutes in (0, 14):
        assert performance_compute(du=today, au=demain, maintenant=neuf_heures + datetime.timedelta(minutes=minutes)) == 0
    assert not PerformanceHistorique.objects.exists()
    # At 09:15 (1 visit expected, none made): 4 × 0/1 + 6 × 2/4 = 3.00; at 09:16 the same.
    for minutes in (15, 16):
        assert performance_compute(du=today, au=demain, maintenant=neuf_heures + datetime.timedelta(minutes=minutes)) == 1
        assert figures(agent, today)[0] == Decimal("3.00")
