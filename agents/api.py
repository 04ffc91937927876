"""The field API the agents' phones write to (`/api/terrain/…`), with django-ninja.

Its OpenAPI description is `/api/terrain/openapi.json`, its documentation page
`/api/terrain/docs` (Swagger UI served from ninja's own static files: no CDN).
Every answer, error or not, is JSON with French reasons.
"""
import json
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from agents.selectors import agent_du_jeton
from agents.services import actions_enregistrer, positions_enregistrer
from agents.terrain import LotRefuse

api = NinjaAPI(
    title="AKIG Ops — API terrain",
    version="1",
    description="Positions GPS et actions de recouvrement envoyées par les téléphones des agents. "
    "Jeton : `python manage.py jeton_agent CODE`, envoyé en `Authorization: Bearer <jeton>`. "
    "Un lot est enregistré en entier ou pas du tout ; le renvoyer n'enregistre rien deux fois.",
    urls_namespace="terrain",
    docs_decorator=login_required,
)


class CorpsTropGros(Exception):
    pass


class JetonAgent(HttpBearer):
    """Bearer token of one agent; refuses an oversized body before anything is read."""

    def __call__(self, request: HttpRequest):
        try:
            taille = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            taille = 0
        if taille > settings.AKIG_API_TERRAIN_TAILLE_MAX:
            raise CorpsTropGros
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str):
        return agent_du_jeton(jeton=token)


def _erreur(request, statut: int, detail: str, erreurs: list | None = None):
    corps = {"detail": detail}
    if erreurs is not None:
        corps["erreurs"] = erreurs
    return api.create_response(request, corps, status=statut)


# Pydantic's error types, in French (the rest: "valeur invalide").
MOTIFS = {
    "missing": "champ obligatoire manquant",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "decimal_parsing": "montant non numérique",
    "decimal_type": "montant non numérique",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "model_attributes_type": "objet attendu",
    "dict_type": "objet attendu",
    "extra_forbidden": "champ inconnu",
}


def _motif(erreur: dict) -> str:
    """A pydantic error in French."""
    contexte = erreur.get("ctx") or {}
    if erreur.get("type") == "greater_than_equal":
        return f"valeur inférieure au minimum {contexte.get('ge'):g}"
    if erreur.get("type") == "less_than_equal":
        return f"valeur supérieure au maximum {contexte.get('le'):g}"
    return MOTIFS.get(erreur.get("type"), "valeur invalide")


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    erreurs = []
    for erreur in exc.errors:
        # loc: ("body", "lot", "positions", 3, "latitude")
        loc = [part for part in erreur.get("loc", ()) if part not in ("body", "lot")]
        rang = next((i for i, part in enumerate(loc) if isinstance(part, int)), None)
        index = None if rang is None else loc[rang]
        # Within an item, the item's field ("latitude"); otherwise the batch's ("positions").
        champ = ".".join(str(part) for part in loc[(rang + 1 if rang is not None else 0):])
        erreurs.append({"index": index, "champ": champ, "motif": _motif(erreur)})
    return _erreur(request, 400, "Lot refusé : rien n'est enregistré.", erreurs)


@api.exception_handler(LotRefuse)
def _lot_refuse(request, exc: LotRefuse):
    erreurs = [e.en_dict() for e in exc.erreurs]
    return _erreur(request, exc.statut, "Lot refusé : rien n'est enregistré.", erreurs)


@api.exception_handler(AuthenticationError)
def _non_authentifie(request, exc):
    return _erreur(request, 401, "Jeton absent, inconnu ou révoqué (Authorization: Bearer <jeton>).")


@api.exception_handler(CorpsTropGros)
@api.exception_handler(RequestDataTooBig)
def _trop_gros(request, exc):
    maximum = settings.AKIG_API_TERRAIN_TAILLE_MAX
    return _erreur(request, 413, f"Corps de requête trop gros ({maximum} octets au plus) : envoyez des lots plus petits.")


@api.exception_handler(HttpError)
def _http(request, exc: HttpError):
    if exc.status_code == 400 and isinstance(exc.__cause__, (json.JSONDecodeError, UnicodeDecodeError)):
        return _erreur(request, 400, f"JSON mal formé : {exc.__cause__}.")
    return _erreur(request, exc.status_code, exc.message)


class PositionIn(Schema):
    timestamp: str = Field(description="ISO 8601 ; sans décalage, heure de Paris ; jamais dans le futur.")
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    precision_m: float | None = Field(None, ge=0)


class LotPositions(Schema):
    positions: list[PositionIn]


class ActionIn(Schema):
    """The columns of actions.csv; agent_code, when given, must be the token's agent."""

    reference: str
    locataire_code: str
    impaye_reference: str = ""
    type_action: str = Field(description="visite, appel, sms, promesse, paiement, refus, absent")
    statut: str = Field("", description="Le mot du système terrain, tel quel (« fait », « RDV pris »…).")
    resultat: str = ""
    montant_recouvre: Decimal = Field(Decimal("0"), ge=0)
    date_action: str = Field(description="ISO 8601 ; jamais dans le futur.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    agent_code: str | None = None


class LotActions(Schema):
    actions: list[ActionIn]


class Compte(Schema):
    recues: int
    creees: int
    doublons: int


class ErreurOut(Schema):
    index: int | None
    champ: str
    motif: str


class Refus(Schema):
    detail: str
    erreurs: list[ErreurOut] = []


REPONSES = {200: Compte, 400: Refus, 401: Refus, 403: Refus, 413: Refus}


@api.post("/positions", response=REPONSES, auth=JetonAgent(), tags=["Terrain"], summary="Envoyer des positions GPS")
def positions(request, lot: LotPositions):
    """Store the token's agent's positions; a position already stored (same timestamp) is a duplicate."""
    return positions_enregistrer(agent_id=request.auth.id, positions=[p.model_dump() for p in lot.positions])


@api.post("/actions", response=REPONSES, auth=JetonAgent(), tags=["Terrain"], summary="Envoyer des actions de recouvrement")
def actions(request, lot: LotActions):
    """Store the token's agent's actions; an action already stored (same reference) is a duplicate."""
    return actions_enregistrer(agent_id=request.auth.id, actions=[a.model_dump() for a in lot.actions])
