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


def test_accueil_without_role_explains_and_does_not_link_back_to_itself(client):
    client.force_login(UserFactory())

    html = client.get(URL).content.decode()

    assert "aucun rôle dans AKIG Ops" in html
    assert "Revenir à l’accueil" not in html, "the home link would 403 again: a loop"
    assert 'action="/deconnexion/"' in html


def test_accueil_team_lead_is_sent_to_the_agents_page(client, deux_equipes):
    # What a team lead sees there (own teams only) is tested in tests/test_agents_pages.py.
    chef_nord, _ = deux_equipes
    client.force_login(chef_nord)

    response = client.get(URL)

    assert (response.status_code, response["Location"]) == (302, reverse("agents:liste"))


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
