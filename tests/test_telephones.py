"""The phones: why a silent one went silent (battery, still), what the agent page says of the
phone (last signal, the day's channels), and the set-up page that issues a new secret."""
import base64
import datetime
import json
import re
from urllib.parse import unquote

import pytest
from django.urls import reverse

from agents.models import AgentGeolocalisation, JetonTerrain
from agents.selectors import agent_du_jeton
from agents.services import jeton_creer
from agents.trajets import BATTERIE, IMMOBILE, Explication, Releve, explication_silence
from tests.factories import PositionFactory, UserFactory
from tests.test_agents_pages import a, midi, monde  # noqa: F401 (fixtures: noon on JOUR, two teams)

pytestmark = pytest.mark.django_db


def releve(minute, **dit):
    return Releve(a(9, minute), "traccar", **dit)


@pytest.mark.parametrize("batterie, en_charge, attendu", [
    (15, False, Explication(BATTERIE, a(9, 40), 15)),  # at the threshold
    (14, None, Explication(BATTERIE, a(9, 40), 14)),   # below it, charging unknown
    (16, False, None),                                 # above it
    (3, True, None),                                   # charging: not the battery
])
def test_explication_battery_at_below_and_above_the_threshold(batterie, en_charge, attendu):
    releves = [releve(30, batterie_pct=40), releve(40, batterie_pct=batterie, en_charge=en_charge)]

    assert explication_silence(releves, batterie_faible_pct=15) == attendu


def test_explication_still_since_the_first_still_position_after_the_last_moving_one():
    releves = [releve(0, en_mouvement=False), releve(10, en_mouvement=True), releve(20, en_mouvement=False),
               releve(25), releve(30, en_mouvement=False)]

    assert explication_silence(releves, batterie_faible_pct=15) == Explication(IMMOBILE, a(9, 20))


@pytest.mark.parametrize("vitesse, attendu", [(0.9, Explication(IMMOBILE, a(9, 10))), (1.0, None)])
def test_explication_speed_under_1_kmh_is_still_when_the_phone_does_not_say(vitesse, attendu):
    releves = [releve(0, vitesse_kmh=30.0), releve(10, vitesse_kmh=vitesse)]

    assert explication_silence(releves, batterie_faible_pct=15) == attendu


def test_explication_none_when_the_phone_said_nothing():
    assert explication_silence([releve(0), releve(10)], batterie_faible_pct=15) is None
    assert explication_silence([], batterie_faible_pct=15) is None


def _dire(agent, **par_minute):
    """Give the morning's positions (09:00–09:40, every 5 min) what the phone said, by minute."""
    for minute, dit in par_minute.items():
        AgentGeolocalisation.objects.filter(agent=agent, timestamp=a(9, int(minute[1:]))).update(**dit)


def test_liste_says_why_the_phone_is_silent_battery(client, monde):
    _dire(monde["lucas"], m35={"batterie_pct": 9, "canal": "traccar"}, m40={"batterie_pct": 3, "canal": "traccar"})
    client.force_login(monde["chef_nord"])

    corps = client.get(reverse("agents:liste")).content.decode()

    assert "téléphone silencieux : batterie à 3 % à 09:40, puis silence" in corps


def test_liste_says_why_the_phone_is_silent_still(client, monde):
    _dire(monde["lucas"], m20={"en_mouvement": True}, m25={"en_mouvement": False}, m30={"en_mouvement": False},
          m35={"en_mouvement": False}, m40={"en_mouvement": False, "batterie_pct": 80})
    client.force_login(monde["chef_nord"])

    corps = client.get(reverse("agents:liste")).content.decode()

    # Still since 09:25, at noon: 2 h 35.
    assert "téléphone silencieux : immobile depuis 2 h 35" in corps


def test_detail_phone_card_last_signal_channels_and_silence(client, monde):
    _dire(monde["lucas"], m30={"canal": "owntracks"}, m35={"canal": "traccar"},
          m40={"canal": "traccar", "batterie_pct": 12, "en_charge": False, "en_mouvement": False})
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:detail", args=[monde["lucas"].id]))

    corps = re.sub(r"\s+", " ", reponse.content.decode())
    assert "batterie à 12 % à 09:40, puis silence" in corps
    assert "<strong>10/03/2026 09:40</strong> (Traccar Client, batterie 12 %, immobile)" in corps
    # 09:00–09:25 imported (6), 09:30 OwnTracks, 09:35–09:40 Traccar.
    assert ("<strong>import CSV</strong> 6 positions (09:00–09:25) · <strong>Traccar Client</strong> "
            "2 positions (09:35–09:40) · <strong>OwnTracks</strong> 1 position (09:30–09:30)") in corps
    assert reponse.context["telephone"]["silence"] is True


def test_detail_phone_card_not_silent_with_a_recent_position(client, monde):
    PositionFactory(agent=monde["lucas"], timestamp=a(11, 45), batterie_pct=2)
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:detail", args=[monde["lucas"].id]))

    assert reponse.context["telephone"]["silence"] is False
    assert "puis silence" not in reponse.content.decode()


# --- The set-up page


def _url(agent):
    return reverse("agents:telephone", args=[agent.id])


def test_setup_page_needs_a_confirmation_before_revoking(client, monde):
    ancien = jeton_creer(agent_id=monde["lucas"].id)
    client.force_login(monde["chef_nord"])

    page = client.get(_url(monde["lucas"]))
    refus = client.post(_url(monde["lucas"]), {})

    assert page.status_code == 200 and 'id="configurer"' in page.content.decode()
    assert refus.status_code == 400
    assert "Cochez la confirmation : l&#x27;ancien secret sera révoqué." in refus.content.decode()
    assert agent_du_jeton(jeton=ancien) == monde["lucas"]


@pytest.mark.parametrize("qui", ["chef_nord", "direction"])
def test_setup_page_issues_a_secret_that_works_once_shown(client, monde, qui):
    ancien = jeton_creer(agent_id=monde["lucas"].id)
    client.force_login(monde[qui])

    reponse = client.post(_url(monde["lucas"]), {"confirmer": "on"})

    assert reponse.status_code == 200 and reponse["Cache-Control"] == "no-store"
    configuration = reponse.context["configuration"]
    assert agent_du_jeton(jeton=ancien) is None
    assert JetonTerrain.objects.filter(agent=monde["lucas"], revoque_le__isnull=True).count() == 1
    lien = configuration["lien_owntracks"]
    assert lien.startswith("owntracks:///config?inline=")
    owntracks = json.loads(base64.b64decode(unquote(lien.split("inline=", 1)[1])))
    assert owntracks == {
        "_type": "configuration", "mode": 3, "url": "http://testserver/api/terrain/owntracks", "auth": True,
        "username": "AG001", "password": configuration["identifiant"], "deviceId": "telephone", "tid": "01",
        "monitoring": 2, "locatorInterval": 60, "moveModeLocatorInterval": 60, "locatorDisplacement": 25,
    }
    assert agent_du_jeton(jeton=configuration["identifiant"]) == monde["lucas"]
    assert configuration["url_osmand"] == "http://testserver/api/terrain/osmand"
    corps = reponse.content.decode()
    assert corps.count('class="segno"') == 2 and configuration["identifiant"] in corps


def test_setup_page_outsider_no_role_and_anonymous_get_nothing(client, monde):
    jeton = jeton_creer(agent_id=monde["lucas"].id)
    client.force_login(monde["chef_sud"])
    assert client.get(_url(monde["lucas"])).status_code == 404
    assert client.post(_url(monde["lucas"]), {"confirmer": "on"}).status_code == 404
    client.force_login(UserFactory(username="sans.role@akig.local"))
    assert client.post(_url(monde["lucas"]), {"confirmer": "on"}).status_code == 403
    client.logout()
    assert client.post(_url(monde["lucas"]), {"confirmer": "on"}).status_code == 302

    assert agent_du_jeton(jeton=jeton) == monde["lucas"]
    assert JetonTerrain.objects.filter(agent=monde["lucas"]).count() == 1


def test_setup_page_inactive_agent_gets_no_secret(client, monde):
    monde["lucas"].actif = False
    monde["lucas"].save()
    client.force_login(monde["chef_nord"])

    reponse = client.post(_url(monde["lucas"]), {"confirmer": "on"})

    assert reponse.status_code == 400 and "L'agent est inactif : pas de secret." in reponse.content.decode()
    assert not JetonTerrain.objects.filter(agent=monde["lucas"]).exists()
