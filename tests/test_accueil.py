"""The home page: login required; Direction is sent to its dashboard, a team lead sees
only the agents of the teams they lead; anyone else is refused."""
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    LocataireFactory,
    PerformanceFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = reverse("accueil")


@pytest.fixture
def deux_equipes():
    chef_nord = UserFactory(username="chef.nord@akig.local", groups=["Chef d'équipe"])
    chef_sud = UserFactory(username="chef.sud@akig.local", groups=["Chef d'équipe"])
    nord = EquipeFactory(nom="Équipe Nord", chef=chef_nord)
    sud = EquipeFactory(nom="Équipe Sud", chef=chef_sud)
    hier = timezone.localdate() - datetime.timedelta(days=1)
    a1 = AgentFactory(code="AG001", nom="Lucas David", equipe=nord)
    PerformanceFactory(agent=a1, date_stat=hier, score=Decimal("4.25"), visites=6)
    AgentFactory(code="AG005", nom="Emma Leroy", equipe=sud)
    return chef_nord, chef_sud


def test_accueil_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_accueil_refuses_a_login_without_role(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403


def test_accueil_team_lead_sees_only_own_team(client, deux_equipes, django_assert_num_queries):
    chef_nord, _ = deux_equipes
    client.force_login(chef_nord)

    with django_assert_num_queries(4):  # session, user, groups, agents
        response = client.get(URL)

    assert response.status_code == 200
    assert [a.code for a in response.context["agents"]] == ["AG001"]
    body = response.content.decode()
    assert "Lucas David" in body and "Emma Leroy" not in body
    assert "4,25" in body  # yesterday's score, French decimals
    assert "Impayés de plus de" not in body, "debt figures are for Direction"


def test_accueil_other_team_lead_does_not_see_the_first_team(client, deux_equipes):
    _, chef_sud = deux_equipes
    client.force_login(chef_sud)
    assert [a.code for a in client.get(URL).context["agents"]] == ["AG005"]


def test_accueil_direction_goes_to_the_dashboard(client, deux_equipes):
    client.force_login(UserFactory(groups=["Direction"]))

    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:accueil")


def test_login_page_rejects_a_wrong_password_in_french(client):
    UserFactory(username="direction", groups=["Direction"])
    response = client.post(reverse("login"), {"username": "direction", "password": "faux"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()


def test_direction_can_read_the_admin_tables(client):
    user = UserFactory(groups=["Direction"], is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:recovery_impaye_changelist")).status_code == 200
    assert client.get(reverse("admin:agents_agentgeolocalisation_changelist")).status_code == 200
    assert not user.has_perm("recovery.change_impaye"), "Direction reads, the import writes"


def test_accueil_query_count_does_not_grow_with_agents(client, deux_equipes, django_assert_num_queries):
    chef_nord, _ = deux_equipes
    equipe = chef_nord.equipes_dirigees.get()
    for agent in AgentFactory.create_batch(30, equipe=equipe):
        PerformanceFactory(agent=agent, date_stat=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(chef_nord)

    with django_assert_num_queries(4):  # session, user, groups, agents
        response = client.get(URL)

    assert len(response.context["agents"]) == 31


def test_accueil_team_lead_of_two_teams_sees_both(client, deux_equipes):
    chef_nord, _ = deux_equipes
    AgentFactory(code="AG009", equipe=EquipeFactory(nom="Équipe Est", chef=chef_nord))
    client.force_login(chef_nord)
    assert [a.code for a in client.get(URL).context["agents"]] == ["AG001", "AG009"]
