"""Setting an agent's phone up: what the set-up page shows once, for a new secret.

The OwnTracks configuration link (`owntracks:///config?inline=<base64 JSON>`: HTTP mode, the
endpoint, user = the agent's code, password = the secret) and the Traccar Client settings (the
server URL, the device identifier = the secret), each also as a QR code drawn here as SVG
(segno): nothing leaves the server.
"""
import base64
import json
from urllib.parse import quote

import segno

# OwnTracks' HTTP mode, and how often it reports: every minute or every 25 m in move mode.
OWNTRACKS_MODE_HTTP = 3
OWNTRACKS_SUIVI_DEPLACEMENT = 2
OWNTRACKS_INTERVALLE_S = 60
OWNTRACKS_DEPLACEMENT_M = 25


def qr_svg(texte: str) -> str:
    """The QR code of `texte` as an inline SVG element (error correction M; sized by the page's CSS)."""
    return segno.make(texte, error="m", micro=False).svg_inline(scale=4, dark="#111", light="#fff", omitsize=True)


def configuration_owntracks(*, agent_code: str, jeton: str, url: str) -> dict:
    """The OwnTracks configuration of the agent's phone (its keys are the app's)."""
    return {
        "_type": "configuration",
        "mode": OWNTRACKS_MODE_HTTP,
        "url": url,
        "auth": True,
        "username": agent_code,
        "password": jeton,
        "deviceId": "telephone",
        "tid": agent_code[-2:].upper(),
        "monitoring": OWNTRACKS_SUIVI_DEPLACEMENT,
        "locatorInterval": OWNTRACKS_INTERVALLE_S,
        "moveModeLocatorInterval": OWNTRACKS_INTERVALLE_S,
        "locatorDisplacement": OWNTRACKS_DEPLACEMENT_M,
    }


def lien_owntracks(configuration: dict) -> str:
    """The link OwnTracks imports a configuration from (base64 JSON, percent-encoded: '+' and
    '/' survive the app's query parsing)."""
    inline = base64.b64encode(json.dumps(configuration, separators=(",", ":")).encode()).decode()
    return "owntracks:///config?inline=" + quote(inline, safe="")


def configuration_telephone(*, agent_code: str, jeton: str, url_owntracks: str, url_osmand: str) -> dict:
    """What the set-up page shows: {lien_owntracks, qr_owntracks, url_osmand, identifiant,
    qr_identifiant} (the QR codes as inline SVG)."""
    lien = lien_owntracks(configuration_owntracks(agent_code=agent_code, jeton=jeton, url=url_owntracks))
    return {
        "lien_owntracks": lien,
        "qr_owntracks": qr_svg(lien),
        "url_osmand": url_osmand,
        "identifiant": jeton,
        "qr_identifiant": qr_svg(jeton),
    }
