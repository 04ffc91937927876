"""The login page in a real browser: a director logs in and lands on their home."""
import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_connexion_director_lands_on_home(onglet):
    UserFactory(username="pdg@akig.local", groups=["Direction"])

    onglet.connecter("pdg@akig.local")

    assert onglet.page.locator("header .qui").inner_text() == "pdg@akig.local"
    assert onglet.erreurs_console == []
