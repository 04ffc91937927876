"""Checking what the agents' phones send (field API), with the import's own parsers and
French reasons: a batch is stored whole or not at all."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.utils.translation import ngettext

from agents.importers import ActionsImporteur, incoherences_action
from akig_ops.lib import csv_import as ci
from akig_ops.lib.geo import LATITUDE_MAX, LATITUDE_MIN, LONGITUDE_MAX, LONGITUDE_MIN


@dataclass(frozen=True)
class ErreurElement:
    """Why item `index` of a batch (None: the batch itself) was refused, and in which field."""

    index: int | None
    champ: str
    motif: str

    def en_dict(self) -> dict:
        return {"index": self.index, "champ": self.champ, "motif": self.motif}


class LotRefuse(Exception):
    """A batch with at least one bad item: nothing of it is stored."""

    def __init__(self, erreurs: list[ErreurElement], *, statut: int = 400):
        super().__init__(ngettext("%(n)s erreur", "%(n)s erreurs", len(erreurs)) % {"n": len(erreurs)})
        self.erreurs = erreurs
        self.statut = statut


class CorpsTropGros(Exception):
    """A request body above AKIG_API_TERRAIN_TAILLE_MAX (413)."""


def taille_verifier(request) -> None:
    """Raise CorpsTropGros when the request announces a body above AKIG_API_TERRAIN_TAILLE_MAX,
    before anything is read."""
    try:
        taille = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        taille = 0
    if taille > settings.AKIG_API_TERRAIN_TAILLE_MAX:
        raise CorpsTropGros


def _brut(valeur: Any) -> str:
    """A JSON value as the text the import's parsers read (None is an empty cell)."""
    return "" if valeur is None else str(valeur)


def _verifier(erreurs: list, index: int, champ: str, parse, valeur: Any):
    try:
        return parse(_brut(valeur))
    except ci.ValeurInvalide as exc:
        erreurs.append(ErreurElement(index, champ, str(exc)))
        return None


def _coordonnee(erreurs: list, index: int, champ: str, parse, valeur: Any, mini: float, maxi: float):
    """A number the schema already read: kept when in range, else the import's parser says why."""
    if isinstance(valeur, (int, float)) and mini <= valeur <= maxi:
        return float(valeur)
    return _verifier(erreurs, index, champ, parse, valeur)


class PositionVerifiee(NamedTuple):
    """A checked position and what the phone said of itself (None: not told)."""

    instant: datetime.datetime
    latitude: float
    longitude: float
    precision_m: float | None
    batterie_pct: int | None = None
    en_charge: bool | None = None
    en_mouvement: bool | None = None
    vitesse_kmh: float | None = None


batterie = ci.flottant(nom="batterie", mini=0, maxi=100, optionnel=True)
# Faster than any road vehicle is a broken reading, not a speed.
vitesse = ci.flottant(nom="vitesse", mini=0, maxi=1_000, optionnel=True)


def _facultatif(erreurs: list, index: int, champ: str, parse, valeur: Any):
    return None if valeur is None else _verifier(erreurs, index, champ, parse, valeur)


def positions_verifiees(positions: list[dict]) -> list[PositionVerifiee]:
    """Return the positions (timestamp, latitude, longitude, precision_m and, when told,
    batterie_pct, en_charge, en_mouvement, vitesse_kmh), checked as import_csv checks
    positions.csv; raise LotRefuse listing every bad field."""
    erreurs: list[ErreurElement] = []
    lignes = []
    for index, position in enumerate(positions):
        precision = position.get("precision_m")
        niveau = _facultatif(erreurs, index, "batterie_pct", batterie, position.get("batterie_pct"))
        lignes.append(PositionVerifiee(
            _verifier(erreurs, index, "timestamp", ci.instant_passe, position.get("timestamp")),
            _coordonnee(erreurs, index, "latitude", ci.latitude, position.get("latitude"), LATITUDE_MIN, LATITUDE_MAX),
            _coordonnee(erreurs, index, "longitude", ci.longitude, position.get("longitude"), LONGITUDE_MIN, LONGITUDE_MAX),
            None if precision is None else _coordonnee(erreurs, index, "precision_m", ci.precision_m, precision, 0, 100_000),
            None if niveau is None else round(niveau),
            _facultatif(erreurs, index, "en_charge", ci.booleen, position.get("en_charge")),
            _facultatif(erreurs, index, "en_mouvement", ci.booleen, position.get("en_mouvement")),
            _facultatif(erreurs, index, "vitesse_kmh", vitesse, position.get("vitesse_kmh")),
        ))
    if erreurs:
        raise LotRefuse(erreurs)
    return lignes


# The columns of actions.csv, parsed as import_csv parses them; the agent is the token's.
COLONNES_ACTION = [(colonne.nom, colonne.parse) for colonne in ActionsImporteur.colonnes if colonne.nom != "agent_code"]


def actions_verifiees(
    actions: list[dict],
    *,
    agent_code: str,
    locataires: dict[str, int],
    impayes: dict[str, int],
) -> list[dict]:
    """Return the actions as {column: value} with locataire_id, checked as import_csv checks
    actions.csv (known tenant and debt, the debt is the tenant's, amount ≥ 0, no future date,
    latitude and longitude together); `locataires` maps codes to ids, `impayes` debt references
    to their tenant's id. Raise LotRefuse (403 when an item names another agent)."""
    pour_autrui = [
        ErreurElement(index, "agent_code", f"action d'un autre agent « {action['agent_code']} » : refusée")
        for index, action in enumerate(actions)
        if action.get("agent_code") not in (None, "", agent_code)
    ]
    if pour_autrui:
        raise LotRefuse(pour_autrui, statut=403)
    erreurs: list[ErreurElement] = []
    lignes = []
    for index, action in enumerate(actions):
        avant = len(erreurs)
        ligne = {nom: _verifier(erreurs, index, nom, parse, action.get(nom)) for nom, parse in COLONNES_ACTION}
        if len(erreurs) > avant:
            continue
        ligne["locataire_id"] = locataires.get(ligne["locataire_code"])
        if ligne["locataire_id"] is None:
            erreurs.append(ErreurElement(index, "locataire_code", f"code locataire inconnu « {ligne['locataire_code']} »"))
        incoherences = incoherences_action(ligne, locataire_code=ligne["locataire_code"], impayes=impayes)
        erreurs += [ErreurElement(index, colonne, motif) for colonne, motif in incoherences]
        lignes.append(ligne)
    if erreurs:
        raise LotRefuse(erreurs)
    return lignes

