"""Hostile query strings and form fields: a French 400 naming the parameter or the field, never a 500."""
import pytest
from django.test import Client

from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def direction():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="pdg@akig.local", groups=["Direction"]))
    return client


@pytest.mark.parametrize("chemin, parametre", [
    ("/dashboard/impayes?site=%00", "site"),
    ("/dashboard/impayes?equipe=%00", "equipe"),
    ("/dashboard/impayes?site=S%1B%5B2J", "site"),
    ("/dashboard/impayes.csv?site=%00", "site"),
    ("/agents/?equipe=%00", "equipe"),
    ("/escalations/?regle=%00", "regle"),
    ("/escalations/?etat=%00", "etat"),
    ("/dashboard/impayes?tranches=999999", "tranches"),
    ("/dashboard/impayes?tranches=30,3651", "tranches"),
    ("/dashboard/impayes?filter=site:%00", "filter"),
    ("/agents/{agent}/?jour=0001-01-01&debut=00:00", "Jour"),
    ("/agents/{agent}/?jour=1999-12-31", "Jour"),
    ("/agents/{agent}/trajet.csv?jour=0001-01-01&debut=00:00", "jour"),
    ("/dashboard/impayes?%00=1", "\ufffd"),
])
def test_hostile_query_string_is_a_french_400_naming_the_parameter(direction, chemin, parametre):
    agent = AgentFactory()

    reponse = direction.get(chemin.format(agent=agent.id))

    assert reponse.status_code == 400, chemin
    texte = reponse.content.decode()
    if parametre == "Jour":  # the page itself, its field labelled and its error beside it
        assert 'aria-describedby="id_jour_error"' in texte and "hors des bornes (du 01/01/2000 au" in texte
    else:
        assert f"Paramètre « {parametre} »" in texte, texte[:3000]


@pytest.mark.parametrize("chemin", [
    "/dashboard/impayes?tranches=3650", "/dashboard/impayes?retard=60", "/agents/{agent}/?jour=2000-01-01&debut=00:00",
])
def test_bounds_themselves_are_accepted(direction, chemin):
    agent = AgentFactory()
    assert direction.get(chemin.format(agent=agent.id)).status_code == 200
