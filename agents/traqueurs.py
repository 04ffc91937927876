"""What the free trackers send, read into the field API's positions (pure: no database).

Traccar Client speaks the OsmAnd protocol: since version 9 a JSON body (the location of
its background-geolocation library: `coords`, `battery`, `is_moving`, one object or a
list), before it query or form parameters (`id`, `lat`, `lon`, `timestamp`, `speed` in
knots, `batt`, `charge`). OwnTracks (HTTP mode) posts one JSON message with a `_type`;
only `location` carries a position. Each function returns the positions as
`agents.services.positions_enregistrer` takes them; that service checks every value.
"""
from __future__ import annotations

import datetime
from typing import Any

NOEUD_KMH = 1.852
MS_KMH = 3.6
# A Unix time above this is in milliseconds (year 5138 in seconds).
MILLISECONDES_DES = 100_000_000_000


class MessageIllisible(ValueError):
    """A body that is not what the client sends (not JSON, not an object); French text."""


def _nombre(valeur: Any) -> float | None:
    """A JSON or text number; None when absent or not a number (the checks then say why)."""
    if valeur is None or valeur == "" or isinstance(valeur, bool):
        return None
    try:
        return float(valeur)
    except (TypeError, ValueError):
        return None


def _converti(valeur: Any, facteur: float) -> Any:
    """A number times `facteur`; a negative reading is the clients' "unknown" (-1); a value
    that is not a number is passed as is, for the checks to name it."""
    nombre = _nombre(valeur)
    if nombre is None:
        return None if valeur in (None, "") else valeur
    if nombre < 0:
        return None
    return valeur if facteur == 1 else nombre * facteur  # as sent: an error quotes it


def instant(valeur: Any) -> Any:
    """A Unix time (seconds, or milliseconds) as ISO 8601 UTC; anything else as is (ISO 8601
    text is what the field API reads; the checks refuse the rest)."""
    nombre = _nombre(valeur)
    if nombre is None:
        return valeur
    if abs(nombre) >= MILLISECONDES_DES:
        nombre /= 1000
    try:
        return datetime.datetime.fromtimestamp(nombre, tz=datetime.timezone.utc).isoformat()
    except (OverflowError, OSError, ValueError):
        return str(valeur)


def _booleen(valeur: Any) -> Any:
    return None if valeur in (None, "") else valeur


def osmand_parametres(parametres: dict[str, str]) -> tuple[str, list[dict]]:
    """(device identifier, [one position]) from the query or form parameters of an OsmAnd
    client (`id` or `deviceid`; `lat`, `lon`, `timestamp`, `accuracy`, `speed` in knots,
    `batt` in %, `charge`, `motion`)."""
    jeton = parametres.get("id") or parametres.get("deviceid") or ""
    position = {
        "timestamp": instant(parametres.get("timestamp")),
        "latitude": parametres.get("lat"),
        "longitude": parametres.get("lon"),
        "precision_m": _converti(parametres.get("accuracy"), 1),
        "vitesse_kmh": _converti(parametres.get("speed"), NOEUD_KMH),
        "batterie_pct": _converti(parametres.get("batt"), 1),
        "en_charge": _booleen(parametres.get("charge")),
        "en_mouvement": _booleen(parametres.get("motion")),
    }
    return jeton, [position]


def _position_traccar(location: Any) -> dict:
    """One location of Traccar Client 9 (speed in m/s, battery level 0–1, -1: unknown)."""
    if not isinstance(location, dict):
        return {}
    coords = location.get("coords") if isinstance(location.get("coords"), dict) else {}
    batterie = location.get("battery") if isinstance(location.get("battery"), dict) else {}
    return {
        "timestamp": instant(location.get("timestamp")),
        "latitude": coords.get("latitude"),
        "longitude": coords.get("longitude"),
        "precision_m": _converti(coords.get("accuracy"), 1),
        "vitesse_kmh": _converti(coords.get("speed"), MS_KMH),
        "batterie_pct": _converti(batterie.get("level"), 100),
        "en_charge": batterie.get("is_charging"),
        "en_mouvement": location.get("is_moving"),
    }


def osmand_json(corps: Any) -> tuple[str, list[dict]]:
    """(device identifier, positions) from Traccar Client 9's JSON body:
    {"location": {...} or [{...}, ...], "device_id": ...}."""
    if not isinstance(corps, dict):
        raise MessageIllisible("objet JSON attendu ({\"location\": …, \"device_id\": …})")
    locations = corps.get("location")
    if locations is None:
        raise MessageIllisible("champ « location » manquant")
    if not isinstance(locations, list):
        locations = [locations]
    return str(corps.get("device_id") or ""), [_position_traccar(location) for location in locations]


# OwnTracks' battery status: 0 unknown, 1 unplugged, 2 charging, 3 full (on the charger).
OWNTRACKS_EN_CHARGE = {1: False, 2: True, 3: True}


def owntracks_position(message: Any) -> dict | None:
    """The position of an OwnTracks `location` message (lat, lon, tst, acc, batt %, bs,
    vel km/h); None for another type (lwt, status, transition, waypoint…), acknowledged only."""
    if not isinstance(message, dict):
        raise MessageIllisible("objet JSON attendu ({\"_type\": …})")
    if message.get("_type") != "location":
        return None
    return {
        "timestamp": instant(message.get("tst")),
        "latitude": message.get("lat"),
        "longitude": message.get("lon"),
        "precision_m": _converti(message.get("acc"), 1),
        "vitesse_kmh": _converti(message.get("vel"), 1),
        "batterie_pct": _converti(message.get("batt"), 1),
        "en_charge": OWNTRACKS_EN_CHARGE.get(message.get("bs")),
    }
