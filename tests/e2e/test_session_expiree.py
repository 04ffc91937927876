"""A session that ends while the agents' list is open: the next htmx swap takes the whole window
to the login page (HtmxConnexionMiddleware), which brings the user back to the list as it was."""
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.factories import AgentFactory, EquipeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_sort_after_the_session_expired_goes_to_login_and_back_to_the_list(onglet):
    cache.clear()  # the list's rows are cached per login
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    equipe = EquipeFactory(nom="Équipe Nord", chef=chef)
    AgentFactory(code="AG001", nom="Lucas David", equipe=equipe)
    AgentFactory(code="AG002", nom="Awa Diallo", equipe=equipe)
    page = onglet.page
    onglet.connecter("chef@akig.local")
    assert page.url == f"{onglet.base_url}/agents/"

    # Logged in, a sort is an htmx swap of the table and a pushed URL.
    page.click("#tableau thead a:has-text('Score du moment')")
    page.wait_for_url("**tri=score**")
    liste = page.url.removeprefix(onglet.base_url)
    assert liste == "/agents/?equipe=&tri=score"
    # The session ends (cookie gone: expired, or logged out in another tab).
    page.context.clear_cookies(name=settings.SESSION_COOKIE_NAME)

    # The next sort: the whole window goes to the login page, `next` the page the user was on.
    page.click("#tableau thead a:has-text('Recouvré')")
    page.wait_for_url("**/connexion/**")
    assert page.url == f"{onglet.base_url}/connexion/?next={quote(liste, safe='/')}"
    onglet.attendre("() => document.querySelector('input[name=username]') !== null")
    assert page.locator("#tableau").count() == 0, "the login page is the page, not the table's content"

    # Logging in again brings the list back as it was.
    page.fill("input[name=username]", "chef@akig.local")
    page.fill("input[name=password]", "motdepasse-test")
    page.click("button[type=submit]")
    page.wait_for_url(f"**{liste}")
    assert page.locator("table.agents tbody tr").count() == 2
    assert onglet.erreurs_console == []
