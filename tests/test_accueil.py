"""The home page: login required; Direction sees the critical debts and every agent,
a team lead only the agents of the teams they lead; anyone else is refused."""
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


def test_accueil_team_lead_is_sent_to_the_agents_page(client, deux_equipes):
    # What a team lead sees there (own teams only) is tested in tests/test_agents_pages.py.
    chef_nord, _ = deux_equipes
    client.force_login(chef_nord)

    response = client.get(URL)

    assert (response.status_code, response["Location"]) == (302, reverse("agents:liste"))


def test_accueil_direction_sees_critical_debts_and_every_agent(client, deux_equipes):
    # Given: on site S1, 61 days late 500.00 € and 75 days late 800.00 − 479.50 paid;
    # on S2, exactly 60 days late (not critical) and 90 days late 1 000.00 €.
    s1, s2 = SiteFactory(code="S1", nom="Les Vergers"), SiteFactory(code="S2", nom="Marcadet")
    l1, l2 = LocataireFactory(site=s1), LocataireFactory(site=s2)
    ImpayeFactory(locataire=l1, retard=61, montant_du=Decimal("500.00"))
    ImpayeFactory(locataire=l1, retard=75, montant_du=Decimal("800.00"), montant_paye=Decimal("479.50"))
    ImpayeFactory(locataire=l2, retard=60, montant_du=Decimal("700.00"))
    ImpayeFactory(locataire=l2, retard=90, montant_du=Decimal("1000.00"))
    client.force_login(UserFactory(groups=["Direction"]))

    response = client.get(URL)

    # Then: 3 critical debts, 500 + 320.50 + 1 000 = 1 820.50 €; S2 (1 000) before S1 (820.50).
    assert response.context["resume"]["nb_impayes"] == 3
    assert response.context["resume"]["total_montant"] == Decimal("1820.50")
    assert [(l["site"].code, l["nb"], l["montant"]) for l in response.context["sites"]] == [
        ("S2", 1, Decimal("1000.00")),
        ("S1", 2, Decimal("820.50")),
    ]
    body = response.content.decode()
    assert "1\u00a0820,50\u00a0€" in body and ">820,50\u00a0€<" in body
    assert "seuil d'alerte" not in body, "3 is under the runbook's 50"
    assert [a.code for a in response.context["agents"]] == ["AG001", "AG005"]


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
