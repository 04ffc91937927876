"""An htmx swap after the session expired (HtmxConnexionMiddleware): the whole window goes to the
login page, back to the page the user was on; never the login page swapped into a table. A 403
reloads the page (the French « Accès refusé »); the API keeps its JSON."""
import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import AgentFactory, EquipeFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def chef():
    """A team lead with one agent, AG001 of team Nord."""
    cache.clear()  # the agents' list is cached per login
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    AgentFactory(code="AG001", nom="Lucas David", equipe=EquipeFactory(code="NORD", nom="Équipe Nord", chef=chef))
    yield chef
    cache.clear()


@pytest.fixture
def agent(chef):
    return chef.equipes_dirigees.get().agents.get()


def _swaps(agent):
    """(the htmx request, the page it swaps into, its `next` once encoded): the list's sort link,
    a page of the analysis, the agent page's trail (day arrows) and the site suggestions."""
    detail = reverse("agents:detail", args=[agent.id])
    return [
        ("/agents/?tri=visites", {}, "/agents/?equipe=NORD", "/agents/%3Fequipe%3DNORD"),
        ("/dashboard/impayes?filter=retard:60+&page=2", {}, "/dashboard/impayes?filter=retard:60+",
         "/dashboard/impayes%3Ffilter%3Dretard%3A60%2B"),
        (f"{detail}?jour=2026-03-09", {"HTTP_HX_TARGET": "trajet"}, f"{detail}?jour=2026-03-10",
         f"{detail}%3Fjour%3D2026-03-10"),
        ("/dashboard/sites/choix", {"HTTP_HX_TARGET": "choix-sites"}, "/dashboard/impayes",
         "/dashboard/impayes"),
    ]


def _redirige_vers_la_connexion(reponse, suivant: str):
    assert reponse.status_code == 200
    assert reponse["HX-Redirect"] == f"/connexion/?next={suivant}"
    assert "Location" not in reponse
    assert reponse.content == b""  # nothing to swap: no login form in the table
    assert "HX-Request" in reponse["Vary"]


def test_htmx_anonymous_swap_sends_the_window_to_login_back_to_the_page_it_was_on(client, agent):
    for url, entetes, page, suivant in _swaps(agent):
        reponse = client.get(url, **HTMX, **entetes, HTTP_HX_CURRENT_URL=f"http://testserver{page}")
        _redirige_vers_la_connexion(reponse, suivant)


def test_htmx_anonymous_swap_without_current_url_comes_back_to_the_request_s_own_url(client, agent):
    detail = reverse("agents:detail", args=[agent.id])
    for url, entetes, suivant in [
        ("/agents/?tri=visites", {}, "/agents/%3Ftri%3Dvisites"),
        ("/dashboard/impayes?filter=retard:60+", {}, "/dashboard/impayes%3Ffilter%3Dretard%3A60%2B"),
        (f"{detail}?jour=2026-03-09", {"HTTP_HX_TARGET": "trajet"}, f"{detail}%3Fjour%3D2026-03-09"),
    ]:
        _redirige_vers_la_connexion(client.get(url, **HTMX, **entetes), suivant)


def test_htmx_current_url_helps_only_when_it_is_this_site_s_page(client):
    """Another host, another scheme or port, or a path naming another host (`//evil…`, which
    the login page would follow): the request's own URL instead (no open redirect)."""
    for courante in [
        "https://evil.example/agents/?equipe=NORD",  # another host
        "https://testserver/agents/?equipe=NORD",  # the test client's request is http
        "http://testserver:8000/agents/?equipe=NORD",  # another port
        "http://testserver//evil.example/agents/",  # same origin, the path a host
        "http://testserver/\\evil.example/agents/",
        "javascript:alert(1)",
        "/agents/?equipe=NORD",  # not absolute: htmx always sends the whole URL
    ]:
        reponse = client.get("/agents/?tri=visites", **HTMX, HTTP_HX_CURRENT_URL=courante)
        _redirige_vers_la_connexion(reponse, "/agents/%3Ftri%3Dvisites")
    # The same page on this site's origin is used.
    reponse = client.get("/agents/?tri=visites", **HTMX, HTTP_HX_CURRENT_URL="http://testserver/agents/?equipe=NORD")
    _redirige_vers_la_connexion(reponse, "/agents/%3Fequipe%3DNORD")


def test_htmx_auto_encoded_current_url_is_read_decoded(client):
    reponse = client.get("/agents/", **HTMX, HTTP_HX_CURRENT_URL="http%3A%2F%2Ftestserver%2Fagents%2F%3Ftri%3Dscore",
                         HTTP_HX_CURRENT_URL_URI_AUTOENCODED="true")
    _redirige_vers_la_connexion(reponse, "/agents/%3Ftri%3Dscore")


def test_anonymous_without_htmx_or_on_a_history_restore_gets_the_usual_302(client):
    for entetes in [{}, {**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}, {"HTTP_HX_REQUEST": "false"}]:
        reponse = client.get("/agents/?tri=visites", **entetes, HTTP_HX_CURRENT_URL="http://testserver/agents/")
        assert reponse.status_code == 302, entetes
        assert reponse["Location"] == "/connexion/?next=/agents/%3Ftri%3Dvisites"
        assert "HX-Redirect" not in reponse
        assert "HX-Request" in reponse["Vary"]  # no cache serves it to an htmx swap


def test_logged_in_htmx_swap_is_unchanged(client, chef, agent):
    client.force_login(chef)

    liste = client.get("/agents/?tri=visites", **HTMX, HTTP_HX_CURRENT_URL="http://testserver/agents/")
    trajet = client.get(reverse("agents:detail", args=[agent.id]), **HTMX, HTTP_HX_TARGET="trajet")

    assert liste.status_code == 200 and "HX-Redirect" not in liste
    assert [t.name for t in liste.templates][0] == "agents/partials/_tableau.html"
    assert "Lucas David" in liste.content.decode() and "<html" not in liste.content.decode()
    assert trajet.status_code == 200 and "HX-Redirect" not in trajet
    assert 'id="veille"' in trajet.content.decode() and "<html" not in trajet.content.decode()


def test_other_redirects_of_an_htmx_request_are_left_alone(client):
    """Only login_required's redirect to LOGIN_URL: the home page's redirect of a director, the
    admin's own login page stay 302s."""
    client.force_login(UserFactory(groups=["Direction"]))
    accueil = client.get("/", **HTMX)
    client.logout()
    admin = client.get("/admin/", **HTMX)

    assert accueil.status_code == 302 and accueil["Location"] == "/dashboard/"
    assert admin.status_code == 302 and admin["Location"].startswith("/admin/login/")
    assert "HX-Redirect" not in accueil and "HX-Redirect" not in admin


def test_htmx_403_reloads_the_page_instead_of_swapping_the_error_page(client):
    """A login without a role (or a role taken away while the list refreshes): an empty 403 with
    HX-Refresh, the page reloads as « Accès refusé »; without htmx or on a history restore, that page."""
    client.force_login(UserFactory(username="sans-role@akig.local"))

    swap = client.get("/agents/?tri=visites", **HTMX)
    page = client.get("/agents/?tri=visites")
    restauree = client.get("/agents/?tri=visites", **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")

    assert swap.status_code == 403 and swap["HX-Refresh"] == "true" and swap.content == b""
    assert "HX-Request" in swap["Vary"]
    for reponse in (page, restauree):
        assert reponse.status_code == 403 and "HX-Refresh" not in reponse
        assert "Accès refusé" in reponse.content.decode()
    directeur_seulement = client.get("/dashboard/impayes", **HTMX)
    assert directeur_seulement.status_code == 403 and directeur_seulement["HX-Refresh"] == "true"


def test_api_answers_as_before_to_htmx_requests(client):
    """/api/ is left alone: its JSON 401/403, and its docs page's usual login redirect."""
    anonyme = client.get("/api/dashboard/resume", **HTMX)
    docs = client.get("/api/terrain/docs", **HTMX)
    client.force_login(UserFactory())
    sans_role = client.get("/api/dashboard/resume", **HTMX)

    assert anonyme.status_code == 401 and "HX-Redirect" not in anonyme
    assert anonyme.json()["erreur"] == "Authentification requise : session de la direction ou jeton d'exploitation."
    assert docs.status_code == 302 and docs["Location"] == "/connexion/?next=/api/terrain/docs"
    assert "HX-Redirect" not in docs
    assert sans_role.status_code == 403 and "HX-Refresh" not in sans_role
    assert sans_role.json()["erreur"] == "Réservé à la direction."
