"""The selectors feeding agents/trajets.py: one agent's window of positions, the day's missions,
the day's actions with their places."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.selectors import actions_detaillees, missions_du_jour, scores_du_moment, trajet
from agents.trajets import MissionPlanifiee, Point
from tests.factories import ActionFactory, AgentFactory, LocataireFactory, MissionFactory, PositionFactory, SiteFactory

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
JOUR = datetime.date(2026, 3, 10)


def a(heure, minute=0, jour=JOUR):
    return datetime.datetime.combine(jour, datetime.time(heure, minute), tzinfo=PARIS)


def test_trajet_returns_only_that_agent_and_window_oldest_first(django_assert_num_queries):
    agent, autre = AgentFactory.create_batch(2)
    for moment in (a(7, 59), a(8), a(9, 30), a(12)):  # 12:00 is the window's excluded end
        PositionFactory(agent=agent, timestamp=moment, latitude=48.85, longitude=2.35, precision_m=4)
    PositionFactory(agent=autre, timestamp=a(9))

    with django_assert_num_queries(1):
        points = trajet(agent_id=agent.id, debut=a(8), fin=a(12))

    assert points == [Point(a(8), 48.85, 2.35, 4.0), Point(a(9, 30), 48.85, 2.35, 4.0)]


def test_missions_du_jour_gives_sites_and_aware_windows():
    agent = AgentFactory()
    site = SiteFactory(code="S9", nom="Les Tilleuls", latitude=48.86, longitude=2.36)
    MissionFactory(agent=agent, site=site, reference="M2", date_prevue=JOUR,
                   heure_debut=datetime.time(14), heure_fin=datetime.time(15, 30))
    MissionFactory(agent=agent, site=site, reference="M1", date_prevue=JOUR,
                   heure_debut=datetime.time(9), heure_fin=datetime.time(10))
    MissionFactory(agent=agent, site=site, date_prevue=JOUR + datetime.timedelta(days=1))

    missions = missions_du_jour(agent_id=agent.id, jour=JOUR)

    assert missions == [
        MissionPlanifiee("M1", "S9", "Les Tilleuls", 48.86, 2.36, a(9), a(10), "planifiee"),
        MissionPlanifiee("M2", "S9", "Les Tilleuls", 48.86, 2.36, a(14), a(15, 30), "planifiee"),
    ]
    # 09:00 in Paris in winter is 08:00 UTC.
    assert missions[0].debut.astimezone(datetime.timezone.utc).hour == 8


def test_actions_detaillees_marks_actions_that_did_not_happen(django_assert_num_queries):
    agent = AgentFactory()
    locataire = LocataireFactory(site=SiteFactory(latitude=48.8, longitude=2.3))
    ActionFactory(agent=agent, locataire=locataire, reference="X1", date_action=a(9), statut="fait",
                  montant_recouvre=Decimal("50.00"), latitude=48.81, longitude=2.31)
    ActionFactory(agent=agent, locataire=locataire, reference="X2", date_action=a(10), statut=" Annulée ")
    ActionFactory(agent=agent, locataire=locataire, date_action=a(10) - datetime.timedelta(days=1))

    with django_assert_num_queries(1):
        actions = actions_detaillees(agent_id=agent.id, jour=JOUR)

    assert [(x["reference"], x["statut"], x["comptee"], x["site_latitude"]) for x in actions] == [
        ("X1", "fait", True, 48.8), ("X2", "Annulée", False, 48.8),
    ]


def test_scores_du_moment_runs_two_queries_whatever_the_number_of_agents(django_assert_num_queries):
    for _ in range(5):
        agent = AgentFactory()
        MissionFactory(agent=agent, date_prevue=JOUR)
        ActionFactory(agent=agent, date_action=a(9, 30))

    with django_assert_num_queries(2):
        scores = scores_du_moment(maintenant=a(10))

    assert len(scores) == 5
