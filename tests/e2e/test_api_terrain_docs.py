"""The field API's documentation page in headless Chromium: Swagger UI from our static files,
nothing fetched from outside, the API's own texts in French."""
import pytest

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_docs_page_draws_the_french_description_with_nothing_from_outside(onglet):
    UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    bloquees = onglet.bloquer_l_exterieur()
    page = onglet.page
    onglet.connecter("chef@akig.local")

    onglet.aller("/api/terrain/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    page.click("text=Envoyer des positions GPS")
    page.wait_for_selector("text=Corps de requête trop gros : envoyez des lots plus petits.")

    assert page.title() == "Documentation — AKIG Ops — API terrain"
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("AKIG Ops — API terrain")
    assert "Enregistre les positions de l'agent du jeton." in page.locator(".swagger-ui").inner_text()
    onglet.capturer("api-terrain-docs")

    assert bloquees == [], "no request leaves the intranet"
    assert onglet.erreurs_console == []
