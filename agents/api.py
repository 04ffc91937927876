"""The field API the agents' phones write to (`/api/terrain/…`), with django-ninja.

Its OpenAPI description is `/api/terrain/openapi.json`, its documentation page
`/api/terrain/docs` (Swagger UI served from ninja's own static files: no CDN; the page is
templates/agents/api_docs.html, in French). Every answer, error or not, is JSON with French
reasons. What the OpenAPI description shows is French too: summaries, descriptions, the
schemas' docstrings and their fields' titles and descriptions, the responses' descriptions.
"""
import json
from decimal import Decimal

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.security import HttpBearer

from agents.api_traqueurs import router as traqueurs
from agents.selectors import agent_du_jeton
from agents.services import actions_enregistrer, positions_enregistrer
from agents.terrain import CorpsTropGros, LotRefuse, taille_verifier
from akig_ops.lib.geo import LATITUDE_MAX, LATITUDE_MIN, LONGITUDE_MAX, LONGITUDE_MIN


def _docs_decorateur(vue):
    """The docs page: login required; Swagger UI's CSS draws its icons as data: images (CSP)."""
    return csp_update({"img-src": ["data:"]})(login_required(vue))


class DocsEnFrancais(Swagger):
    """ninja's Swagger UI page (its own static files) in our French page: title, language, intro."""

    template = "agents/api_docs.html"


api = NinjaAPI(
    title="AKIG Ops — API terrain",
    version="1",
    description="Positions GPS et actions de recouvrement envoyées par les téléphones des agents. "
    "Jeton : `python manage.py jeton_agent CODE`, envoyé en `Authorization: Bearer <jeton>`. "
    "Un lot est enregistré en entier ou pas du tout ; le renvoyer n'enregistre rien deux fois.",
    urls_namespace="terrain",
    # validatorUrl: no badge fetched from validator.swagger.io (nothing leaves the intranet).
    docs=DocsEnFrancais(settings={"validatorUrl": None}),
    docs_decorator=_docs_decorateur,
)


class JetonAgent(HttpBearer):
    """Bearer token of one agent; refuses an oversized body before anything is read."""

    openapi_description = "Jeton d'un agent (`python manage.py jeton_agent CODE`), en `Authorization: Bearer <jeton>`."

    def __call__(self, request: HttpRequest):
        taille_verifier(request)
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


class Position(Schema):
    """Une position GPS du téléphone."""

    timestamp: str = Field(title="Horodatage",
                           description="ISO 8601 ; sans décalage, heure de Paris ; jamais dans le futur.")
    latitude: float = Field(ge=LATITUDE_MIN, le=LATITUDE_MAX, description="Degrés décimaux (WGS 84).")
    longitude: float = Field(ge=LONGITUDE_MIN, le=LONGITUDE_MAX, description="Degrés décimaux (WGS 84).")
    precision_m: float | None = Field(None, ge=0, title="Précision (m)",
                                      description="Rayon de précision annoncé par le téléphone, en mètres.")


class LotPositions(Schema):
    """Un lot de positions : enregistré en entier ou pas du tout."""

    positions: list[Position] = Field(description="Les positions du lot, dans n'importe quel ordre.")


class Action(Schema):
    """Une action de recouvrement : les colonnes d'actions.csv."""

    reference: str = Field(title="Référence", description="Référence unique de l'action dans le système terrain.")
    locataire_code: str = Field(title="Code locataire", description="Le code du locataire dans locataires.csv.")
    impaye_reference: str = Field("", title="Référence de l'impayé", description="Facultative.")
    type_action: str = Field(title="Type d'action",
                             description="visite, appel, sms, promesse, paiement, refus, absent")
    statut: str = Field("", description="Le mot du système terrain, tel quel (« fait », « RDV pris »…).")
    resultat: str = Field("", title="Résultat", description="Texte libre.")
    montant_recouvre: Decimal = Field(Decimal("0"), ge=0, title="Montant recouvré",
                                      description="En euros, point décimal (« 40.00 »).")
    date_action: str = Field(title="Date de l'action", description="ISO 8601 ; jamais dans le futur.")
    latitude: float | None = Field(None, ge=LATITUDE_MIN, le=LATITUDE_MAX, description="Où l'action a été enregistrée (degrés décimaux).")
    longitude: float | None = Field(None, ge=LONGITUDE_MIN, le=LONGITUDE_MAX, description="Où l'action a été enregistrée (degrés décimaux).")
    promesse_montant: Decimal | str | None = Field(
        None, title="Montant promis",
        description="Pour une promesse : le montant promis en euros, point ou virgule décimale (« 120.50 », « 120,50 »). "
                    "Facultatif ; sans montant ou sans date, la promesse est « sans engagement ».")
    promesse_date: str | None = Field(
        None, title="Date promise",
        description="Pour une promesse : le jour promis, AAAA-MM-JJ, pas avant l'action. Facultatif.")
    agent_code: str | None = Field(None, title="Code agent",
                                   description="Facultatif ; s'il est donné, celui de l'agent du jeton.")


class LotActions(Schema):
    """Un lot d'actions : enregistré en entier ou pas du tout."""

    actions: list[Action] = Field(description="Les actions du lot.")


class Element(Schema):
    """Ce que la base a fait d'un élément du lot."""

    index: int = Field(description="Rang de l'élément dans le lot (à partir de 0).")
    cle: str = Field(title="Clé", description="Sa référence (action) ou son horodatage (position).")
    etat: str = Field(title="État", description="« enregistre » : enregistré par cet envoi ; « deja_enregistre » : "
                      "la base l'avait déjà (lot renvoyé, ou deux fois dans le lot) : à ne pas renvoyer.")


class Compte(Schema):
    """Ce que le lot a donné, d'après ce que la base a enregistré."""

    recues: int = Field(title="Reçues", description="Éléments reçus dans le lot.")
    creees: int = Field(title="Créées", description="Éléments enregistrés par cet envoi.")
    doublons: int = Field(description="Éléments déjà enregistrés (lot renvoyé) : ignorés.")
    elements: list[Element] = Field(title="Éléments", description="Un état par élément, dans l'ordre du lot.")


class Erreur(Schema):
    """Un élément refusé et pourquoi."""

    index: int | None = Field(description="Rang de l'élément dans le lot (à partir de 0) ; vide pour le lot entier.")
    champ: str = Field(description="Le champ en cause (« latitude »), ou la liste du lot (« positions »).")
    motif: str = Field(description="La raison, en français.")


class Refus(Schema):
    """Une requête refusée : rien n'est enregistré."""

    detail: str = Field(title="Détail", description="Pourquoi, en français.")
    erreurs: list[Erreur] = Field([], description="Pour un lot refusé : une ligne par élément en cause.")


REPONSES = {200: Compte, 400: Refus, 401: Refus, 403: Refus, 409: Refus, 413: Refus}
# The responses' descriptions (ninja writes HTTP's English reason phrases otherwise).
DESCRIPTIONS_REPONSES = {"responses": {
    200: {"description": "Lot enregistré (ou déjà enregistré : doublons)."},
    400: {"description": "Lot refusé : JSON mal formé ou éléments invalides, rien n'est enregistré."},
    401: {"description": "Jeton absent, inconnu ou révoqué."},
    403: {"description": "Un élément concerne un autre agent que celui du jeton : rien n'est enregistré."},
    409: {"description": "Une référence est déjà enregistrée pour un autre agent : rien n'est enregistré."},
    413: {"description": "Corps de requête trop gros : envoyez des lots plus petits."},
}}


@api.post("/positions", response=REPONSES, auth=JetonAgent(), tags=["Terrain"], summary="Envoyer des positions GPS",
          description="Enregistre les positions de l'agent du jeton. Une position déjà reçue (même horodatage) "
          "est un doublon : elle n'est pas enregistrée deux fois.",
          openapi_extra=DESCRIPTIONS_REPONSES)
def positions(request, lot: LotPositions):
    """Store the token's agent's positions; a position already stored (same timestamp) is a duplicate."""
    return positions_enregistrer(agent_id=request.auth.id, positions=[p.model_dump() for p in lot.positions])


@api.post("/actions", response=REPONSES, auth=JetonAgent(), tags=["Terrain"], summary="Envoyer des actions de recouvrement",
          description="Enregistre les actions de l'agent du jeton et recalcule le score des jours concernés. "
          "Une action déjà reçue (même référence) est un doublon ; une référence d'un autre agent est refusée.",
          openapi_extra=DESCRIPTIONS_REPONSES)
def actions(request, lot: LotActions):
    """Store the token's agent's actions; an action already stored (same reference) is a duplicate."""
    return actions_enregistrer(agent_id=request.auth.id, actions=[a.model_dump() for a in lot.actions])


# Traccar Client and OwnTracks (agents/api_traqueurs.py): the same API, its handlers and limits.
api.add_router("", traqueurs)
