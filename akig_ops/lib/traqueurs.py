"""The requests a phone's tracker app sends, as the load tests replay them.

Traccar Client 9 (one JSON `location`, or a buffer of them), older OsmAnd clients (a query
string) and OwnTracks (one `location`, Basic auth). Each maker takes the phone's secret and
the instants to send and returns (method, path, body, headers). Used by `manage.py
charge_traqueurs` and by `make loadtest`'s phones (ops/loadtest_locust.py).
"""
import base64
import datetime
import json
import urllib.parse

Requete = tuple[str, str, str, dict]


def traccar9(jeton: str, instants: list[datetime.datetime]) -> Requete:
    locations = [{"timestamp": i.isoformat(), "is_moving": True,
                  "coords": {"latitude": 48.85 + k * 1e-5, "longitude": 2.35, "accuracy": 8, "speed": 1.2},
                  "battery": {"level": 0.8, "is_charging": False}} for k, i in enumerate(instants)]
    corps = {"location": locations[0] if len(locations) == 1 else locations, "device_id": jeton}
    return "POST", "/api/terrain/osmand", json.dumps(corps), {"Content-Type": "application/json"}


def osmand(jeton: str, instants: list[datetime.datetime]) -> Requete:
    parametres = {"id": jeton, "timestamp": int(instants[0].timestamp()), "lat": 48.85, "lon": 2.35,
                  "speed": 2.1, "accuracy": 8, "batt": 80, "charge": "false"}
    return "POST", "/api/terrain/osmand?" + urllib.parse.urlencode(parametres), "", {}


def owntracks(code: str):
    """Return the request maker of the OwnTracks phone of agent `code` (its login)."""
    def requete(jeton: str, instants: list[datetime.datetime]) -> Requete:
        message = {"_type": "location", "lat": 48.85, "lon": 2.35, "tst": int(instants[0].timestamp()),
                   "acc": 8, "batt": 80, "bs": 1, "vel": 4, "tid": code[-2:]}
        auth = base64.b64encode(f"{code}:{jeton}".encode()).decode()
        return "POST", "/api/terrain/owntracks", json.dumps(message), {
            "Content-Type": "application/json", "Authorization": f"Basic {auth}"}
    return requete
