"""The load test's pieces that can be checked in seconds (`make loadtest` itself, minutes against
gunicorn, stays outside the suite): the phones' requests it replays store what they say, once,
and the sessions it makes for its users are logged in."""
import datetime

import pytest
from django.test import Client

from agents.models import AgentGeolocalisation
from agents.services import jeton_creer
from akig_ops.lib import traqueurs
from tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db
DEPART = datetime.datetime(2026, 3, 9, 10, 0, tzinfo=datetime.timezone.utc)


def _envoyer(client, requete):
    methode, chemin, corps, entetes = requete
    en_tetes = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in entetes.items() if k != "Content-Type"}
    return client.generic(methode, chemin, corps, content_type=entetes.get("Content-Type", ""), **en_tetes)


@pytest.mark.parametrize("mode, taille", [("traccar9", 1), ("traccar9", 3), ("osmand", 1), ("owntracks", 1)])
def test_each_replayed_phone_request_stores_its_positions_once(client, mode, taille):
    agent = AgentFactory(code="LT01")
    jeton = jeton_creer(agent_id=agent.id)
    fabrique = traqueurs.owntracks(agent.code) if mode == "owntracks" else getattr(traqueurs, mode)
    instants = [DEPART + datetime.timedelta(seconds=k) for k in range(taille)]

    assert _envoyer(client, fabrique(jeton, instants)).status_code == 200
    assert _envoyer(client, fabrique(jeton, instants)).status_code == 200  # sent again: a duplicate

    stockees = AgentGeolocalisation.objects.filter(agent=agent).order_by("timestamp")
    assert [p.timestamp for p in stockees] == instants


def test_a_session_made_as_a_login_makes_it_is_logged_in():
    import ops.loadtest as loadtest  # the script, imported: nothing runs until main()

    UserFactory(username="dir@akig.local", groups=["Direction"])
    from django.contrib.auth import get_user_model

    cles = loadtest._sessions(get_user_model().objects.get(username="dir@akig.local"), 2)
    assert len(set(cles)) == 2
    for cle in cles:
        navigateur = Client()
        navigateur.cookies["sessionid"] = cle
        assert navigateur.get("/escalations/").status_code == 200
    assert Client().get("/escalations/").status_code == 302  # without it: to the login page
