"""The error pages in a real browser: French, the request id to quote, no sideways scroll."""
import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_page_introuvable_shows_the_request_id(onglet):
    response = onglet.aller("/dashboard/nulle-part/")

    assert response.status == 404
    texte = onglet.page.inner_text("main")
    assert "Page introuvable" in texte
    assert response.headers["x-request-id"] in texte
    onglet.capturer("erreur-404")
    assert onglet.erreurs_console == [] or all("404" in e for e in onglet.erreurs_console)


def test_acces_refuse_for_a_login_without_role(onglet):
    UserFactory(username="sans-role@akig.local")
    onglet.connecter("sans-role@akig.local")

    response = onglet.aller("/")

    assert response.status == 403
    assert "Accès refusé" in onglet.page.inner_text("main")
    onglet.capturer("erreur-403")
    # A login without a role can leave for another account.
    onglet.page.click("text=Se déconnecter")
    assert onglet.page.url.endswith("/connexion/")


def test_erreur_serveur_page(onglet, settings):
    settings.ROOT_URLCONF = "tests.urls_ops"

    response = onglet.aller("/test/panne/")

    assert response.status == 500
    texte = onglet.page.inner_text("main")
    assert "Erreur du serveur" in texte and response.headers["x-request-id"] in texte
    onglet.capturer("erreur-500")


@pytest.mark.postgresql
def test_delai_depasse_page(onglet, settings):
    settings.ROOT_URLCONF = "tests.urls_ops"
    settings.AKIG_WEB_STATEMENT_TIMEOUT_MS = 300

    response = onglet.aller("/test/lente/")

    assert response.status == 503
    texte = onglet.page.inner_text("main")
    assert "Délai dépassé" in texte and response.headers["x-request-id"] in texte
    onglet.capturer("erreur-delai")
