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
    cache.clear()  # the list's rows are cached per login: no rows of an earlier test
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    agent = AgentFactory(code="AG001", nom="Lucas David", equipe=EquipeFactory(nom="Équipe Nord", chef=chef))
    AgentFactory(code="AG002", nom="Awa Diallo", equipe=agent.equipe)
    site = SiteFactory(code="S1", nom="Les Vergers", latitude=48.85, longitude=2.35)
    maintenant = timezone.localtime()
    hier = maintenant.date() - datetime.timedelta(days=1)
    tz = timezone.get_default_timezone()
    # Yesterday: a mission 09:00–10:00 at S1 and a trail 09:00–10:59 (120 positions).
    MissionFactory(agent=agent, site=site, date_prevue=hier, heure_debut=datetime.time(9), heure_fin=datetime.time(10))
    _trajet(agent, datetime.datetime.combine(hier, datetime.time(9), tzinfo=tz), 120)
    ActionFactory(agent=agent, locataire=LocataireFactory(site=site), type_action="visite", statut="fait",
                  date_action=datetime.datetime.combine(hier, datetime.time(9, 30), tzinfo=tz),
                  latitude=48.85, longitude=2.35)
    for jours, score in [(1, "6.50"), (2, "4.00"), (12, "7.25")]:
        PerformanceFactory(agent=agent, date_stat=maintenant.date() - datetime.timedelta(days=jours), score=Decimal(score))
    # Today: the last 3 hours (180 positions, inside the default 4-hour window).
    _trajet(agent, (maintenant - datetime.timedelta(hours=3)).replace(second=0, microsecond=0), 180)
    return agent, hier


def _carte_prete(onglet, nb_points: int):
    onglet.page.wait_for_function(
        "n => { const d = document.getElementById('carte');"
        " return d && d.dataset.pret === '1' && d.data && d.data[1].lat.length === n; }",
        arg=nb_points, timeout=20_000,
    )


def test_team_lead_opens_an_agent_changes_day_and_window_and_plays_the_replay(onglet, equipe_du_chef):
    agent, hier = equipe_du_chef
    bloquees = onglet.bloquer_l_exterieur()
    page = onglet.page

    onglet.connecter("chef@akig.local")
    assert page.url.endswith("/agents/")
    assert page.locator("table.agents tbody tr").count() == 2
    onglet.capturer("agents-liste")

    page.click("text=Lucas David")
    _carte_prete(onglet, 180)
    assert page.locator(".maplibregl-canvas").count() == 1
    # The custom bundle (static/vendor/plotly/build/): the dashboard's Plotly version, two traces.
    assert page.evaluate("[Plotly.version, Object.keys(Plotly.PlotSchema.get().traces).sort()]") == [
        "4.1.1", ["scatter", "scattermap"]]
    onglet.capturer("agent-aujourdhui")

    # Yesterday, 09:00–10:00: 60 positions; the mission was reached.
    page.fill("#id_jour", hier.isoformat())
    page.fill("#id_debut", "09:00")
    page.fill("#id_fin", "10:00")
    page.click("#afficher")
    _carte_prete(onglet, 60)
    assert f"jour={hier.isoformat()}" in page.url, "the window is a shareable link"
    assert "arrivé à 09:00" in page.locator("table.verdicts").inner_text()
    assert page.locator("#horloge").inner_text() == "09:00:00"

    page.click("#avance")
    assert page.locator("#horloge").inner_text() == "09:01:00"
    page.select_option("#vitesse", "60")
    page.click("#lecture")
    page.wait_for_function("document.getElementById('curseur').value >= 5", timeout=10_000)
    page.click("#lecture")  # pause
    arret = page.locator("#horloge").inner_text()
    page.wait_for_timeout(600)
    assert page.locator("#horloge").inner_text() == arret, "paused"
    assert arret >= "09:05:00"
    onglet.capturer("agent-hier-rejoue")

    # 7 days: the rows of yesterday and the day before; 12 days ago is out.
    page.click("text=7 jours")
    page.wait_for_selector("#historique a.actif:has-text('7 jours')")
    page.wait_for_selector("#graphique-historique .main-svg")
    assert page.locator("#historique tbody tr").count() == 2

    assert bloquees == [], "no request leaves the intranet"
    assert onglet.erreurs_console == []


def test_map_still_draws_when_the_tile_server_is_unreachable(onglet, equipe_du_chef, settings):
    settings.AKIG_CARTE_TUILES_URL = "https://tuiles.invalid/{z}/{x}/{y}.png"
    bloquees = onglet.bloquer_l_exterieur()

    onglet.connecter("chef@akig.local")
    onglet.page.click("text=Lucas David")
    _carte_prete(onglet, 180)
    onglet.page.wait_for_timeout(1000)

    assert any(url.startswith("https://tuiles.invalid/") for url in bloquees), "tiles were asked for"
    # Chromium itself reports each blocked tile ("Failed to load resource"); nothing else may fail.
    autres = [e for e in onglet.erreurs_console if not e.startswith("Failed to load resource: net::ERR_FAILED")]
    assert autres == []
    onglet.page.click("#avance")
    assert onglet.page.locator("#curseur").input_value() == "1", "the replay works without tiles"
    onglet.capturer("agent-sans-tuiles")


def test_map_draws_a_gap_as_a_dashed_segment_with_its_hover_text(onglet, equipe_du_chef):
    agent, hier = equipe_du_chef
    tz = timezone.get_default_timezone()
    # Given yesterday's walk (09:00–10:59) then nothing until 11:34, 3 km north and 400 m east of S1.
    for k in range(10):
        PositionFactory(agent=agent, timestamp=datetime.datetime.combine(hier, datetime.time(11, 34 + k), tzinfo=tz),
                        latitude=48.85 + (3000 + k * 20) / 111_195, longitude=2.3555)
    bloquees = onglet.bloquer_l_exterieur()
    page = onglet.page
    onglet.connecter("chef@akig.local")

    onglet.aller(f"/agents/{agent.id}/?jour={hier.isoformat()}&debut=09:00&fin=12:00")
    _carte_prete(onglet, 130)

    # Then the gap is its own legend entry, and the trail's line stops at 10:59 and starts again at 11:34.
    trace = page.evaluate("(() => { const t = document.getElementById('carte').data[2];"
                          " return {nom: t.name, textes: [...new Set(t.text.filter(x => x))]}; })()")
    assert trace == {"nom": "trous sans position", "textes": ["Aucune position de 10:59 à 11:34 (35 min)"]}
    assert page.evaluate("document.getElementById('carte').data[0].lat.filter(x => x === null).length") == 1
    assert "trous sans position" in page.locator("#carte .legend").text_content()
    # Hovering the middle of the segment shows when and how long.
    page.locator("#carte").scroll_into_view_if_needed()
    x, y = page.evaluate(
        "(() => { const m = document.getElementById('carte')._fullLayout.map._subplot.map;"
        " const r = m.getContainer().getBoundingClientRect();"
        f" const p = m.project([2.35275, {48.85 + (119 * 20 + 3000) / 2 / 111_195}]);"
        " return [r.left + p.x, r.top + p.y]; })()")
    page.mouse.move(x, y)
    page.wait_for_selector("#carte .hoverlayer .hovertext", timeout=5_000)
    assert page.locator("#carte .hoverlayer").text_content() == "Aucune position de 10:59 à 11:34 (35 min)"
    onglet.capturer("agent-trou")

    assert bloquees == [], "no request leaves the intranet"
    assert onglet.erreurs_console == []
