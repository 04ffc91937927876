"""A team lead sets an agent's phone up in headless Chromium: the QR codes the page shows decode
(zbarimg) to a configuration that, sent back as OwnTracks and Traccar Client send, stores positions."""
import base64
import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from agents.models import AgentGeolocalisation
from tests.e2e.conftest import CAPTURES
from tests.factories import AgentFactory, EquipeFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _decoder(png) -> str:
    """The text of the QR code in the PNG, read by zbarimg (Debian's zbar-tools)."""
    if not shutil.which("zbarimg"):
        pytest.skip("zbarimg absent : apt-get install zbar-tools (.ci/run l'installe)")
    sortie = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, check=True)
    return sortie.stdout.strip()


def _envoyer(url: str, *, corps: bytes | None = None, entetes: dict | None = None) -> tuple[int, bytes]:
    requete = urllib.request.Request(url, data=corps, headers=entetes or {}, method="POST" if corps else "GET")
    with urllib.request.urlopen(requete, timeout=10) as reponse:
        return reponse.status, reponse.read()


def test_team_lead_sets_a_phone_up_and_the_qr_codes_configure_owntracks_and_traccar(onglet, tmp_path):
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    agent = AgentFactory(code="AG001", nom="Lucas David", equipe=EquipeFactory(nom="Équipe Nord", chef=chef))
    bloquees = onglet.bloquer_l_exterieur()
    page = onglet.page

    onglet.connecter("chef@akig.local")
    page.click("text=Lucas David")
    page.click("text=Configurer le téléphone")
    onglet.capturer("telephone-confirmation")
    page.check("#id_confirmer")
    page.click("#configurer")
    page.wait_for_selector(".qr svg")
    onglet.capturer("telephone-configuration")

    qr_owntracks, qr_identifiant = tmp_path / "owntracks.png", tmp_path / "identifiant.png"
    page.locator("[data-qr=owntracks]").screenshot(path=str(qr_owntracks))
    page.locator("[data-qr=identifiant]").screenshot(path=str(qr_identifiant))
    lien = _decoder(qr_owntracks)
    identifiant = _decoder(qr_identifiant)

    assert lien == page.locator("#lien-owntracks").input_value()
    assert identifiant == page.locator("#identifiant").inner_text()
    configuration = json.loads(base64.b64decode(urllib.parse.unquote(lien.split("inline=", 1)[1])))
    assert (configuration["mode"], configuration["username"], configuration["password"]) == (3, "AG001", identifiant)

    # OwnTracks: the location it would post with that configuration.
    tst = int(time.time()) - 60
    authentification = base64.b64encode(f"{configuration['username']}:{configuration['password']}".encode()).decode()
    statut, reponse = _envoyer(
        configuration["url"],
        corps=json.dumps({"_type": "location", "lat": 48.8566, "lon": 2.3522, "tst": tst, "acc": 10, "batt": 64,
                          "bs": 1, "vel": 3, "tid": configuration["tid"]}).encode(),
        entetes={"Content-Type": "application/json", "Authorization": f"Basic {authentification}",
                 "X-Limit-U": "AG001", "X-Limit-D": "telephone"},
    )
    assert (statut, json.loads(reponse)) == (200, [])
    # Traccar Client: the server URL shown, the identifier from its QR code.
    url_osmand = page.locator("#url-osmand").inner_text()
    parametres = urllib.parse.urlencode({"id": identifiant, "lat": 48.857, "lon": 2.353, "timestamp": tst + 30,
                                         "batt": 63, "charge": "false"})
    assert _envoyer(f"{url_osmand}?{parametres}", corps=b"")[0] == 200

    lignes = list(AgentGeolocalisation.objects.filter(agent=agent).order_by("timestamp")
                  .values_list("canal", "latitude", "batterie_pct"))
    assert lignes == [("owntracks", 48.8566, 64), ("traccar", 48.857, 63)]
    # The agent page says when the phone last spoke and by which channel.
    onglet.aller(f"/agents/{agent.id}/")
    carte = page.locator("#telephone")
    assert "(Traccar Client, batterie 63 %)" in " ".join(carte.inner_text().split())
    CAPTURES.mkdir(parents=True, exist_ok=True)
    carte.screenshot(path=str(CAPTURES / "agent-telephone-carte.png"))
    assert bloquees == [] and onglet.erreurs_console == []
