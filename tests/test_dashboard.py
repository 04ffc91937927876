"""The directors' dashboard pages and exports: access, figures by hand, filters, sorting,
pagination, htmx partials, CSV content and bounded query counts."""
import datetime
import html
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from akig_ops.lib.cache_donnees import cle_du_jour, donnees_modifiees
from akig_ops.templatetags.akig import montant
from dashboard.filtres import Criteres
from recovery.models import Impaye, InstantaneSite
from tests.factories import (
    ActionFactory,
    agent_au_travail,
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    SiteFactory,
    UserFactory,
)
from tests.parc_impayes import parc  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
RUNBOOK = "/dashboard/impayes?filter=retard:60+"


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def direction(client):
    client.force_login(UserFactory(username="pdg@akig.local", groups=["Direction"]))
    return client


def _pages(parc):
    site, locataire = parc["B"].pk, parc["b1"].pk
    return [
        reverse("dashboard:accueil"), reverse("dashboard:impayes"), RUNBOOK, reverse("dashboard:impayes_csv"),
        reverse("dashboard:site", args=[site]), reverse("dashboard:site_csv", args=[site]),
        reverse("dashboard:locataire", args=[locataire]), reverse("dashboard:contentieux"),
        reverse("dashboard:contentieux_csv"),
    ]


def test_dashboard_anonymous_is_sent_to_login(client, parc):
    for url in _pages(parc):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{reverse('login')}?next="), url


def test_dashboard_team_lead_and_outsider_get_403(client, parc):
    for user in (UserFactory(groups=["Chef d'équipe"]), UserFactory()):
        client.force_login(user)
        for url in _pages(parc):
            assert client.get(url).status_code == 403, url


def test_dashboard_director_opens_every_page(direction, parc):
    for url in _pages(parc):
        assert direction.get(url).status_code == 200, url


def test_root_sends_directors_to_the_dashboard_and_keeps_team_leads(client):
    client.force_login(UserFactory(groups=["Direction"]))
    assert client.get("/")["Location"] == reverse("dashboard:accueil")
    client.force_login(UserFactory(groups=["Chef d'équipe"]))
    response = client.get("/", follow=True)  # team leads land on their agents
    assert response.redirect_chain == [(reverse("agents:liste"), 302)]
    assert "Mes équipes" in response.content.decode()


def test_accueil_headline_figures_and_chart_data(direction, parc):
    response = direction.get(reverse("dashboard:accueil"))

    resume = response.context["resume"]
    # 9 debts: A 400 + 300 + 700 + 1 000 + 2 000 = 4 400; B 10 000,01 + 6 000 + 4 000; C 800.
    # Total 25 200,01; over 60 days: A 2 (3 000), B 2 (14 000,01) = 4 debts, 17 000,01, 2 sites;
    # only b1 (10 000,01) is strictly above 10 000 (b2 owes exactly 10 000,00).
    assert (resume["nb_impayes"], resume["total_restant_du"]) == (9, Decimal("25200.01"))
    assert (resume["nb_critiques"], resume["montant_critiques"], resume["nb_sites_critiques"]) == (
        4, Decimal("17000.01"), 2)
    assert resume["nb_locataires_contentieux"] == 1
    body = response.content.decode()
    assert "25\u00a0200,01\u00a0€" in body and "17\u00a0000,01\u00a0€" in body
    # The biggest number is the money; beside it the instalments (a1 ×2, b1, b2) and the
    # 3 tenants (a1, b1, b2) they belong to; the rule's threshold (50 by default).
    assert resume["nb_locataires_critiques"] == 3
    carte = body[body.index('id="carte-critiques"'):]
    carte = carte[:carte.index("</a>")]
    assert '<span class="grand montant">17 000,01 €</span>' in carte
    assert "4 échéances impayées · 3 locataires" in carte
    assert "sous le seuil d'alerte (plus de 50 échéances)" in carte
    vieillissement = response.context["vieillissement"]
    assert vieillissement["sites"] == ["B", "A"]
    # Site bars are named; the bottom part is past 60 days, the top the rest of the site's
    # debts: B 2 + 1 = its 3, A 2 + 3 = its 5.
    assert vieillissement["noms"] == ["B — Résidence B", "A — Résidence A"]
    assert (vieillissement["au_dela"]["nb"], vieillissement["en_deca"]["nb"]) == ([2, 2], [1, 3])
    assert vieillissement["au_dela"]["montant"] == [Decimal("14000.01"), Decimal("3000.00")]
    assert response.context["seuils_graphiques"] == {"site": 10, "global": 50, "retard": 60, "retard_site": 60}
    assert 'id="donnees-vieillissement"' in body and "plotly-basic-4.1.1.min.js" in body
    # The chart's text alternative: the same figures in a table, one row per bar.
    tableau = body[body.index('<details class="donnees-graphique">'):]
    tableau = tableau[:tableau.index("</details>")]
    lignes = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', tableau)
    assert [nom for nom, _ in lignes] == ["B — Résidence B", "A — Résidence A"]
    assert re.findall(r'<td class="n[^"]*">(.*?)</td>', lignes[0][1]) == [
        "2", "14\u00a0000,01\u00a0€", "1", montant(vieillissement["en_deca"]["montant"][0])]
    assert re.findall(r'<td class="n[^"]*">(.*?)</td>', lignes[1][1])[:3] == ["2", "3\u00a0000,00\u00a0€", "3"]


def test_accueil_runs_a_bounded_number_of_queries_then_is_cached(direction, parc, django_assert_num_queries):
    # user, groups (the session comes from the cache); the rules' thresholds; the debts by site and bucket (one pass:
    # the headline figures and the ageing chart), tenants past the delay, tenants over
    # 10 000, today's missions (the agents under the score threshold), site names, trend
    # (snapshots), recovered per week; the ladder's steps and its tenants per step and site, the debts paused (one
    # query for both kinds of pause).
    with django_assert_num_queries(13):
        direction.get(reverse("dashboard:accueil"))
    for i in range(40):  # more sites and debts: the same count
        ImpayeFactory(locataire=LocataireFactory(site=SiteFactory()), retard=70 + i)
    # Working agents: one more query, today's actions, whatever their number.
    for _ in range(3):
        agent_au_travail(jour=timezone.localdate())
    cache.clear()  # the session is read from the database again: one more
    with django_assert_num_queries(15):
        direction.get(reverse("dashboard:accueil"))
    with django_assert_num_queries(2):  # cached: user, groups
        direction.get(reverse("dashboard:accueil"))


def test_accueil_content_drawn_once_until_the_data_change(direction, parc):
    url = reverse("dashboard:accueil")
    partiel = "dashboard/partials/_accueil.html"
    premiere = direction.get(url)
    assert partiel in [t.name for t in premiere.templates]
    assert "25\u00a0200,01\u00a0€" in premiere.content.decode()
    # A debt added behind the services' back: the cached content (same generation) still
    # shows the old total, and draws nothing.
    ImpayeFactory(locataire=LocataireFactory(site=parc["C"]), montant_du=Decimal("99.99"), retard=5)
    seconde = direction.get(url)
    assert partiel not in [t.name for t in seconde.templates]
    assert "25\u00a0200,01\u00a0€" in seconde.content.decode()
    # The data changed (an import, a task, the field API): drawn again, 25 200,01 + 99,99.
    donnees_modifiees()
    troisieme = direction.get(url)
    assert partiel in [t.name for t in troisieme.templates]
    body = troisieme.content.decode()
    assert "25\u00a0300,00\u00a0€" in body and "25\u00a0200,01\u00a0€" not in body


def test_accueil_cached_content_is_shared_by_directors_not_their_names_nor_other_roles(direction, parc, client):
    # The content is cached, the frame (the login's name, the menu) is drawn for each visit.
    premiere = direction.get(reverse("dashboard:accueil"))
    assert "pdg@akig.local" in premiere.content.decode()
    client.force_login(UserFactory(username="dg@akig.local", groups=["Direction"]))
    seconde = client.get(reverse("dashboard:accueil"))
    assert "dashboard/partials/_accueil.html" not in [t.name for t in seconde.templates]  # from the cache
    body = seconde.content.decode()
    assert "dg@akig.local" in body and "pdg@akig.local" not in body and "25\u00a0200,01\u00a0€" in body
    client.force_login(UserFactory(username="chef-x@akig.local", groups=["Chef d'équipe"]))
    assert client.get(reverse("dashboard:accueil")).status_code == 403
    client.logout()
    assert client.get(reverse("dashboard:accueil")).status_code == 302


def test_impayes_cached_detail_of_older_figures_is_not_shown_beside_newer_ones(direction, parc):
    # The analysis entry gone first (expired or evicted) while B's figures moved without a new
    # generation (b2's 181-day debt paid off): the page shows B's new figures and a detail made
    # from them (2 debts, 16 000,01 left), not the cached detail of the old row (3, 20 000,01).
    direction.get(RUNBOOK)
    Impaye.objects.filter(locataire=parc["b2"], montant_du=Decimal("4000.00")).delete()
    cle_analyse = cle_du_jour("dashboard.analyse_impayes", urlencode([("criteres", str(Criteres(retard_min=60)))]))
    assert cache.delete(cle_analyse)

    b = next(l for l in direction.get(RUNBOOK).context["page"] if l["code"] == "B")

    assert (b["nb"], b["montant"]) == (1, Decimal("10000.01"))
    assert (b["nb_total"], b["montant_total"]) == (2, Decimal("16000.01"))


def test_impayes_runbook_link_as_written(direction, parc):
    # `+` arrives as a space: the view gets "retard:60 ".
    response = direction.get(RUNBOOK)

    assert response.status_code == 200
    assert response.context["filtres"].retard_min == 60
    lignes = list(response.context["page"])
    assert [(l["code"], l["nb"], l["montant"]) for l in lignes] == [
        ("B", 2, Decimal("14000.01")), ("A", 2, Decimal("3000.00"))]
    body = response.content.decode()
    assert "2 sites avec des impayés de plus de 60 jours" in body
    assert "4 impayés, 17\u00a0000,01\u00a0€" in body
    assert "82,4&nbsp;%" in body


@pytest.mark.parametrize(("query", "codes"), [
    ("filter=retard:90%2B", ["B", "A"]),            # literal "+": A's 200-day debt, B's 95 and 181
    ("filter=retard:180+", ["B", "A"]),             # A 200 j, B 181 j
    ("filter=retard:190+", ["A"]),
    ("filter=retard:60+ site:A", ["A"]),
    ("filter=retard:60+&site=B", ["B"]),
    ("filter=retard:60+ sensibles", ["A"]),
    ("retard=60&sensibles=1", ["A"]),
    ("filter=retard:60+,montant:5000%2B", ["B"]),
    ("retard=60&montant=3 000,00", ["B", "A"]),    # at least 3 000,00 over 60 days: A has exactly 3 000
    ("retard=60&montant=3000.01", ["B"]),
])
def test_impayes_each_filter(direction, parc, query, codes):
    response = direction.get(f"/dashboard/impayes?{query}")
    assert response.status_code == 200, response.context["erreurs"]
    assert [l["code"] for l in response.context["page"]] == codes


@pytest.mark.parametrize(("query", "codes"), [
    ("site=B", ["B"]), ("site=b", ["B"]),                            # the code, case aside
    ("site=Résidence B", ["B"]), ("site=résidence  b", ["B"]),       # the name, case and spaces aside
    ("equipe=EQN", ["A"]), ("equipe=Équipe Nord", ["A"]), ("equipe=Nord", ["A"]),  # the only team « Nord »
])
def test_impayes_site_and_team_filters_take_a_code_or_a_name(direction, parc, query, codes):
    MissionFactory(agent=AgentFactory(equipe=EquipeFactory(code="EQN", nom="Équipe Nord")), site=parc["A"])
    MissionFactory(agent=AgentFactory(equipe=EquipeFactory(code="EQS", nom="Équipe Sud")), site=parc["B"])

    response = direction.get(f"/dashboard/impayes?retard=60&{query}")

    assert response.status_code == 200, response.context["erreurs"]
    assert [l["code"] for l in response.context["page"]] == codes


@pytest.mark.parametrize(("query", "message"), [
    ("site=ZZZ", "Filtre « site » : aucun site n'a le code ou le nom « ZZZ » ; choisissez-le dans la liste."),
    ("site=Résidence", "Filtre « site » : aucun site n'a le code ou le nom « Résidence » ;"),  # A, B and C: which?
    ("equipe=Nord", "Filtre « équipe » : aucune équipe n'a le code ou le nom « Nord » ; choisissez-la dans la liste."),
    ("equipe=Équipe", "Filtre « équipe » : aucune équipe n'a le code ou le nom « Équipe » ;"),  # Ouest and Sud
])
def test_impayes_a_site_or_team_that_names_nothing_gives_the_message_and_no_row(direction, parc, query, message):
    """Not the unfiltered table under the message: a reader would take it for the team's."""
    MissionFactory(agent=AgentFactory(equipe=EquipeFactory(code="EQO", nom="Équipe Ouest")), site=parc["A"])
    MissionFactory(agent=AgentFactory(equipe=EquipeFactory(code="EQS", nom="Équipe Sud")), site=parc["B"])

    response = direction.get(f"/dashboard/impayes?retard=60&{query}")

    assert response.status_code == 400
    corps = html.unescape(response.content.decode())
    assert message in corps
    assert list(response.context["page"]) == [] and "Aucun site ne correspond à ces filtres." in corps


def test_impayes_pickers_offer_the_sites_and_teams_by_name(direction, parc):
    EquipeFactory(code="EQS", nom="Équipe Sud")
    MissionFactory(agent=AgentFactory(equipe=EquipeFactory(code="EQN", nom="Équipe Nord")), site=parc["A"])

    corps = direction.get("/dashboard/impayes?retard=60&equipe=Nord").content.decode()
    suggestions = direction.get("/dashboard/sites/choix")

    # The site field fetches its suggestions when it first gets the focus: the page has none.
    assert ('<input id="f-site" name="site" value="" list="choix-sites" autocomplete="off" placeholder="Code ou nom"\n'
            '           hx-get="/dashboard/sites/choix" hx-trigger="focus once" hx-target="#choix-sites"') in corps
    assert '<datalist id="choix-sites"></datalist>' in corps and "Résidence B</option>" not in corps
    assert suggestions.content.decode().strip() == (
        '<datalist id="choix-sites"><option value="A">Résidence A</option><option value="B">Résidence B</option>'
        '<option value="C">Résidence C</option></datalist>')
    assert suggestions["Cache-Control"] == "private, no-cache"
    assert '<option value="EQN" selected>Équipe Nord</option>' in corps  # « Nord » resolved to its code
    assert '<option value="EQS">Équipe Sud</option>' in corps
    assert "(code)" not in corps


def test_impayes_team_filter_keeps_the_team_sites(direction, parc):
    equipe = EquipeFactory(code="EQN")
    MissionFactory(agent=AgentFactory(equipe=equipe), site=parc["A"])
    MissionFactory(site=parc["B"])  # another team's

    response = direction.get("/dashboard/impayes?filter=retard:60+ equipe:EQN")

    assert [l["code"] for l in response.context["page"]] == ["A"]


@pytest.mark.parametrize(("query", "message"), [
    ("filter=retard:abc", "Filtre « retard » : « abc » n'est pas un nombre de jours entre 0 et 3650"),
    ("filter=foo:1", "Filtre inconnu « foo:1 » : utilisez retard, site, equipe, sensibles ou montant"),
    ("filter=retard:60+&montant=beaucoup", "Filtre « montant » : « beaucoup » n'est pas un montant en euros"),
    ("filter=retard:60+&tri=motdepasse", "Paramètre « tri » : colonne inconnue « motdepasse »."),
    ("filter=retard:60+&page=x", "Paramètre « page » : « x » n'est pas un numéro de page."),
    ("filter=retard:60+&tranches=90,30", "Paramètre « tranches » : « 90,30 » doit être une liste croissante"),
])
def test_impayes_malformed_filter_shows_the_page_with_a_french_message(direction, parc, query, message):
    response = direction.get(f"/dashboard/impayes?{query}")

    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())
    # The rest of the page still shows, the bad filter at its default (retard > 60).
    assert [l["code"] for l in response.context["page"]] == ["B", "A"]


@pytest.mark.parametrize(("tri", "codes"), [
    ("code", ["A", "B"]), ("-code", ["B", "A"]), ("montant", ["A", "B"]), ("-retard_max", ["A", "B"]),
    ("retard_max", ["B", "A"]), ("-sensible", ["A", "B"]), ("part", ["A", "B"]), ("-t0", ["A", "B"]),
    ("-t3", ["B", "A"]), ("nb", ["A", "B"]),  # equal counts (2, 2): by code
])
def test_impayes_sorts_on_every_column(direction, parc, tri, codes):
    response = direction.get(f"{RUNBOOK}&tri={tri}")
    assert [l["code"] for l in response.context["page"]] == codes


def test_impayes_paginates_and_keeps_the_query_count(direction, django_assert_num_queries):
    for i in range(26):
        ImpayeFactory(locataire=LocataireFactory(site=SiteFactory(code=f"P{i:02d}")), retard=61,
                      montant_du=Decimal(1000 + i))
    # user, groups (the session comes from the cache); the rules (the default delay); the
    # by-site figures past the delay with the sites' names (one query), whether snapshots exist
    # 30 days ago (none here: no snapshot read); the page's buckets and agents; the paused debts;
    # the team picker (the sites' suggestions come apart, on focus). 26 sites, 25 shown: the same count.
    with django_assert_num_queries(9):
        response = direction.get(RUNBOOK)
    assert len(response.context["page"]) == 25 and response.context["page"].paginator.num_pages == 2
    page2 = direction.get(f"{RUNBOOK}&page=2")
    # Largest amount first: P25 (1 025) … P01 on page 1, P00 (1 000) alone on page 2.
    assert [l["code"] for l in page2.context["page"]] == ["P00"]
    assert "Page 2 sur 2" in page2.content.decode()


def test_impayes_analysis_is_cached_on_its_criteres_not_on_sort_nor_page(direction, parc, django_assert_num_queries):
    # First request: user, groups (the session comes from the cache); the rules (the default
    # delay); the by-site figures past the delay with the sites' names, whether snapshots exist
    # 30 days ago; the buckets and agents of the page's sites; the paused debts; the team picker.
    with django_assert_num_queries(9):
        direction.get(RUNBOOK)
    # Another sort of the same criteres: the analysis comes from the cache, and so does the
    # detail of the same rows (A and B) in another order; only the rule (the default delay) is
    # read (and the team picker drawn).
    with django_assert_num_queries(4):
        response = direction.get(f"{RUNBOOK}&tri=code")
    assert [(l["code"], l["nb"], l["montant"], l["nb_total"], l["montant_total"])
            for l in response.context["page"]] == [
        ("A", 2, Decimal("3000.00"), 5, Decimal("4400.00")), ("B", 2, Decimal("14000.01"), 3, Decimal("20000.01"))]
    with django_assert_num_queries(6):  # every row's buckets and agents, + its line in the audit log (an export)
        csv = b"".join(direction.get("/dashboard/impayes.csv?retard=60").streaming_content).decode()
    assert csv.splitlines()[1].startswith("B;Résidence B;non;2;14000,01;")
    with django_assert_num_queries(3):  # htmx's table: user, groups, the rule; no form so no picker
        direction.get(f"{RUNBOOK}&tri=-code", HTTP_HX_REQUEST="true")
    # A site filter: other criteres, so its analysis (the site, the figures, whether the
    # snapshots exist) and its rows' detail (the buckets, the agents) are read, after user,
    # groups and the rule.
    with django_assert_num_queries(8):
        response = direction.get(f"{RUNBOOK}&site=A", HTTP_HX_REQUEST="true")
    assert [(l["code"], l["nb_total"]) for l in response.context["page"]] == [("A", 5)]
    # Other criteres (retard over 90 days): computed anew, B's 95- and 181-day debts, A's 200-day one.
    with django_assert_num_queries(9):
        response = direction.get("/dashboard/impayes?filter=retard:90%2B")
    assert [(l["code"], l["nb"], l["montant"]) for l in response.context["page"]] == [
        ("B", 2, Decimal("14000.01")), ("A", 1, Decimal("2000.00"))]


def test_impayes_htmx_swaps_only_the_table(direction, parc):
    response = direction.get(f"{RUNBOOK}&tri=code", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert "<html" not in body and "<table" in body and "<form" not in body
    assert "HX-Request" in response["Vary"]
    # The sort links are real links and htmx requests that push the URL.
    assert 'href="/dashboard/impayes?retard=60&amp;tri=-code"' in body
    assert 'hx-push-url="true"' in body


def test_impayes_change_against_30_days_ago_and_agents(direction, parc):
    il_y_a_30_jours = timezone.localdate() - datetime.timedelta(days=30)
    # 30 days ago, B had 1 debt over 60 days in 61–90 (500,00) and 3 in > 180 (1 500,00).
    InstantaneSite.objects.create(site=parc["B"], jour=il_y_a_30_jours, nb_61_90=1, montant_61_90=Decimal("500.00"),
                                  nb_plus_180=3, montant_plus_180=Decimal("1500.00"), nb_0_30=9,
                                  montant_0_30=Decimal("9.00"))
    x, y = AgentFactory(code="AGX", nom="Agent X"), AgentFactory(code="AGY", nom="Agent Y")
    MissionFactory.create_batch(2, agent=x, site=parc["B"], status="non_complete")
    MissionFactory(agent=y, site=parc["B"], status="non_complete")
    MissionFactory(agent=y, site=parc["B"], status="complete")

    b, a = direction.get(RUNBOOK).context["page"]

    # B now 2 debts, 14 000,01 over 60 days: 2 − 4 = −2; 14 000,01 − 2 000,00 = +12 000,01.
    assert (b["variation_nb"], b["variation_montant"]) == (-2, Decimal("12000.01"))
    # A had no snapshot row that day: all of it is new.
    assert (a["variation_nb"], a["variation_montant"]) == (2, Decimal("3000.00"))
    assert [(ag["code"], ag["nb"]) for ag in b["agents"]] == [("AGX", 2), ("AGY", 1)]
    assert a["agents"] == []


def test_impayes_reads_the_agents_of_the_page_s_sites_only(direction, django_assert_num_queries):
    sites = [SiteFactory(code=f"P{i:02d}") for i in range(26)]
    for i, site in enumerate(sites):
        ImpayeFactory(locataire=LocataireFactory(site=site), retard=61, montant_du=Decimal(1000 + i))
    agent = AgentFactory(code="AGZ", nom="Agent Z")
    MissionFactory(agent=agent, site=sites[0], status="non_complete")  # P00: alone on page 2
    MissionFactory(agent=agent, site=sites[25], status="non_complete")
    with CaptureQueriesContext(connection) as requetes:
        page1 = direction.get(RUNBOOK).context["page"]
    [lecture] = [q["sql"] for q in requetes.captured_queries if '"missions"' in q["sql"]]
    demandes = {int(i) for i in re.search(r'"site_id" IN \(([^)]*)\)', lecture).group(1).split(",")}
    # The 25 sites of page 1 (P25 … P01), not the 26: P00 is on page 2.
    assert demandes == {site.pk for site in sites[1:]}
    assert [(l["code"], [ag["code"] for ag in l["agents"]]) for l in page1][:2] == [("P25", ["AGZ"]), ("P24", [])]
    [p00] = direction.get(f"{RUNBOOK}&page=2").context["page"]
    assert (p00["code"], [ag["code"] for ag in p00["agents"]]) == ("P00", ["AGZ"])
    # Sorted by number of agents: every site's agents are read, the two with one come first
    # (then by code), and the page still has 25 rows.
    par_agents = direction.get(f"{RUNBOOK}&tri=-agents").context["page"]
    assert [l["code"] for l in par_agents][:3] == ["P00", "P25", "P01"] and len(par_agents) == 25


def test_impayes_csv_exact_content(direction, parc):
    x, y = AgentFactory(code="AGX", nom="Agent X"), AgentFactory(code="AGY", nom="Agent Y")
    MissionFactory.create_batch(2, agent=x, site=parc["B"], status="non_complete")
    MissionFactory(agent=y, site=parc["B"], status="non_complete")

    response = direction.get(f"{RUNBOOK.replace('impayes', 'impayes.csv')}")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="impayes-par-site-retard-60.csv"'
    contenu = b"".join(response.streaming_content).decode("utf-8")
    assert contenu == (
        "\ufeffCode site;Site;Sensible;Impayés > 60 j;Reste dû > 60 j (€);Retard max (j);Part du total (%);"
        "Variation 30 j (impayés);Variation 30 j (€);Impayés 0–30 j;Reste dû 0–30 j (€);Impayés 31–60 j;"
        "Reste dû 31–60 j (€);Impayés 61–90 j;Reste dû 61–90 j (€);Impayés 91–180 j;Reste dû 91–180 j (€);"
        "Impayés > 180 j;Reste dû > 180 j (€);Agents (missions non terminées)\r\n"
        "B;Résidence B;non;2;14000,01;181;82,4;;;0;0,00;1;6000,00;0;0,00;1;10000,01;1;4000,00;"
        "AGX Agent X (2), AGY Agent Y (1)\r\n"
        "A;Résidence A;oui;2;3000,00;200;17,6;;;2;700,00;1;700,00;1;1000,00;0;0,00;1;2000,00;\r\n"
    )


def test_csv_neutralises_formulas(direction):
    for code, nom in (("F1", "=HYPERLINK(\"http://x\")"), ("F2", "+33 rue"), ("F3", "-Sud"), ("F4", "@SUM(A1)")):
        ImpayeFactory(locataire=LocataireFactory(site=SiteFactory(code=code, nom=nom)), retard=61)

    contenu = b"".join(direction.get("/dashboard/impayes.csv?retard=60&tri=code").streaming_content).decode()

    lignes = contenu.splitlines()[1:]
    assert [ligne.split(";")[1] for ligne in lignes] == [
        '"\'=HYPERLINK(""http://x"")"', "'+33 rue", "'-Sud", "'@SUM(A1)"]


def test_site_page_lists_its_tenants_escaped_with_last_action(direction, parc):
    ActionFactory(locataire=parc["b1"], type_action="promesse", agent=AgentFactory(nom="Agent Y"),
                  date_action=timezone.make_aware(datetime.datetime(2026, 11, 20, 14, 5)))

    response = direction.get(reverse("dashboard:site", args=[parc["B"].pk]))

    body = response.content.decode()
    assert [l["code"] for l in response.context["page"]] == ["b1", "b2"]
    assert "&lt;b&gt;Bé&lt;/b&gt;" in body and "<b>Bé</b>" not in body
    assert "20/11/2026 14:05 — Promesse" in body
    assert "10\u00a0000,01\u00a0€" in body and "95 jours" in body
    assert 'href="/dashboard/impayes">' in body  # breadcrumbs back up (the rule's delay by default)


def _codes(reponse) -> list[str]:
    """The tenants' codes of a tenants' table, in the order the page shows them."""
    return re.findall(r'<td><a href="[^"]+"><strong>([^<]+)</strong>', reponse.content.decode())


def test_site_page_rows_are_cached_on_site_and_sort_until_data_change(direction, parc, django_assert_num_queries):
    url = reverse("dashboard:site", args=[parc["B"].pk])
    assert _codes(direction.get(url)) == ["b1", "b2"]
    ImpayeFactory(locataire=LocataireFactory(site=parc["B"], code="b3"), montant_du=Decimal("20000.00"), retard=70)

    # user, groups, the site: its table comes from the cache (and the session too)
    with django_assert_num_queries(3):
        assert _codes(direction.get(url)) == ["b1", "b2"]
    assert _codes(direction.get(url, {"tri": "code"})) == ["b1", "b2", "b3"]
    assert _codes(direction.get(url, HTTP_HX_REQUEST="true")) == ["b1", "b2"]  # the htmx swap: the same table
    donnees_modifiees()  # what an import or the field API calls
    assert _codes(direction.get(url)) == ["b3", "b1", "b2"]


def test_site_csv_exact_content(direction, parc):
    response = direction.get(reverse("dashboard:site_csv", args=[parc["B"].pk]))
    contenu = b"".join(response.streaming_content).decode()
    assert contenu == (
        "\ufeffCode locataire;Locataire;Téléphone;Code site;Site;Reste dû (€);Impayés;Retard max (j);"
        "Dernière action;Type de la dernière action;Agent\r\n"
        "b1;<b>Bé</b>;06 12 34 56 78;B;Résidence B;10000,01;1;95;;;\r\n"
        "b2;Locataire;;B;Résidence B;10000,00;2;181;;;\r\n".replace("Locataire;;", f"{parc['b2'].nom};;")
    )


def test_contentieux_lists_strictly_above_10000(direction, parc):
    response = direction.get(reverse("dashboard:contentieux"))

    # b1 10 000,01 is listed; b2 exactly 10 000,00 is not.
    assert [l["code"] for l in response.context["page"]] == ["b1"]
    contenu = b"".join(direction.get(reverse("dashboard:contentieux_csv")).streaming_content).decode()
    assert contenu.splitlines()[1:] == ["b1;<b>Bé</b>;06 12 34 56 78;B;Résidence B;10000,01;1;95;;;"]


def test_contentieux_refuses_an_unknown_sort_in_french(direction, parc):
    response = direction.get(reverse("dashboard:contentieux") + "?tri=x")
    assert response.status_code == 400
    assert "Paramètre « tri » : colonne inconnue « x »." in html.unescape(response.content.decode())


def test_locataire_page_every_debt_and_action(direction, parc):
    from tests.factories import ImpayeSoldeFactory

    b2 = parc["b2"]
    ImpayeSoldeFactory(locataire=b2, periode=datetime.date(2025, 1, 1), date_echeance=datetime.date(2025, 1, 5),
                       montant_du=Decimal("750.00"), solde_le=datetime.date(2025, 1, 4))
    ActionFactory(locataire=b2, type_action="visite", resultat="Absent, avis laissé",
                  agent=AgentFactory(code="AG9", nom="Nadia Kaci"),
                  date_action=timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 30)))

    response = direction.get(reverse("dashboard:locataire", args=[b2.pk]))

    dettes = response.context["dettes"]
    # Newest period first: the 31-day debt (6 000), the 181-day one (4 000), the settled one.
    assert [(d["reste_du"], d["retard"]) for d in dettes] == [
        (Decimal("6000.00"), 31), (Decimal("4000.00"), 181), (Decimal("0.00"), None)]
    assert response.context["reste_du"] == Decimal("10000.00")
    body = response.content.decode()
    assert "soldé le 04/01/2025" in body and "181 jours" in body
    assert "02/11/2026 09:30" in body and "AG9 — Nadia Kaci" in body and "Absent, avis laissé" in body
    assert f'href="/dashboard/sites/{b2.site_id}/"' in body


def test_unknown_site_or_tenant_is_404(direction):
    assert direction.get(reverse("dashboard:site", args=[999999])).status_code == 404
    assert direction.get(reverse("dashboard:locataire", args=[999999])).status_code == 404


def test_impayes_history_restore_gets_the_whole_page(direction, parc):
    response = direction.get(RUNBOOK, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_scripts_are_local_and_plotly_only_where_there_is_a_chart(direction, parc):
    accueil = direction.get(reverse("dashboard:accueil")).content.decode()
    impayes = direction.get(RUNBOOK).content.decode()

    # Plotly is named on the charts and fetched after the page's load (static/js/graphiques.js).
    assert 'data-plotly="/static/vendor/plotly/plotly-basic-4.1.1.min.js"' in accueil
    assert '<script src="/static/vendor/plotly' not in accueil
    assert "plotly" not in impayes
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in impayes
    assert "https://" not in accueil + impayes


def test_impayes_sorts_on_the_change_and_a_bucket_across_pages(direction):
    # 26 sites, one debt each past 60 days: P00 1 000 € … P25 1 025 €, so by amount P00 is alone
    # on page 2. 30 days ago P00 had 5 debts past 60 days (change −4), P01 none (+1), the others
    # 1 (0); P00's debt is 200 days late (> 180 bucket), the others' 61 days (61–90).
    il_y_a_30_jours = timezone.localdate() - datetime.timedelta(days=30)
    sites = [SiteFactory(code=f"P{i:02d}") for i in range(26)]
    for i, site in enumerate(sites):
        ImpayeFactory(locataire=LocataireFactory(site=site), retard=200 if i == 0 else 61, montant_du=Decimal(1000 + i))
        if i != 1:
            InstantaneSite.objects.create(site=site, jour=il_y_a_30_jours, nb_61_90=5 if i == 0 else 1,
                                          montant_61_90=Decimal("100.00"))

    par_variation = direction.get(f"{RUNBOOK}&tri=-variation_nb").context["page"]
    # +1 first (P01), then the 0s by code, P00's −4 last: on page 2, though the page-1 sites
    # were the 25 largest amounts.
    assert [(l["code"], l["variation_nb"]) for l in par_variation][:3] == [("P01", 1), ("P02", 0), ("P03", 0)]
    assert [(l["code"], l["variation_nb"]) for l in direction.get(f"{RUNBOOK}&tri=-variation_nb&page=2")
            .context["page"]] == [("P00", -4)]
    # The > 180 bucket (t4), largest first: P00 (1 000 €) leads, from page 2 by amount.
    par_tranche = direction.get(f"{RUNBOOK}&tri=-t4").context["page"]
    assert [(l["code"], l["tranches"][4]["montant"]) for l in par_tranche][:2] == [
        ("P00", Decimal("1000.00")), ("P01", Decimal("0.00"))]
    # By amount: the page's rows carry their change and buckets too.
    p25 = direction.get(RUNBOOK).context["page"][0]
    assert (p25["code"], p25["variation_nb"], p25["variation_montant"]) == ("P25", 0, Decimal("925.00"))
    assert [t["nb"] for t in p25["tranches"]] == [0, 0, 1, 0, 0]


def test_impayes_row_of_a_cached_analysis_whose_debts_went_since_shows_empty_buckets(direction, parc):
    # The analysis is cached (until the data generation changes); the buckets of the rows shown
    # are read apart, then cached on those rows. The CSV caches the analysis, not the page's
    # detail; B's debts deleted behind the services' back (no new generation): the page still
    # answers, B's row keeps its cached figures and shows no bucket, never a 500.
    b"".join(direction.get("/dashboard/impayes.csv?retard=60").streaming_content)
    Impaye.objects.filter(site=parc["B"]).delete()

    response = direction.get(RUNBOOK)

    assert response.status_code == 200
    b, a = response.context["page"]
    assert (b["code"], b["nb"], b["montant"]) == ("B", 2, Decimal("14000.01"))
    assert (b["nb_total"], b["montant_total"]) == (0, Decimal("0.00"))
    assert [t["nb"] for t in b["tranches"]] == [0, 0, 0, 0, 0]
    assert (a["nb_total"], a["montant_total"]) == (5, Decimal("4400.00"))


def test_impayes_rows_detail_is_cached_with_the_analysis_until_the_data_change(direction, parc):
    # One more debt on A (75 days, 1 234,56) behind the services' back: the page shows the
    # analysis and the detail of the same moment (A: 5 debts, 4 400,00 in all) until a new
    # generation, then both anew (6 debts, 5 634,56; 3 past 60 days).
    direction.get(RUNBOOK)
    ImpayeFactory(locataire=LocataireFactory(site=parc["A"]), retard=75, montant_du=Decimal("1234.56"))

    def ligne_a():
        page = direction.get(RUNBOOK).context["page"]
        a = next(l for l in page if l["code"] == "A")
        return a["nb"], a["nb_total"], a["montant_total"]

    assert ligne_a() == (2, 5, Decimal("4400.00"))
    donnees_modifiees()
    assert ligne_a() == (3, 6, Decimal("5634.56"))


@pytest.mark.parametrize("tri, statut", [("t4", 200), ("-t4", 200), ("t5", 400), ("t10", 400)])
def test_impayes_sort_on_a_bucket_only_among_the_buckets_asked_for(direction, parc, tri, statut):
    # Five buckets by default (t0 … t4); « tranches=45,120 » gives three (t0 … t2).
    response = direction.get(f"{RUNBOOK}&tri={tri}")
    assert response.status_code == statut
    if statut == 400:
        assert f"Paramètre « tri » : colonne inconnue « {tri} »." in html.unescape(response.content.decode())
    assert direction.get("/dashboard/impayes?retard=60&tranches=45,120&tri=t2").status_code == 200
    assert direction.get("/dashboard/impayes?retard=60&tranches=45,120&tri=t3").status_code == 400
