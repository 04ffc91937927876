"""A team lead in headless Chromium: lands on the agents list, opens an agent, changes day and
window, plays the replay; the map draws the trail with every outside request blocked (intranet)."""
import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import (
    ActionFactory,
    AgentFactory,
    EquipeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    PositionFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _trajet(agent, debut: datetime.datetime, minutes: int):
    """One position a minute, walking 20 m north a minute from the site at 48.85, 2.35."""
    for k in range(minutes):
        PositionFactory(agent=agent, timestamp=debut + datetime.timedelta(minutes=k),
                        latitude=48.85 + k * 20 / 111_195, longitude=2.35)


@pytest.fixture
def equipe_du_chef():
    """Lucas David's last days: nothing today nor in the 2 days before; 3 days ago a mission
    09:00–10:00 at S1 reached by a trail 09:00–10:59 (120 positions); 4 days ago a mission 14:00–15:00
    at S2 (4.4 km north) never reached, the trail 14:00–14:59 staying at S1 (60 positions)."""
    cache.clear()  # the list's rows are cached per login: no rows of an earlier test
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    agent = AgentFactory(code="AG001", nom="Lucas David", equipe=EquipeFactory(nom="Équipe Nord", chef=chef))
    AgentFactory(code="AG002", nom="Awa Diallo", equipe=agent.equipe)
    s1 = SiteFactory(code="S1", nom="Les Vergers", latitude=48.85, longitude=2.35)
    s2 = SiteFactory(code="S2", nom="Marcadet", latitude=48.89, longitude=2.35)
    aujourd_hui = timezone.localdate()
    j3, j4 = aujourd_hui - datetime.timedelta(days=3), aujourd_hui - datetime.timedelta(days=4)
    tz = timezone.get_default_timezone()
    MissionFactory(agent=agent, site=s1, date_prevue=j3, heure_debut=datetime.time(9), heure_fin=datetime.time(10))
    _trajet(agent, datetime.datetime.combine(j3, datetime.time(9), tzinfo=tz), 120)
    ActionFactory(agent=agent, locataire=LocataireFactory(site=s1), type_action="visite", statut="fait",
                  date_action=datetime.datetime.combine(j3, datetime.time(9, 30), tzinfo=tz),
                  latitude=48.85, longitude=2.35)
    MissionFactory(agent=agent, site=s2, date_prevue=j4, heure_debut=datetime.time(14), heure_fin=datetime.time(15))
    for k in range(60):
        PositionFactory(agent=agent, timestamp=datetime.datetime.combine(j4, datetime.time(14, k), tzinfo=tz),
                        latitude=48.85, longitude=2.35)
    for jours, score in [(1, "6.50"), (2, "4.00"), (12, "7.25")]:
        PerformanceFactory(agent=agent, date_stat=aujourd_hui - datetime.timedelta(days=jours), score=Decimal(score))
    return agent, j3, j4


def _carte_prete(onglet, nb_points: int, nb_sites: int = 1):
    """Wait for the Leaflet map of `nb_points` positions, then check it is whole: one map, its
    trail, its numbered sites, its scale bar and the legend in words."""
    page = onglet.page
    # The swapped part has arrived (the map's data), then the map is drawn once scrolled to.
    onglet.attendre(
        "n => { const d = document.getElementById('donnees-carte');"
        " return d && JSON.parse(d.textContent).points.length === n; }", arg=nb_points, timeout=20_000)
    page.locator("#carte").scroll_into_view_if_needed()
    onglet.attendre(
        "n => { const d = document.getElementById('carte');"
        " return d && d.dataset.pret === '1' && d.dataset.points === String(n); }",
        arg=nb_points, timeout=20_000,
    )
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator("#carte .leaflet-marker-pane .site-carte").count() == nb_sites
    assert page.locator("#carte .leaflet-tooltip.etiquette-site").count() == nb_sites, "every site is labelled"
    assert page.locator("#carte .leaflet-control-scale").count() == 1
    if nb_points > 1:
        assert page.locator("#carte .leaflet-overlay-pane path").count() >= 1, "the trail is drawn"
    assert page.locator("#legende-carte li").count() == 9
    assert page.locator("#legende-carte").is_visible()


def test_team_lead_opens_an_agent_changes_day_and_window_and_plays_the_replay(onglet, equipe_du_chef):
    agent, j3, j4 = equipe_du_chef
    bloquees = onglet.bloquer_l_exterieur()
    page = onglet.page

    onglet.connecter("chef@akig.local")
    assert page.url.endswith("/agents/")
    assert page.locator("table.agents tbody tr").count() == 2
    onglet.capturer("agents-liste")

    # The page opens on the latest day with positions (3 days ago), its whole working day.
    page.click("text=Lucas David")
    _carte_prete(onglet, 120)
    assert page.locator("#id_jour").input_value() == j3.isoformat()
    assert page.locator("#carte .site-atteint").inner_text() == "1"
    assert "1. S1 Les Vergers" in page.locator("#carte .etiquette-site").inner_text()
    assert page.evaluate("typeof window.Plotly") == "undefined", "the charts' code waits until they are seen"
    onglet.capturer("agent-jour-par-defaut")

    # 1. The day before: S2 never reached.
    page.click("#veille")
    _carte_prete(onglet, 60)
    assert f"jour={j4.isoformat()}" in page.url, "the day is a shareable link"
    assert page.locator("#carte .site-jamais").inner_text() == "1"
    assert page.locator("#carte .etiquette-arret").inner_text() == "14:00–14:59", "the stop shows its times"
    # 2. A window of that day: 14:00–14:30.
    page.fill("#id_debut", "14:00")
    page.fill("#id_fin", "14:30")
    page.click("#afficher")
    _carte_prete(onglet, 30)
    # 3. « Journée entière » keeps the chosen day.
    page.click("#journee-entiere")
    _carte_prete(onglet, 60)
    assert f"jour={j4.isoformat()}&debut=00:00&fin=23:59" in page.url
    # 4. The next day, whole.
    page.click("#lendemain")
    _carte_prete(onglet, 120)
    assert "arrivé à 09:00" in page.locator("table.verdicts").inner_text()
    assert page.locator("#horloge").inner_text() == "00:00:00" or page.locator("#horloge").inner_text() == "09:00:00"

    # The replay.
    page.click("#avance")
    assert page.locator("#horloge").inner_text() == "09:01:00"
    page.select_option("#vitesse", "60")
    page.click("#lecture")
    onglet.attendre("document.getElementById('curseur').value >= 5", timeout=10_000)
    page.click("#lecture")  # pause
    arret = page.locator("#horloge").inner_text()
    page.wait_for_timeout(600)
    assert page.locator("#horloge").inner_text() == arret, "paused"
    assert arret >= "09:05:00"
    _carte_prete(onglet, 120)  # the map kept its layers and legend through it all
    assert page.locator("#carte .ici-carte").count() == 1
    onglet.capturer("agent-rejoue")

    # 7 days: the rows of yesterday and the day before; 12 days ago is out.
    page.click("text=7 jours")
    page.wait_for_selector("#historique a.actif:has-text('7 jours')")
    page.locator("#historique").scroll_into_view_if_needed()
    page.wait_for_selector("#graphique-historique .main-svg")
    assert page.locator("#historique tbody tr").count() == 2

    assert bloquees == [], "no request leaves the intranet"
    assert onglet.erreurs_console == []


def test_map_still_draws_when_the_tile_server_is_unreachable(onglet, equipe_du_chef, settings):
    settings.AKIG_CARTE_TUILES_URL = "https://tuiles.invalid/{z}/{x}/{y}.png"
    # The policy allows the tile server's images (read once at start-up from the same variable).
    politique = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**politique, "img-src": ["'self'", "https://tuiles.invalid"]}}
    bloquees = onglet.bloquer_l_exterieur()

    onglet.connecter("chef@akig.local")
    onglet.page.click("text=Lucas David")
    _carte_prete(onglet, 120)
    onglet.page.wait_for_timeout(1000)

    assert any(url.startswith("https://tuiles.invalid/") for url in bloquees), "tiles were asked for"
    assert "OpenStreetMap" in onglet.page.locator("#carte .leaflet-control-attribution").inner_text()
    # Chromium itself reports each blocked tile ("Failed to load resource"); nothing else may fail.
    autres = [e for e in onglet.erreurs_console if not e.startswith("Failed to load resource: net::ERR_FAILED")]
    assert autres == []
    onglet.page.click("#avance")
    assert onglet.page.locator("#curseur").input_value() == "1", "the replay works without tiles"
    onglet.capturer("agent-sans-tuiles")


def test_map_draws_a_gap_as_a_dashed_segment_with_its_hover_text(onglet, equipe_du_chef):
    agent, j3, _j4 = equipe_du_chef
    tz = timezone.get_default_timezone()
    # Given the walk of 3 days ago (09:00–10:59) then nothing until 11:34, 3 km north and 400 m east of S1.
    for k in range(10):
        PositionFactory(agent=agent, timestamp=datetime.datetime.combine(j3, datetime.time(11, 34 + k), tzinfo=tz),
                        latitude=48.85 + (3000 + k * 20) / 111_195, longitude=2.3555)
    bloquees = onglet.bloquer_l_exterieur()
    page = onglet.page
    onglet.connecter("chef@akig.local")

    onglet.aller(f"/agents/{agent.id}/?jour={j3.isoformat()}&debut=09:00&fin=12:00")
    _carte_prete(onglet, 130)

    # Then the gap is one dashed line, the trail two stretches (10:59 and 11:34 not joined).
    assert page.locator("#carte path.trou-carte").count() == 1
    assert page.locator("#carte path.trou-carte").get_attribute("stroke-dasharray") == "6 6"
    # Hovering it shows when and how long.
    boite = page.locator("#carte path.trou-carte").bounding_box()
    page.mouse.move(boite["x"] + boite["width"] / 2, boite["y"] + boite["height"] / 2)
    page.wait_for_selector("#carte .leaflet-tooltip:has-text('Aucune position')", timeout=5_000)
    assert "Aucune position de 10:59 à 11:34 (35 min)" in page.locator("#carte .leaflet-tooltip-pane").inner_text()
    onglet.capturer("agent-trou")

    assert bloquees == [], "no request leaves the intranet"
    assert onglet.erreurs_console == []


def test_director_pages_the_agents_list_and_the_minute_s_refresh_keeps_the_page(onglet):
    """51 agents: page 1 shows 50, « Suivante » swaps in page 2 (the URL follows); a minute later
    the refresh asks for page 2 again and still shows it (not the URL the page opened at)."""
    cache.clear()
    UserFactory(username="pdg@akig.local", groups=["Direction"])
    equipe = EquipeFactory(code="EST", nom="Équipe Est")
    AgentFactory(code="N01", nom="Agent Nord", equipe=EquipeFactory(code="NORD", nom="Équipe Nord"))
    for i in range(1, 51):
        AgentFactory(code=f"E{i:02d}", nom=f"Agent {i:02d}", equipe=equipe)
    page = onglet.page
    onglet.connecter("pdg@akig.local")
    page.clock.install()  # the refresh's 60 s, fast-forwarded
    onglet.aller("/agents/")
    assert page.locator("#tableau tbody tr").count() == 50
    assert "Agents 1 à 50 sur 51" in page.locator("#tableau").inner_text()
    onglet.capturer("agents-liste-page-1")

    page.get_by_role("link", name="Suivante →").click()
    onglet.attendre("() => document.querySelectorAll('#tableau tbody tr').length === 1")
    assert page.url.endswith("/agents/?equipe=&tri=agent&page=2")
    # The focused link went with page 1: the focus is on the new page's zone, not the document.
    onglet.attendre("() => document.activeElement && document.activeElement.id === 'tableau'")
    assert page.locator("#tableau tbody tr").inner_text().startswith("Agent Nord")

    # htmx starts the swapped-in poller when the swap settles (~20 ms after the rows show).
    onglet.attendre("() => !document.querySelector('#tableau.htmx-request, #tableau.htmx-settling')")
    page.wait_for_timeout(100)
    with page.expect_response(lambda r: "/agents/" in r.url and r.request.headers.get("hx-request") == "true") as rep:
        page.clock.fast_forward("01:01")
    assert rep.value.url.endswith("/agents/?equipe=&tri=agent&page=2")
    assert "Agent 51 sur 51" in rep.value.text()  # what the refresh brought: page 2 again
    page.wait_for_load_state("networkidle")
    assert "Agent 51 sur 51" in page.locator("#tableau").inner_text()
    onglet.capturer("agents-liste-page-2")

    # A sort chosen, then a team: the team's list keeps that sort.
    page.get_by_role("link", name="Score du moment").click()
    onglet.attendre("() => location.search.includes('tri=score')")
    page.wait_for_load_state("networkidle")
    page.select_option("#equipe", "EST")
    onglet.attendre("() => location.search.includes('equipe=EST')")
    assert "tri=score" in page.url and "page=" not in page.url
    assert onglet.erreurs_console == []
