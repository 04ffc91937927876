"""Traccar Client (OsmAnd protocol) and OwnTracks (HTTP mode): requests replayed exactly as
each client sends them, the rows they store, the answers the clients act on."""
import base64
import datetime
import json
import logging
import threading

import pytest
from django.db import OperationalError, close_old_connections
from django.test import Client
from django.utils import timezone

from agents.metriques import POSITIONS_ENREGISTREES
from agents.models import Agent, AgentGeolocalisation
from agents.selectors import trajet
from agents.services import jeton_creer
from akig_ops.lib.compteurs import compteurs_lire
from tests.factories import AgentFactory
from tests.test_import_csv import FILES, run_import
from tests.test_import_csv import write as ecrire

pytestmark = pytest.mark.django_db

UTC = datetime.timezone.utc
# Yesterday 13:02:11 UTC: a past instant whatever the hour the suite runs.
INSTANT = (timezone.now() - datetime.timedelta(days=1)).replace(hour=13, minute=2, second=11, microsecond=0)
TST = int(INSTANT.timestamp())


@pytest.fixture
def agent():
    return AgentFactory(code="AG1")


@pytest.fixture
def jeton(agent):
    return jeton_creer(agent_id=agent.id)


def colonnes(agent):
    return list(
        AgentGeolocalisation.objects.filter(agent=agent).order_by("timestamp").values_list(
            "timestamp", "latitude", "longitude", "precision_m", "canal", "batterie_pct", "en_charge",
            "en_mouvement", "vitesse_kmh",
        )
    )


def traccar9(jeton, *, instant=INSTANT, latitude=48.85661, **location):
    """The JSON Traccar Client 9 posts (its background-geolocation library's location)."""
    corps = {
        "event": "motionchange", "is_moving": False, "uuid": "a8e0a6c3-5c1b-4a43-9e55-2f7e1ad1c2b0",
        "timestamp": instant.isoformat(timespec="milliseconds").replace("+00:00", "Z"), "odometer": 1234.5,
        "coords": {"latitude": latitude, "longitude": 2.35222, "accuracy": 8.3, "speed": 1.25,
                   "speed_accuracy": -1, "heading": 91.5, "heading_accuracy": -1, "altitude": 36.2,
                   "ellipsoidal_altitude": 36.2, "altitude_accuracy": 3, "age": 132},
        "activity": {"type": "still", "confidence": 100},
        "battery": {"is_charging": False, "level": 0.03},
        "extras": {},
    }
    corps.update(location)
    return corps


def poster_traccar9(client, jeton, locations):
    return client.post("/api/terrain/osmand", json.dumps({"location": locations, "device_id": jeton}),
                       content_type="application/json", HTTP_USER_AGENT="TraccarClient/9.1 (Android)")


def compte(reponse):
    return {cle: reponse.json()[cle] for cle in ("recues", "creees", "doublons")}


def basic(utilisateur, mot_de_passe):
    return "Basic " + base64.b64encode(f"{utilisateur}:{mot_de_passe}".encode()).decode()


def owntracks(client, message, *, utilisateur="AG1", mot_de_passe):
    return client.post("/api/terrain/owntracks", json.dumps(message), content_type="application/json",
                       HTTP_AUTHORIZATION=basic(utilisateur, mot_de_passe), HTTP_X_LIMIT_U=utilisateur,
                       HTTP_X_LIMIT_D="telephone")


def location_owntracks(*, tst=TST, batt=3, bs=1, vel=0, lat=48.8566):
    return {"_type": "location", "tid": "A1", "acc": 12, "alt": 36, "batt": batt, "bs": bs, "conn": "m",
            "created_at": tst + 2, "lat": lat, "lon": 2.3522, "m": 1, "tst": tst, "vac": 3, "vel": vel,
            "cog": 270, "topic": "owntracks/AG1/telephone"}


def test_traccar_client_9_json_stores_the_position_battery_and_motion(client, agent, jeton):
    reponse = poster_traccar9(client, jeton, traccar9(jeton))

    assert (reponse.status_code, compte(reponse)) == (200, {"recues": 1, "creees": 1, "doublons": 0})
    assert reponse.json()["elements"] == [{"index": 0, "cle": INSTANT.isoformat(), "etat": "enregistre"}]
    # speed 1.25 m/s = 4.5 km/h; battery level 0.03 = 3 %.
    assert colonnes(agent) == [(INSTANT, 48.85661, 2.35222, 8.3, "traccar", 3, False, False, 4.5)]


def test_traccar_client_9_batch_of_locations_and_unknown_readings(client, agent, jeton):
    # The library says -1 for a speed or a battery level it does not know.
    locations = [
        traccar9(jeton, instant=INSTANT + datetime.timedelta(seconds=30 * k), latitude=[48.85, 48.851, 48.852][k],
                 is_moving=True, battery={"is_charging": True, "level": -1},
                 coords={"latitude": [48.85, 48.851, 48.852][k], "longitude": 2.35, "accuracy": 5, "speed": -1})
        for k in range(3)
    ]

    reponse = poster_traccar9(client, jeton, locations)

    assert compte(reponse) == {"recues": 3, "creees": 3, "doublons": 0}
    assert [ligne[4:] for ligne in colonnes(agent)] == [("traccar", None, True, True, None)] * 3
    assert [ligne[1] for ligne in colonnes(agent)] == [48.85, 48.851, 48.852]


def test_older_osmand_client_post_with_a_query_string_and_no_body(client, agent, jeton):
    # Traccar Client 8 and earlier: POST to the server URL with the parameters in the query.
    requete = (f"/api/terrain/osmand?id={jeton}&timestamp={TST}&lat=48.8566&lon=2.3522&speed=2.7"
               "&bearing=91.0&altitude=36.0&accuracy=8.0&batt=57.0&charge=true")

    reponse = client.post(requete, b"", content_type="")

    assert reponse.status_code == 200
    # 2.7 knots = 5.0004 km/h.
    [(instant, lat, lon, precision, canal, batterie, charge, mouvement, vitesse)] = colonnes(agent)
    assert (instant, lat, lon, precision, canal, batterie, charge, mouvement) == (
        INSTANT, 48.8566, 2.3522, 8.0, "traccar", 57, True, None)
    assert vitesse == pytest.approx(5.0004)


def test_older_osmand_client_get_with_deviceid_and_iso_timestamp(client, agent, jeton):
    reponse = client.get("/api/terrain/osmand", {"deviceid": jeton, "lat": "48.8566", "lon": "2.3522",
                                                 "timestamp": "2026-12-01T09:30:00+01:00", "batt": "15"})

    assert reponse.status_code == 200
    assert colonnes(agent) == [(datetime.datetime(2026, 12, 1, 8, 30, tzinfo=UTC), 48.8566, 2.3522, None,
                                "traccar", 15, None, None, None)]


def test_osmand_form_post_with_timestamp_in_milliseconds(client, agent, jeton):
    reponse = client.post("/api/terrain/osmand", {"id": jeton, "lat": "48.8566", "lon": "2.3522",
                                                  "timestamp": str(TST * 1000), "charge": "false"})

    assert reponse.status_code == 200
    assert colonnes(agent)[0][0] == INSTANT
    assert colonnes(agent)[0][6] is False


def test_owntracks_location_with_basic_auth_is_stored_and_acknowledged_with_a_list(client, agent, jeton):
    reponse = owntracks(client, location_owntracks(), mot_de_passe=jeton)

    assert (reponse.status_code, reponse["Content-Type"], reponse.json()) == (200, "application/json", [])
    # bs 1 = unplugged; vel is km/h already.
    assert colonnes(agent) == [(INSTANT, 48.8566, 2.3522, 12.0, "owntracks", 3, False, None, 0.0)]


@pytest.mark.parametrize("message", [
    {"_type": "lwt", "tst": TST},
    {"_type": "status", "android": {"hib": 1, "bo": 1, "loc": 0, "ps": 0, "wifi": 1}},
    {"_type": "transition", "event": "leave", "desc": "Bureau", "tst": TST, "lat": 48.85, "lon": 2.35},
])
def test_owntracks_other_messages_are_acknowledged_and_store_nothing(client, agent, jeton, message):
    reponse = owntracks(client, message, mot_de_passe=jeton)

    assert (reponse.status_code, reponse.json()) == (200, [])
    assert colonnes(agent) == []


def test_unknown_or_revoked_secret_is_401_and_stores_nothing(client, agent, jeton):
    ancien = jeton
    jeton_creer(agent_id=agent.id)  # revokes it

    reponses = [
        poster_traccar9(client, "inconnu", traccar9("inconnu")),
        poster_traccar9(client, ancien, traccar9(ancien)),
        client.get("/api/terrain/osmand", {"id": ancien, "lat": "48.85", "lon": "2.35", "timestamp": str(TST)}),
        client.get("/api/terrain/osmand", {"lat": "48.85", "lon": "2.35", "timestamp": str(TST)}),
        owntracks(client, location_owntracks(), mot_de_passe=ancien),
        owntracks(client, location_owntracks(), mot_de_passe="inconnu"),
        client.post("/api/terrain/owntracks", json.dumps(location_owntracks()), content_type="application/json"),
    ]

    assert [r.status_code for r in reponses] == [401] * 7
    assert "Jeton absent, inconnu ou révoqué" in reponses[0].json()["detail"]
    assert colonnes(agent) == []


def test_owntracks_user_must_be_the_token_s_agent(client, agent, jeton):
    AgentFactory(code="AG2")

    reponse = owntracks(client, location_owntracks(), utilisateur="AG2", mot_de_passe=jeton)

    assert reponse.status_code == 401
    assert colonnes(agent) == []


def test_bad_positions_are_400_in_french_logged_and_store_nothing(client, agent, jeton, caplog):
    demain = int((timezone.now() + datetime.timedelta(days=2)).timestamp())
    with caplog.at_level(logging.WARNING, logger="agents.api_traqueurs"):
        reponses = [
            poster_traccar9(client, jeton, [traccar9(jeton), traccar9(jeton, latitude=91.5)]),
            client.get("/api/terrain/osmand", {"id": jeton, "lat": "48.85", "lon": "est", "timestamp": str(TST)}),
            owntracks(client, location_owntracks(batt=140), mot_de_passe=jeton),
            owntracks(client, location_owntracks(tst=demain), mot_de_passe=jeton),
        ]

    assert [r.status_code for r in reponses] == [400] * 4
    assert [r.json()["erreurs"] for r in reponses] == [
        [{"index": 1, "champ": "latitude", "motif": "latitude 91.5 hors de l'intervalle [-90, 90]"}],
        [{"index": 0, "champ": "longitude", "motif": "longitude non numérique « est »"}],
        [{"index": 0, "champ": "batterie_pct", "motif": "batterie 140 hors de l'intervalle [0, 100]"}],
        [{"index": 0, "champ": "timestamp", "motif": reponses[3].json()["erreurs"][0]["motif"]}],
    ]
    assert "futur" in reponses[3].json()["erreurs"][0]["motif"]
    assert colonnes(agent) == []
    assert "positions refusees (traccar, agent AG1) : [1] latitude : latitude 91.5 hors de l'intervalle" in caplog.text


def test_malformed_bodies_are_400(client, agent, jeton):
    reponses = [
        client.post("/api/terrain/osmand", "{pas du json", content_type="application/json"),
        client.post("/api/terrain/osmand", json.dumps({"device_id": jeton}), content_type="application/json"),
        owntracks(client, ["location"], mot_de_passe=jeton),
    ]

    assert [r.status_code for r in reponses] == [400, 400, 400]
    assert [r.json()["detail"] for r in reponses] == [
        "JSON mal formé : Expecting property name enclosed in double quotes: line 1 column 2 (char 1).",
        "Message refusé : champ « location » manquant.",
        "Message refusé : objet JSON attendu ({\"_type\": …}).",
    ]


def test_body_over_the_field_api_limit_is_413(client, agent, jeton, settings):
    settings.AKIG_API_TERRAIN_TAILLE_MAX = 2_000
    locations = [traccar9(jeton, instant=INSTANT + datetime.timedelta(seconds=k)) for k in range(10)]

    reponses = [poster_traccar9(client, jeton, locations),
                owntracks(client, {**location_owntracks(), "remplissage": "x" * 2_000}, mot_de_passe=jeton)]

    assert [r.status_code for r in reponses] == [413, 413]
    assert colonnes(agent) == []


def test_a_database_failure_is_a_5xx_so_the_client_sends_again(client, agent, jeton, monkeypatch):
    def en_panne(**kwargs):
        raise OperationalError("connexion perdue")

    monkeypatch.setattr("agents.api_traqueurs.positions_enregistrer", en_panne)
    client.raise_request_exception = False

    reponse = owntracks(client, location_owntracks(), mot_de_passe=jeton)

    assert reponse.status_code == 500


def tampon(n):
    """n positions of a day offline, 15 s apart, in the order the phone buffered them."""
    return [INSTANT - datetime.timedelta(hours=20) + datetime.timedelta(seconds=15 * k) for k in range(n)]


def test_a_buffer_of_2000_positions_replayed_twice_is_stored_once_and_in_order(client, agent, jeton):
    instants = tampon(2000)
    envois = []
    for _ in range(2):
        for debut in range(0, 2000, 250):  # Traccar Client 9 sends its buffer in batches
            lot = [traccar9(jeton, instant=i, latitude=48.8 + k / 10_000)
                   for k, i in enumerate(instants[debut:debut + 250], start=debut)]
            envois.append(poster_traccar9(client, jeton, lot).json())

    assert sum(e["creees"] for e in envois[:8]) == 2000
    assert sum(e["creees"] for e in envois[8:]) == 0
    assert sum(e["doublons"] for e in envois[8:]) == 2000
    points = trajet(agent_id=agent.id, debut=instants[0], fin=instants[-1] + datetime.timedelta(seconds=1))
    assert [p.instant for p in points] == instants
    assert [p.latitude for p in points] == [48.8 + k / 10_000 for k in range(2000)]


def test_owntracks_buffer_sent_one_message_at_a_time_twice_is_stored_once(client, agent, jeton):
    instants = tampon(300)
    codes = [
        owntracks(client, location_owntracks(tst=int(i.timestamp())), mot_de_passe=jeton).status_code
        for _ in range(2) for i in instants
    ]

    assert codes == [200] * 600
    assert [p.instant for p in trajet(agent_id=agent.id, debut=instants[0], fin=INSTANT)] == instants


def test_metrics_count_the_positions_stored_by_channel(client, agent, jeton, settings, django_user_model):
    avant = dict(compteurs_lire())[POSITIONS_ENREGISTREES]
    poster_traccar9(client, jeton, [traccar9(jeton), traccar9(jeton, instant=INSTANT + datetime.timedelta(seconds=5))])
    poster_traccar9(client, jeton, [traccar9(jeton)])  # a duplicate: not counted
    owntracks(client, location_owntracks(tst=TST + 60), mot_de_passe=jeton)
    settings.AKIG_OPS_TOKEN = "ops-jeton"

    corps = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ops-jeton").content.decode()

    for canal, ajout in (("traccar", 2), ("owntracks", 1), ("api", 0), ("import", 0)):
        assert f'akig_positions_enregistrees_total{{canal="{canal}"}} {float(avant[canal] + ajout)}' in corps


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_phones_replaying_the_same_buffer_at_once_store_it_once(agent):
    """Two connections post the same 500 positions at the same time: ON CONFLICT keeps one."""
    jeton = jeton_creer(agent_id=agent.id)
    lot = [traccar9(jeton, instant=i) for i in tampon(500)]
    depart = threading.Barrier(2)
    resultats = []

    def envoyer():
        try:
            depart.wait()
            resultats.append(poster_traccar9(Client(), jeton, lot).json())
        finally:
            close_old_connections()

    fils = [threading.Thread(target=envoyer) for _ in range(2)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()

    assert sum(r["creees"] for r in resultats) == 500
    assert sum(r["doublons"] for r in resultats) == 500
    assert AgentGeolocalisation.objects.filter(agent=agent).count() == 500


def _compte(canal):
    return dict(compteurs_lire())[POSITIONS_ENREGISTREES][canal]


def test_csv_import_counts_its_new_positions_and_keeps_what_a_phone_sent(tmp_path):
    for nom, lignes in FILES.items():
        ecrire(tmp_path, nom, lignes)
    avant = _compte("import")
    assert run_import(tmp_path)[2] is None
    agent = Agent.objects.get(code="AG1")
    jeton = jeton_creer(agent_id=agent.id)
    instant = datetime.datetime(2026, 11, 20, 9, 1, tzinfo=UTC)
    Client().get("/api/terrain/osmand", {"id": jeton, "lat": "48.86", "lon": "2.35", "timestamp": instant.isoformat(),
                                         "batt": "40"})
    # The field system exports the same position later, with its own reading of it.
    ecrire(tmp_path, "positions.csv", [*FILES["positions.csv"], "AG1,2026-11-20T10:01:00+01:00,48.8602,2.35,4"])

    assert run_import(tmp_path)[2] is None

    assert _compte("import") == avant + 2  # the first import's 2 rows; the second created none
    assert [ligne[4:6] for ligne in colonnes(agent)] == [("import", None), ("import", None), ("traccar", 40)]
    assert colonnes(agent)[2][1] == 48.8602
