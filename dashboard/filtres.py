"""The analysis page's filters, read from the query string.

The runbook's link is `/dashboard/impayes?filter=retard:60+`: in a query string `+` is a
space, so the view receives `retard:60 `. `filter` takes space- or comma-separated
`key:value` terms (`retard:90+ site:S001 equipe:EQ01 sensibles montant:5000+`); the form
sends the same filters as separate fields (`retard=90&site=S001…`), which win. Anything
unknown or malformed becomes a French message and the filter keeps its default: the page
still shows, with a 400 status.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, InvalidOperation

from django.http import QueryDict
from django.utils.translation import gettext as _

from recovery.selectors import RETARD_CRITIQUE, TRANCHES

RETARD_MAX = 3650
CLES = ("retard", "site", "equipe", "sensibles", "montant")
# Sortable columns of the analysis ("-" prefix: descending).
TRIS = ("code", "nom", "sensible", "nb", "montant", "retard_max", "part", "variation_nb",
        "variation_montant", "agents") + tuple(f"t{i}" for i in range(9))
VRAI = {"", "1", "oui", "on", "true"}


def tranche_du_tri(colonne: str) -> int | None:
    """The index of the ageing bucket a sort column names (« t2 » → 2), None for another column."""
    return int(colonne[1:]) if colonne.startswith("t") and colonne[1:].isdigit() else None


@dataclass(frozen=True)
class Criteres:
    """What the analysis computes, the key of its cache: debts over `retard_min` days (the
    query string's `retard`), on one site (code), one team's sites (code), sensitive sites
    only, sites owing at least `montant_min` over the retard; ageing buckets cut at `limites`."""

    retard_min: int = RETARD_CRITIQUE  # the rule's default; filtres_lire gives the rule's delay
    site: str = ""
    equipe: str = ""
    sensibles: bool = False
    montant_min: Decimal | None = None
    limites: tuple[int, ...] = TRANCHES


@dataclass(frozen=True)
class Filtres(Criteres):
    """The analysis page's query string: its Criteres, sorted by `tri`, page `page`, and the
    French messages of the values refused."""

    tri: str = "-montant"
    page: int = 1
    erreurs: tuple[str, ...] = field(default=(), compare=False)

    @property
    def criteres(self) -> Criteres:
        """What the analysis depends on (not the sort nor the page)."""
        return Criteres(**{nom.name: getattr(self, nom.name) for nom in fields(Criteres)})

    def query_string(self, **changements) -> str:
        """This view's query string in the form's fields, with `changements` (e.g. tri, page)."""
        filtres = replace(self, **changements)
        qd = QueryDict(mutable=True)
        qd["retard"] = str(filtres.retard_min)
        for nom in ("site", "equipe"):
            if getattr(filtres, nom):
                qd[nom] = getattr(filtres, nom)
        if filtres.sensibles:
            qd["sensibles"] = "1"
        if filtres.montant_min is not None:
            qd["montant"] = str(filtres.montant_min)
        if filtres.limites != TRANCHES:
            qd["tranches"] = ",".join(str(n) for n in filtres.limites)
        if filtres.tri != "-montant":
            qd["tri"] = filtres.tri
        if filtres.page != 1:
            qd["page"] = str(filtres.page)
        return qd.urlencode()


def _entier(texte: str) -> int | None:
    texte = texte.strip().rstrip("+").strip()
    return int(texte) if re.fullmatch(r"\d{1,6}", texte) else None


def _montant(texte: str) -> Decimal | None:
    """'5 000,50' or '5000.50' (an optional trailing +) -> Decimal; None if not an amount."""
    texte = re.sub(r"[\s\u00a0\u202f€]", "", texte).rstrip("+").replace(",", ".")
    if not re.fullmatch(r"\d{1,10}(\.\d{1,2})?", texte):
        return None
    try:
        return Decimal(texte)
    except InvalidOperation:  # pragma: no cover - the pattern already rules it out
        return None


def _termes(expression: str) -> tuple[dict[str, str], list[str]]:
    """Split the `filter` expression into {key: value}; return it and the error messages."""
    valeurs, erreurs = {}, []
    for terme in re.split(r"[\s,;]+", expression.strip()):
        if not terme:
            continue
        cle, _separateur, valeur = terme.partition(":")
        cle = cle.lower()
        if cle not in CLES:
            erreurs.append(
                _("Filtre inconnu « %(terme)s » : utilisez retard, site, equipe, sensibles ou montant "
                  "(par exemple retard:60+).") % {"terme": terme}
            )
            continue
        valeurs[cle] = valeur
    return valeurs, erreurs


def filtres_lire(get: QueryDict, *, retard_min: int) -> Filtres:
    """Return the Filtres of a query string, with a French message for every bad value;
    without a retard, `retard_min` (the overall rule's delay)."""
    valeurs, erreurs = _termes(get.get("filter", ""))
    for cle in CLES:  # the form's fields win over the filter's terms
        if cle in get:
            valeurs[cle] = get[cle]
    attributs: dict = {"retard_min": retard_min}

    if "retard" in valeurs:
        retard_min = _entier(valeurs["retard"])
        if retard_min is None or retard_min > RETARD_MAX:
            erreurs.append(
                _("Filtre « retard » : « %(valeur)s » n'est pas un nombre de jours entre 0 et %(max)s "
                  "(par exemple retard:60+).") % {"valeur": valeurs["retard"].strip(), "max": RETARD_MAX}
            )
        else:
            attributs["retard_min"] = retard_min
    for cle in ("site", "equipe"):
        if valeurs.get(cle, "").strip():
            attributs[cle] = valeurs[cle].strip()[:32]
    if "sensibles" in valeurs:
        attributs["sensibles"] = valeurs["sensibles"].strip().lower() in VRAI
    if valeurs.get("montant", "").strip():
        montant = _montant(valeurs["montant"])
        if montant is None:
            erreurs.append(
                _("Filtre « montant » : « %(valeur)s » n'est pas un montant en euros (par exemple 5000 ou "
                  "5 000,50).") % {"valeur": valeurs["montant"].strip()}
            )
        else:
            attributs["montant_min"] = montant

    if get.get("tranches", "").strip():
        limites = [_entier(n) for n in get["tranches"].split(",")]
        if (None in limites or not limites or len(limites) > 8 or limites != sorted(set(limites)) or 0 in limites
                or max(limites) > RETARD_MAX):
            erreurs.append(
                _("Paramètre « tranches » : « %(valeur)s » doit être une liste croissante de jours "
                  "entre 1 et %(max)s séparés par des virgules (par exemple 30,60,90,180).")
                % {"valeur": get["tranches"], "max": RETARD_MAX}
            )
        else:
            attributs["limites"] = tuple(limites)
    tri = get.get("tri", "")
    if tri:
        nb_tranches = len(attributs.get("limites", TRANCHES)) + 1
        colonne = tri.lstrip("-")
        # A bucket column (t0, t1…) only among the buckets asked for.
        if colonne in TRIS and (tranche_du_tri(colonne) or 0) < nb_tranches:
            attributs["tri"] = tri
        else:
            erreurs.append(_("Paramètre « tri » : colonne inconnue « %(valeur)s ».") % {"valeur": tri})
    page = get.get("page", "")
    if page:
        numero = _entier(page)
        if not numero:
            erreurs.append(_("Paramètre « page » : « %(valeur)s » n'est pas un numéro de page.") % {"valeur": page})
        else:
            attributs["page"] = numero
    return Filtres(**attributs, erreurs=tuple(erreurs))
