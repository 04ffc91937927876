"""The free trackers' endpoints of the field API: Traccar Client (`/api/terrain/osmand`, the
OsmAnd protocol) and OwnTracks in HTTP mode (`/api/terrain/owntracks`).

Thin: each reads its client's format (agents.traqueurs) and calls the field API's one
service, `positions_enregistrer`, with the channel; the agent is the one of the token (the
phone's secret, `manage.py jeton_agent CODE` or the set-up page). The answers are what the
clients act on: 200 (the client drops the position from its buffer), 400 for a position that
will never be valid (not to be retried), 401 for an unknown or revoked secret, 413 for an
oversized body; a 5xx only when the server failed and the client should send again.
"""
import binascii
import json
import logging

from django.http import HttpRequest, JsonResponse
from ninja import Router
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBasicAuth

from agents.models import Canal
from agents.selectors import agent_du_jeton
from agents.services import positions_enregistrer
from agents.terrain import LotRefuse, taille_verifier
from agents.traqueurs import MessageIllisible, osmand_json, osmand_parametres, owntracks_position

logger = logging.getLogger(__name__)
router = Router(tags=["Traqueurs"])


def _reponses(succes: str) -> dict:
    """The responses' descriptions in French (ninja writes HTTP's English reason phrases)."""
    return {"responses": {
        200: {"description": succes},
        400: {"description": "Position ou message refusé (JSON mal formé, valeur invalide) : rien n'est "
                             "enregistré, le client ne doit pas le renvoyer."},
        401: {"description": "Jeton absent, inconnu ou révoqué."},
        413: {"description": "Corps de requête trop gros : envoyez des lots plus petits."},
    }}


def _enregistrer(*, agent, positions: list[dict], canal: str) -> dict:
    """The field API's service; a refused position is logged in French (the phone shows nobody)."""
    try:
        return positions_enregistrer(agent_id=agent.id, positions=positions, canal=canal)
    except LotRefuse as exc:
        logger.warning(
            "positions refusees (%s, agent %s) : %s", canal, agent.code,
            "; ".join(f"[{e.index}] {e.champ} : {e.motif}" for e in exc.erreurs),
        )
        raise


def _json(request: HttpRequest):
    try:
        return json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise HttpError(400, "JSON mal formé") from exc


def _lire_osmand(request: HttpRequest) -> tuple[str, list[dict]]:
    """Traccar Client 9's JSON body, or the older clients' query string (GET, POST) or form."""
    if request.method == "POST" and (request.content_type == "application/json" or request.body[:1] == b"{"):
        try:
            return osmand_json(_json(request))
        except MessageIllisible as exc:
            raise HttpError(400, f"Message refusé : {exc}.") from None
    parametres = request.GET.dict()
    if request.method == "POST":
        parametres.update(request.POST.dict())
    return osmand_parametres(parametres)


@router.api_operation(
    ["GET", "POST"], "/osmand", auth=None, summary="Traccar Client (protocole OsmAnd)",
    description="Le corps JSON de Traccar Client 9 et suivants (`location`, `device_id`), ou les paramètres "
    "des clients OsmAnd plus anciens (`id`, `lat`, `lon`, `timestamp`, `speed` en nœuds, `batt`, `charge`), "
    "en GET ou en POST. L'identifiant de l'appareil est le jeton de l'agent.",
    openapi_extra=_reponses("Positions enregistrées (ou déjà enregistrées : doublons) : {recues, creees, doublons}."),
)
def osmand(request):
    """Store the positions of the agent whose token is the device identifier."""
    taille_verifier(request)
    jeton, positions = _lire_osmand(request)
    agent = agent_du_jeton(jeton=jeton) if jeton else None
    if agent is None:
        raise AuthenticationError
    return _enregistrer(agent=agent, positions=positions, canal=Canal.TRACCAR)


class AgentEtJeton(HttpBasicAuth):
    """OwnTracks' HTTP Basic: user = the agent's code, password = its token."""

    openapi_description = "Utilisateur : le code de l'agent ; mot de passe : son jeton."

    def __call__(self, request: HttpRequest):
        taille_verifier(request)
        return super().__call__(request)

    def decode_authorization(self, value: str) -> tuple[str, str]:
        # ninja's would log a malformed header as an error: here it is just not authenticated.
        try:
            return super().decode_authorization(value)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return "", ""

    def authenticate(self, request: HttpRequest, username: str, password: str):
        agent = agent_du_jeton(jeton=password) if password else None
        return agent if agent is not None and agent.code == username else None


@router.post(
    "/owntracks", auth=AgentEtJeton(), summary="OwnTracks (mode HTTP)",
    description="Un message JSON d'OwnTracks : `location` (`lat`, `lon`, `tst`, `acc`, `batt`, `bs`, `vel`) "
    "est enregistré, les autres types (`lwt`, `status`, `transition`…) sont acquittés et ignorés. "
    "La réponse est une liste JSON, que l'application attend avant d'envoyer le message suivant.",
    openapi_extra=_reponses("Message acquitté (position enregistrée, ou déjà enregistrée) : une liste JSON vide."),
)
def owntracks(request):
    """Store the position of a `location` message; acknowledge every message with []."""
    try:
        position = owntracks_position(_json(request))
    except MessageIllisible as exc:
        raise HttpError(400, f"Message refusé : {exc}.") from None
    if position is not None:
        _enregistrer(agent=request.auth, positions=[position], canal=Canal.OWNTRACKS)
    return JsonResponse([], safe=False)

