"""One score (docs/score.md): a closed day's performance_historique row is that day's last
intraday value, and every place that judges an agent today (/agents/, the dashboard's « Agents
sous 5 », /metrics, the agent page) reads the same figure. Frozen time, three hand-built days.

score = 4 × min(1, visites / attendues) + 6 × (promesses + paiements + 2) / (réponses + 4),
attendues = 8 × the share of the planned mission time elapsed (8 once the day is over).
"""
import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agents.models import PerformanceHistorique, ScoreInstantane
from agents.services import performance_compute, scores_instantanes_enregistrer
from dashboard.selectors import resume_tableau_de_bord
from tests.factories import ActionFactory, AgentFactory, MissionFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
# Monday to Wednesday; working hours 08:00–18:00.
SANS_REPONSE, UN_REFUS, BONNE_JOURNEE = datetime.date(2026, 3, 2), datetime.date(2026, 3, 3), datetime.date(2026, 3, 4)


def a(jour: datetime.date, heure: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(jour, datetime.time(heure, minute), tzinfo=PARIS)


@pytest.fixture
def agent():
    """Each day, missions 09:00–11:00 and 14:00–16:00 (240 planned minutes).
    SANS_REPONSE: no action at all → 4 × 0/8 + 6 × (0 + 2)/(0 + 4) = 0 + 3.00 = 3.00.
    UN_REFUS: 10:00 visite, 10:30 refus → visites 2: 4 × 2/8 + 6 × 2/(1 + 4) = 1.00 + 2.40 = 3.40.
    BONNE_JOURNEE: 09:10…15:50, 2 visites, 3 promesses, 2 paiements, 1 refus → visites 8:
      4 × 8/8 + 6 × (5 + 2)/(6 + 4) = 4 + 4.20 = 8.20."""
    agent = AgentFactory(code="AG007", nom="Inès Martin")
    for jour in (SANS_REPONSE, UN_REFUS, BONNE_JOURNEE):
        for debut, fin in [(9, 11), (14, 16)]:
            MissionFactory(agent=agent, date_prevue=jour, heure_debut=datetime.time(debut),
                           heure_fin=datetime.time(fin))
    ActionFactory(agent=agent, date_action=a(UN_REFUS, 10), type_action="visite", statut="fait")
    ActionFactory(agent=agent, date_action=a(UN_REFUS, 10, 30), type_action="refus", statut="fait")
    for (heure, minute), type_action in zip(
        [(9, 10), (9, 40), (10, 10), (10, 40), (14, 10), (14, 40), (15, 10), (15, 50)],
        ["visite", "promesse", "promesse", "paiement", "visite", "promesse", "paiement", "refus"],
    ):
        ActionFactory(agent=agent, date_action=a(BONNE_JOURNEE, heure, minute), type_action=type_action, statut="fait")
    return agent


def releves_de_la_journee(jour: datetime.date) -> None:
    """Beat's snapshot every 5 minutes over the working hours, 08:00 to 18:00 included."""
    instant = a(jour, 8)
    while instant <= a(jour, 18):
        with time_machine.travel(instant, tick=False):
            scores_instantanes_enregistrer()
        instant += datetime.timedelta(minutes=5)


def test_closed_day_row_equals_the_day_s_last_intraday_value(agent):
    attendus = {SANS_REPONSE: Decimal("3.00"), UN_REFUS: Decimal("3.40"), BONNE_JOURNEE: Decimal("8.20")}
    for jour in attendus:
        releves_de_la_journee(jour)

    # The night after the last day: beat's computation of the three closed days.
    performance_compute(du=SANS_REPONSE, au=BONNE_JOURNEE, maintenant=a(BONNE_JOURNEE, 23, 50))

    for jour, score in attendus.items():
        ligne = PerformanceHistorique.objects.get(agent=agent, date_stat=jour)
        derniere = ScoreInstantane.objects.filter(agent=agent, instant__date=jour).latest("instant")
        assert (ligne.score, derniere.instant, derniere.score) == (score, a(jour, 18), score), jour


def test_intraday_values_before_the_close_follow_the_pace(agent):
    # UN_REFUS at 10:30 (the refusal not in yet: date_action < 10:30 is what counts at 10:30):
    # 90 of 240 planned minutes elapsed → 8 × 90/240 = 3 visits expected, 1 made:
    # 4 × 1/3 + 6 × 2/4 = 1.333… + 3.00 = 4.33. At 10:35, with the refusal: 95 min → 3.1667
    # expected, 2 made: 4 × 2/3.1667 + 6 × 2/5 = 2.526… + 2.40 = 4.93.
    releves_de_la_journee(UN_REFUS)
    valeurs = dict(ScoreInstantane.objects.filter(agent=agent).values_list("instant", "score"))
    assert (valeurs[a(UN_REFUS, 10, 30)], valeurs[a(UN_REFUS, 10, 35)]) == (Decimal("4.33"), Decimal("4.93"))
    # Judged from 1 visit expected: 8 × 25/240 = 0.83 at 09:25 (no score, never a 0), 8 × 30/240 = 1
    # at 09:30 (0 made, 0 + 3.00), 1.17 at 09:35.
    assert valeurs[a(UN_REFUS, 9, 25)] is None
    assert (valeurs[a(UN_REFUS, 9, 30)], valeurs[a(UN_REFUS, 9, 35)]) == (Decimal("3.00"), Decimal("3.00"))


def test_every_place_judges_today_with_the_same_figure(client, agent):
    # At UN_REFUS 10:35 the agent's score is 4.93 (test above): under 5 everywhere.
    direction = UserFactory(username="pdg@akig.local", groups=["Direction"])
    client.force_login(direction)
    cache.clear()
    with time_machine.travel(a(UN_REFUS, 10, 35), tick=False):
        performance_compute(du=UN_REFUS, au=UN_REFUS)
        ligne = PerformanceHistorique.objects.get(agent=agent, date_stat=UN_REFUS)
        liste = client.get(reverse("agents:liste")).content.decode()
        page = client.get(reverse("agents:detail", args=[agent.id])).content.decode()
        resume = resume_tableau_de_bord()
    assert ligne.score == Decimal("4.93")
    assert "4,93" in liste and "4,93" in page
    assert resume["nb_agents_sous_5"] == 1


def test_agent_page_explains_the_score_of_a_past_day(client, agent):
    client.force_login(UserFactory(username="pdg@akig.local", groups=["Direction"]))
    performance_compute(du=SANS_REPONSE, au=BONNE_JOURNEE, maintenant=a(BONNE_JOURNEE, 23, 50))
    with time_machine.travel(a(BONNE_JOURNEE + datetime.timedelta(days=1), 12), tick=False):
        page = client.get(reverse("agents:detail", args=[agent.id]), {"jour": "2026-03-03"}).content.decode()
        vide = client.get(reverse("agents:detail", args=[agent.id]), {"jour": "2026-03-01"}).content.decode()

    # UN_REFUS: 2 visites → 4 × 2/8 = 1.00; results 6 × 2/5 = 2.40 (rate 0.40); total 3.40.
    assert "Score du 03/03/2026" in page
    assert 'id="score-moment">3,40<' in page
    assert "2 visites" in page and "1,00</strong> / 4" in page and "2,40</strong> / 6" in page
    assert "taux 0,40" in page
    assert "Pas de mission aujourd" not in page
    # A day without mission nor action: said so, not « aujourd'hui ».
    assert "Ni mission ni action ce jour-là" in vide and "Pas de mission aujourd" not in vide
