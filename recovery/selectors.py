"""Reads about debts: each selector returns what one runbook query returns."""
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.utils import timezone

from akig_ops.lib.choix import choix_trouver

from recovery.models import MONEY_SOMME, Impaye, ImpayeSolde, InstantaneSite, Locataire, Pause, RecouvrementAction, Site
# The promises' judgement and the pauses live in their own modules; these are public selectors.
from recovery.pauses import filtre_en_pause, impayes_en_pause, locataires_en_pause  # noqa: F401
from recovery.promesses import promesses_jugees, taux_promesses_tenues  # noqa: F401

RETARD_CRITIQUE = 60


def echeance_limite(*, retard_min: int) -> datetime.date:
    """Return the date before which a debt is more than `retard_min` days late today.

    retard > retard_min  <=>  date_echeance < today − retard_min: a plain range on the
    date_echeance indexes, where computing the retard of each row would scan them all.
    """
    return timezone.localdate() - datetime.timedelta(days=retard_min)


def impayes_critiques_par_site(*, retard_min: int = RETARD_CRITIQUE, compter_pauses: bool = True) -> list[dict]:
    """Return [{site_id, nb, montant}] for outstanding debts more than `retard_min` days
    late, by site, largest amount still due first (the runbook's "Impayés critiques", which
    counts the debts under litigation or a payment plan; without them if not
    `compter_pauses`)."""
    impayes = Impaye.objects.filter(date_echeance__lt=echeance_limite(retard_min=retard_min))
    if not compter_pauses:
        impayes = impayes.exclude(filtre_en_pause(jour=timezone.localdate()))
    return list(
        impayes
        .values("site_id")
        .annotate(nb=Count("id"), montant=Sum("montant"))
        .order_by("-montant", "site_id")
    )


def impayes_critiques_resume(
    *, retard_min: int = RETARD_CRITIQUE, par_site: list[dict] | None = None, sites_nommes: int | None = None,
) -> dict:
    """Return {nb_impayes, total_montant, site_ids, sites}: site_ids and site codes ordered
    like impayes_critiques_par_site, whose rows may be passed in to save the aggregate; the
    codes of the first `sites_nommes` sites only when given (an alert names ten of 1 500)."""
    if par_site is None:
        par_site = impayes_critiques_par_site(retard_min=retard_min)
    site_ids = [ligne["site_id"] for ligne in par_site]
    nommes = site_ids if sites_nommes is None else site_ids[:sites_nommes]
    codes = dict(Site.objects.filter(pk__in=nommes).values_list("pk", "code"))
    return {
        "nb_impayes": sum(ligne["nb"] for ligne in par_site),
        "total_montant": sum((ligne["montant"] for ligne in par_site), Decimal("0.00")),
        "site_ids": site_ids,
        "sites": [codes[site_id] for site_id in nommes],
    }


# The runbook's "escalade juridique pour dettes > 10000€": strictly above, on numeric. Only the
# default of the overall impayés rule's `seuil_contentieux` (escalations.selectors.seuils_alertes).
SEUIL_CONTENTIEUX = Decimal("10000.00")


def contentieux_chiffres(*, seuil: Decimal, site_ids: Iterable[int] | None = None) -> dict:
    """Return the legal list's figures {nb, montant}: the tenants whose total still due is
    strictly above `seuil` (summed and compared in SQL, on numeric), and what they owe in all;
    on `site_ids` if given. The rows of locataires_endettes(seuil=) add up to it. One query."""
    impayes = Impaye.objects.all() if site_ids is None else Impaye.objects.filter(site_id__in=list(site_ids))
    par_locataire = impayes.values("locataire_id").annotate(du=Sum("montant")).filter(du__gt=seuil)
    resultat = par_locataire.aggregate(nb=Count("locataire_id"), montant=Sum("du"))
    return {"nb": resultat["nb"] or 0, "montant": _euros(resultat["montant"] or Decimal("0.00"))}


def impayes_chiffres_cles(
    *, retard_min: int, seuil_contentieux: Decimal, agregats: dict[int, dict] | None = None,
) -> dict:
    """Return the debts' headline figures: {total_restant_du, nb_impayes, nb_critiques,
    montant_critiques, nb_sites_critiques, nb_locataires_critiques, nb_locataires_contentieux,
    montant_contentieux}.

    `*_critiques` count the debts more than `retard_min` days late (the runbook's first
    query); `*_contentieux` the legal list (contentieux_chiffres: the tenants whose total still
    due is strictly above `seuil_contentieux`, and what they owe); `nb_locataires_critiques`
    the tenants with at least one debt (a monthly instalment) more than `retard_min` days
    late. Three queries: the debts by site (impayes_agreges; none when its result for
    `retard_min` is passed as `agregats`), the tenants over the delay and the legal list.
    """
    if agregats is None:
        agregats = impayes_agreges(retard_min=retard_min)
    lignes = agregats.values()
    totaux = {
        "nb_impayes": sum(ligne["nb_total"] for ligne in lignes),
        "total_restant_du": _euros(sum((ligne["montant_total"] for ligne in lignes), Decimal("0.00"))),
        "nb_critiques": sum(ligne["nb"] for ligne in lignes),
        "montant_critiques": _euros(sum((ligne["montant"] for ligne in lignes), Decimal("0.00"))),
        "nb_sites_critiques": sum(1 for ligne in lignes if ligne["nb"]),
    }
    # Debts are monthly instalments: the tenants they belong to are counted apart.
    totaux["nb_locataires_critiques"] = (
        Impaye.objects.filter(date_echeance__lt=echeance_limite(retard_min=retard_min))
        .values("locataire_id").distinct().count()
    )
    contentieux = contentieux_chiffres(seuil=seuil_contentieux)
    totaux["nb_locataires_contentieux"] = contentieux["nb"]
    totaux["montant_contentieux"] = contentieux["montant"]
    return totaux


# --- The directors' analysis by site (dashboard, escalation report).

# Upper limits (days, inclusive) of the ageing buckets: 0–30, 31–60, 61–90, 91–180, > 180.
# Other limits may be passed, as ERPNext's configurable ageing ranges.
TRANCHES = (30, 60, 90, 180)


@dataclass(frozen=True)
class Tranche:
    """One ageing bucket: debts with debut < retard ≤ fin (no bound when None).

    The first bucket has no lower bound: it also holds the debts not yet due.
    """

    debut: int | None
    fin: int | None

    @property
    def libelle(self) -> str:
        if self.fin is None:
            return f"> {self.debut} j"
        if self.debut is None:
            return f"0–{self.fin} j"
        return f"{self.debut + 1}–{self.fin} j"


def tranches_depuis(limites: tuple[int, ...] = TRANCHES) -> list[Tranche]:
    """Return the buckets cut at `limites` (strictly increasing, positive days)."""
    bornes = [None, *limites, None]
    return [Tranche(debut, fin) for debut, fin in zip(bornes, bornes[1:])]


CENTIME = Decimal("0.01")
ZERO = Decimal("0.00")


def _euros(montant: Decimal | None) -> Decimal | None:
    """A sum of money to the cent (SQLite's sums come back with more digits)."""
    return None if montant is None else montant.quantize(CENTIME)


def _retard(echeance: datetime.date | None, jour: datetime.date) -> int | None:
    return None if echeance is None else (jour - echeance).days


def _pourcentage(partie: Decimal, total: Decimal) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (partie * 100 / total).quantize(Decimal("0.1"))


def _tranche_de(jour: datetime.date, limites: tuple[int, ...]) -> Case:
    """SQL: the index of the ageing bucket of each debt on `jour` (date ranges, no arithmetic)."""
    return Case(
        *[When(date_echeance__gte=jour - datetime.timedelta(days=fin), then=Value(i)) for i, fin in enumerate(limites)],
        default=Value(len(limites)),
    )


def impayes_agreges(
    *, retard_min: int = RETARD_CRITIQUE, limites: tuple[int, ...] = TRANCHES, critiques_seulement: bool = False,
    site_ids: Iterable[int] | None = None,
) -> dict[int, dict]:
    """Return every outstanding debt summed by site, in one pass (one query):

    {site_id: {nb, montant, echeance_min, nb_total, montant_total, tranches_nb: [nb],
               tranches_montant: [montant]}}

    nb / montant: the debts more than `retard_min` days late; echeance_min: the site's oldest
    due date; *_total: all its outstanding debts; tranches: them by ageing bucket of `limites`.
    One row per site, its buckets summed by PostgreSQL (SUM ... FILTER; CASE WHEN on SQLite).
    `critiques_seulement`: only the sites with a debt more than `retard_min` days late (nb > 0),
    the others left out in the query (HAVING), not read and dropped (1 500 sites at `xlarge`,
    a few hundred over the retard). `site_ids`: these sites only (a page of the analysis).
    """
    jour = timezone.localdate()
    bornes = [jour - datetime.timedelta(days=fin) for fin in limites]
    au_dela = Q(date_echeance__lt=jour - datetime.timedelta(days=retard_min))
    # Bucket i: due on or after bornes[i] and before bornes[i - 1]; the last one, before the last limit.
    dans = [
        Q(*([] if i == len(limites) else [Q(date_echeance__gte=bornes[i])]),
          *([] if i == 0 else [Q(date_echeance__lt=bornes[i - 1])]))
        for i in range(len(limites) + 1)
    ]
    sommes = {"a_nb_total": Count("id"), "a_montant_total": Sum("montant"), "a_echeance_min": Min("date_echeance"),
              "a_nb": Count("id", filter=au_dela), "a_montant": Sum("montant", filter=au_dela)}
    for i, filtre in enumerate(dans):
        sommes[f"a_nb_{i}"] = Count("id", filter=filtre)
        sommes[f"a_montant_{i}"] = Sum("montant", filter=filtre)
    impayes = Impaye.objects.all() if site_ids is None else Impaye.objects.filter(site_id__in=list(site_ids))
    groupes = impayes.values_list("site_id").annotate(**sommes).order_by()
    if critiques_seulement:
        groupes = groupes.filter(a_nb__gt=0)
    par_site: dict[int, dict] = {}
    for site_id, nb_total, montant_total, echeance_min, nb, montant, *tranches in groupes:
        par_site[site_id] = {
            "nb": nb, "montant": ZERO if montant is None else montant, "echeance_min": echeance_min,
            "nb_total": nb_total, "montant_total": montant_total,
            "tranches_nb": tranches[0::2],
            "tranches_montant": [ZERO if somme is None else somme for somme in tranches[1::2]],
        }
    return par_site


def impayes_au_dela_par_site(*, retard_min: int = RETARD_CRITIQUE) -> dict[int, dict]:
    """Return {site_id: {nb, montant, echeance_min, code, nom, sensible}} of the debts more
    than `retard_min` days late, by site: the runbook's first query (and the site's oldest due
    date, its code, name and flag), read on the date_echeance index. The part of
    impayes_agreges that the analysis's sort, totals and shares need, without the ageing
    buckets of every debt of every site. One query."""
    lignes = (
        Impaye.objects.filter(date_echeance__lt=echeance_limite(retard_min=retard_min))
        .values_list("site_id", "site__code", "site__nom", "site__sensible")
        .annotate(Count("id"), Sum("montant"), Min("date_echeance")).order_by()
    )
    return {site_id: {"nb": nb, "montant": montant, "echeance_min": echeance_min,
                      "code": code, "nom": nom, "sensible": sensible}
            for site_id, code, nom, sensible, nb, montant, echeance_min in lignes}


def impayes_par_site(
    *,
    retard_min: int = RETARD_CRITIQUE,
    limites: tuple[int, ...] = TRANCHES,
    site_ids: Iterable[int] | None = None,
    sensibles: bool = False,
    montant_min: Decimal | None = None,
    agregats: dict[int, dict] | None = None,
    avec_tranches: bool = True,
) -> list[dict]:
    """Return the analysis by site of the debts more than `retard_min` days late, largest
    amount first (the runbook's first query, with its site and ageing):

    [{site_id, code, nom, sensible, nb, montant, retard_max, part, nb_total, montant_total,
      tranches: [{tranche (Tranche), nb, montant}]}]

    nb / montant: debts over `retard_min` (what the runbook counts and sums); retard_max:
    the site's oldest retard in days; part: the site's share (%) of the amount over
    `retard_min` of every site; tranches: every outstanding debt of the site by ageing
    bucket. Only sites with at least one debt over `retard_min` are listed; `site_ids`,
    `sensibles` and `montant_min` (on montant) narrow them.

    Without `avec_tranches`, the rows stop at `part` and one query reads them all
    (impayes_au_dela_par_site, names included; `agregats` is then its result, not
    impayes_agreges'): tranches_ajouter gives them their buckets later, for the rows shown.

    With them, two queries: impayes_agreges (none when its result for the same `retard_min`
    and `limites` is passed as `agregats`), then the listed sites' names.
    """
    jour = timezone.localdate()
    if agregats is None:
        agregats = (
            impayes_agreges(retard_min=retard_min, limites=limites, critiques_seulement=True)
            if avec_tranches else impayes_au_dela_par_site(retard_min=retard_min)
        )
    critiques = {site_id: ligne for site_id, ligne in agregats.items() if ligne["nb"]}
    total = sum((ligne["montant"] for ligne in critiques.values()), Decimal("0.00"))
    if site_ids is not None:
        gardes = set(site_ids)
        critiques = {site_id: ligne for site_id, ligne in critiques.items() if site_id in gardes}
    if montant_min is not None:
        critiques = {site_id: ligne for site_id, ligne in critiques.items() if ligne["montant"] >= montant_min}
    if avec_tranches:
        sites = Site.objects.filter(pk__in=list(critiques)).values_list("pk", "code", "nom", "sensible")
        if sensibles:
            sites = sites.filter(sensible=True)
    else:
        sites = [(site_id, ligne["code"], ligne["nom"], ligne["sensible"]) for site_id, ligne in critiques.items()
                 if ligne["sensible"] or not sensibles]
    tranches = tranches_depuis(limites)
    resultat = []
    for site_id, code, nom, sensible in sites:
        ligne = critiques[site_id]
        resultat.append({
            "site_id": site_id,
            "code": code,
            "nom": nom,
            "sensible": sensible,
            "nb": ligne["nb"],
            "montant": _euros(ligne["montant"]),
            "retard_max": _retard(ligne["echeance_min"], jour),
            "part": _pourcentage(ligne["montant"], total),
            **(_tranches_de(ligne, tranches) if avec_tranches else {}),
        })
    resultat.sort(key=lambda ligne: (-ligne["montant"], ligne["code"]))
    return resultat


def _tranches_de(agregat: dict, tranches: list[Tranche]) -> dict:
    """A site's {nb_total, montant_total, tranches} from its row of impayes_agreges."""
    return {
        "nb_total": agregat["nb_total"],
        "montant_total": _euros(agregat["montant_total"]),
        "tranches": [
            {"tranche": tranche, "nb": nb, "montant": _euros(montant)}
            for tranche, nb, montant in zip(tranches, agregat["tranches_nb"], agregat["tranches_montant"])
        ],
    }


def tranches_ajouter(lignes: list[dict], *, retard_min: int, limites: tuple[int, ...] = TRANCHES) -> list[dict]:
    """Return `lignes` (rows of impayes_par_site(avec_tranches=False) for the same `retard_min`)
    each given what impayes_par_site adds with its tranches: {nb_total, montant_total,
    tranches}. One query, on these rows' sites only (a page of 25, not every site).

    The rows may come from a cached analysis and the buckets are read now: a site whose debts
    went since (a write that started no new generation, a replica behind the primary) gets
    empty buckets, never an error."""
    agregats = impayes_agreges(retard_min=retard_min, limites=limites,
                               site_ids=[ligne["site_id"] for ligne in lignes])
    tranches = tranches_depuis(limites)
    aucun = {"nb_total": 0, "montant_total": ZERO, "tranches_nb": [0] * len(tranches),
             "tranches_montant": [ZERO] * len(tranches)}
    return [{**ligne, **_tranches_de(agregats.get(ligne["site_id"], aucun), tranches)} for ligne in lignes]


def vieillissement_par_site(
    *, limites: tuple[int, ...] = TRANCHES, nb_sites: int = 15, agregats: dict[int, dict] | None = None,
    retard_min: int = RETARD_CRITIQUE,
) -> dict:
    """Return the ageing chart's data for the `nb_sites` worst sites (most still due more
    than `retard_min` days late first): {sites: [code], noms: ["code — nom"], retard_min,
    au_dela: {nb: [per site], montant: [per site]} (the debts more than `retard_min` days
    late, what the alert thresholds count), en_deca: {nb, montant} (the site's other debts;
    au_dela + en_deca = all its debts), tranches: [{libelle, nb: [per site], montant: [per
    site]}]}. `agregats`: impayes_agreges(retard_min=retard_min, limites), if at hand.
    Only the sites that can be among the worst (an amount at least the `nb_sites`-th, ties
    kept for the order by code) are named and shaped, not all of them."""
    if agregats is None:
        agregats = impayes_agreges(retard_min=retard_min, limites=limites)
    montants = sorted((ligne["montant"] for ligne in agregats.values() if ligne["nb"]), reverse=True)
    plancher = montants[nb_sites - 1] if len(montants) >= nb_sites else ZERO
    candidats = [site_id for site_id, ligne in agregats.items() if ligne["nb"] and ligne["montant"] >= plancher]
    pires = impayes_par_site(
        retard_min=retard_min, limites=limites, site_ids=candidats, agregats=agregats
    )[:nb_sites]
    tranches = tranches_depuis(limites)
    return {
        "sites": [ligne["code"] for ligne in pires],
        "noms": [f"{ligne['code']} — {ligne['nom']}" for ligne in pires],
        "retard_min": retard_min,
        "au_dela": {"nb": [ligne["nb"] for ligne in pires], "montant": [ligne["montant"] for ligne in pires]},
        "en_deca": {
            "nb": [ligne["nb_total"] - ligne["nb"] for ligne in pires],
            "montant": [ligne["montant_total"] - ligne["montant"] for ligne in pires],
        },
        "tranches": [
            {
                "libelle": tranche.libelle,
                "nb": [ligne["tranches"][i]["nb"] for ligne in pires],
                "montant": [ligne["tranches"][i]["montant"] for ligne in pires],
            }
            for i, tranche in enumerate(tranches)
        ],
    }


def _derniere_action(champ: str):
    """A subquery: `champ` of the latest recovery action of the row's tenant (locataire_id)."""
    return Subquery(
        RecouvrementAction.objects.filter(locataire_id=OuterRef("locataire_id"))
        .order_by("-date_action", "-id")
        .values(champ)[:1]
    )


# Sort keys of the tenants' tables: what the user asks for -> the SQL ordering.
TRIS_LOCATAIRES = {
    "code": "locataire__code",
    "nom": "locataire__nom",
    "site": "site__code",
    "montant": "montant",
    "nb": "nb",
    "retard_max": "echeance_min",  # the oldest due date is the longest retard
    "derniere_action": "derniere_action_date",
}


def locataires_endettes(
    *, site_id: int | None = None, site_ids: Iterable[int] | None = None, seuil: Decimal | None = None,
    tri: str = "-montant", derniere_action: bool = True,
) -> Iterator[dict]:
    """Return, lazily (one query, rows fetched in chunks: an export of 100,000 tenants
    never sits in memory), the tenants who still owe something, on `site_id` if given,
    only those owing strictly more than `seuil` if given (summed and compared in SQL, on
    numeric), sorted by `tri` (a key of TRIS_LOCATAIRES, "-" for descending; then by code):

    {locataire_id, code, nom, telephone, site_id, site_code, site_nom, montant, nb,
     retard_max (days), derniere_action_date, derniere_action_type, derniere_action_agent}

    `site_ids` narrows to several sites; without `derniere_action` the three last-action
    columns (a correlated subquery each, per row) are not read (nor sortable).
    """
    impayes = Impaye.objects.all() if site_id is None else Impaye.objects.filter(site_id=site_id)
    if site_ids is not None:
        impayes = impayes.filter(site_id__in=list(site_ids))
    lignes = impayes.values(
        "locataire_id", "site_id",
        code=F("locataire__code"), nom=F("locataire__nom"), telephone=F("locataire__telephone"),
        site_code=F("site__code"), site_nom=F("site__nom"),
    ).annotate(montant=Sum("montant"), nb=Count("id"), echeance_min=Min("date_echeance"))
    if seuil is not None:
        lignes = lignes.filter(montant__gt=seuil)
    if derniere_action:
        lignes = lignes.annotate(
            derniere_action_date=_derniere_action("date_action"),
            derniere_action_type=_derniere_action("type_action"),
            derniere_action_agent=_derniere_action("agent__nom"),
        )
    descendant, cle = tri.startswith("-"), tri.lstrip("-")
    colonne = TRIS_LOCATAIRES[cle]
    # retard_max sorts the opposite way of the oldest due date it is computed from.
    if (cle == "retard_max") != descendant:
        ordre = F(colonne).desc(nulls_last=True)
    else:
        ordre = F(colonne).asc(nulls_last=True)
    jour = timezone.localdate()
    for ligne in lignes.order_by(ordre, "locataire__code").iterator(chunk_size=2000):
        ligne["retard_max"] = _retard(ligne.pop("echeance_min"), jour)
        ligne["montant"] = _euros(ligne["montant"])
        yield ligne


def locataires_contentieux(*, seuil: Decimal) -> list[dict]:
    """Return the legal escalation list (the runbook's "escalade juridique pour dettes >
    10000€"): tenants whose total still due is strictly above `seuil`, summed and compared
    in SQL on numeric (10,000.00 is not listed), most owed first; rows as
    locataires_endettes (site, telephone, montant, retard_max, derniere_action_*). One query."""
    return list(locataires_endettes(seuil=seuil))


# --- History: the daily snapshots per site (recovery.services.instantanes_sites_ecrire).


def _colonnes_au_dela(retard_min: int) -> list[tuple[str, str]] | None:
    """The snapshot's (nb, montant) columns of the buckets beyond `retard_min` days, or None
    when `retard_min` is not one of the snapshot's limits (TRANCHES): history cannot tell."""
    if retard_min not in TRANCHES:
        return None
    return list(InstantaneSite.COLONNES[TRANCHES.index(retard_min) + 1 :])


def _somme_colonnes(colonnes: list[tuple[str, str]]) -> dict:
    nb = montant = None
    for colonne_nb, colonne_montant in colonnes:
        nb = F(colonne_nb) if nb is None else nb + F(colonne_nb)
        montant = F(colonne_montant) if montant is None else montant + F(colonne_montant)
    return {"nb": Sum(nb), "montant": Sum(montant, output_field=DecimalField(**MONEY_SOMME))}


def impayes_par_site_au(
    *, jour: datetime.date, retard_min: int = RETARD_CRITIQUE, site_ids: Iterable[int] | None = None,
) -> dict[int, dict] | None:
    """Return {site_id: {nb, montant}} of the debts more than `retard_min` days late as they
    stood on `jour` (its snapshots: sites owing nothing then are absent), on `site_ids` if
    given, or None when the snapshots cannot tell (`retard_min` not a limit of TRANCHES)."""
    colonnes = _colonnes_au_dela(retard_min)
    if colonnes is None:
        return None
    instantanes = InstantaneSite.objects.filter(jour=jour)
    if site_ids is not None:
        instantanes = instantanes.filter(site_id__in=list(site_ids))
    lignes = instantanes.values("site_id").annotate(**_somme_colonnes(colonnes))
    return {ligne["site_id"]: {"nb": ligne["nb"], "montant": _euros(ligne["montant"])} for ligne in lignes}


def historique_disponible(*, jour: datetime.date, retard_min: int) -> bool:
    """Whether the snapshots can tell the debts more than `retard_min` days late on `jour`:
    that day has snapshots (the history was written) and `retard_min` is one of their limits.
    One query at most."""
    return _colonnes_au_dela(retard_min) is not None and InstantaneSite.objects.filter(jour=jour).exists()


def impayes_critiques_par_site_par_jour(
    *, du: datetime.date, au: datetime.date, retard_min: int = RETARD_CRITIQUE
) -> dict[datetime.date, list[dict]] | None:
    """Return, for each day from `du` to `au` that has snapshots, what impayes_critiques_par_site
    returned that day: {jour: [{site_id, nb, montant}]} (sites with at least one debt more than
    `retard_min` days late, largest amount first, then by site); None when the snapshots cannot
    tell (`retard_min` not a limit of TRANCHES). A day owing nothing anywhere has an empty
    list only if some site had a snapshot row. One query."""
    colonnes = _colonnes_au_dela(retard_min)
    if colonnes is None:
        return None
    lignes = (
        InstantaneSite.objects.filter(jour__gte=du, jour__lte=au)
        .values("jour", "site_id")
        .annotate(**_somme_colonnes(colonnes))
        .order_by("jour", "site_id")
    )
    par_jour: dict[datetime.date, list[dict]] = {}
    for ligne in lignes:
        jour = par_jour.setdefault(ligne["jour"], [])
        if ligne["nb"]:
            jour.append({"site_id": ligne["site_id"], "nb": ligne["nb"], "montant": _euros(ligne["montant"])})
    for sites in par_jour.values():
        sites.sort(key=lambda ligne: (-ligne["montant"], ligne["site_id"]))
    return par_jour


def tendance_impayes_critiques(
    *, mois: int = 12, pas_jours: int = 30, retard_min: int = RETARD_CRITIQUE
) -> list[dict]:
    """Return the trend of the debts more than `retard_min` days late over the last `mois`
    months, one point every `pas_jours` days (13 points by default: a month apart, each
    comparable with its "vs 30 days ago") ending today, oldest first: [{jour, nb, montant}],
    read from the snapshots (days without any snapshot are absent). One query."""
    colonnes = _colonnes_au_dela(retard_min) or _colonnes_au_dela(RETARD_CRITIQUE)
    aujourdhui = timezone.localdate()
    depuis = aujourdhui - datetime.timedelta(days=round(mois * 365.25 / 12))
    jours = []
    jour = aujourdhui
    while jour >= depuis:
        jours.append(jour)
        jour -= datetime.timedelta(days=pas_jours)
    points = (
        InstantaneSite.objects.filter(jour__in=jours)
        .values("jour")
        .annotate(**_somme_colonnes(colonnes))
        .order_by("jour")
    )
    return [{**point, "montant": _euros(point["montant"])} for point in points]


# --- One tenant (the dashboard's drill-down).


def locataire_dettes(*, locataire_id: int) -> list[dict]:
    """Return every debt of the tenant, outstanding (impayes) and settled (impayes_soldes),
    newest period first: [{reference, periode, date_echeance, montant_du, montant_paye,
    reste_du, retard (days past due today; None once settled), solde_le}]. Two queries."""
    jour = timezone.localdate()
    champs = ("reference", "periode", "date_echeance", "montant_du", "montant_paye")
    dettes = [
        {**ligne, "retard": _retard(ligne["date_echeance"], jour), "solde_le": None}
        for ligne in Impaye.objects.filter(locataire_id=locataire_id).values(*champs, reste_du=F("montant"))
    ]
    dettes += [
        {**ligne, "reste_du": Decimal("0.00"), "retard": None}
        for ligne in ImpayeSolde.objects.filter(locataire_id=locataire_id).values(*champs, "solde_le")
    ]
    dettes.sort(key=lambda dette: (dette["periode"], dette["reference"]), reverse=True)
    return dettes


def locataire_actions(*, locataire_id: int, limite: int = 200) -> list[RecouvrementAction]:
    """Return the tenant's latest `limite` recovery actions, newest first, with their agent."""
    return list(
        RecouvrementAction.objects.filter(locataire_id=locataire_id)
        .select_related("agent")
        .order_by("-date_action", "-id")[:limite]
    )


def locataires_campagne(*, site_ids: list[int], retard_min: int = RETARD_CRITIQUE) -> list[dict]:
    """Return the tenants with a debt more than `retard_min` days late on these sites, for the
    call/SMS campaign: [{site, code, nom, telephone, nb, montant}], largest debt first
    (montant to the cent: SQLite's sums come back with float digits)."""
    lignes = (
        Impaye.objects.filter(site_id__in=site_ids, date_echeance__lt=echeance_limite(retard_min=retard_min))
        .values("locataire__site__code", "locataire__code", "locataire__nom", "locataire__telephone")
        .annotate(nb=Count("id"), montant=Sum("montant"))
        .order_by("-montant", "locataire__code")
    )
    return [{**ligne, "montant": ligne["montant"].quantize(CENTIME)} for ligne in lignes]


def sites_sensibles(*, site_ids: list[int]) -> list[Site]:
    """Return the sensitive sites (followed by the PDG) among these, by code."""
    return list(Site.objects.filter(pk__in=site_ids, sensible=True).order_by("code"))


def sites_choix(*, site_ids: Iterable[int] | QuerySet | None = None) -> QuerySet:
    """The sites a picker offers: these (ids, or a query of ids), or every site (None), by code."""
    sites = Site.objects.order_by("code")
    return sites if site_ids is None else sites.filter(pk__in=site_ids)


def site_du_choix(*, saisie: str, site_ids: Iterable[int] | QuerySet | None = None) -> Site | None:
    """Return the site `saisie` names (code, name or a piece of name only one has: choix_trouver)
    among `site_ids` (None: every site); None if none or several."""
    return choix_trouver(sites_choix(site_ids=site_ids), saisie)


def site_lire(*, site_id: int) -> Site | None:
    """Return the site `site_id`, None if there is none."""
    return Site.objects.filter(pk=site_id).first()


def sites_lire(*, site_ids: Iterable[int]) -> dict[int, Site]:
    """Return {site_id: Site} of these sites (one query)."""
    return Site.objects.in_bulk(list(site_ids))


def locataire_lire(*, locataire_id: int) -> Locataire | None:
    """Return the tenant `locataire_id` with its site, None if there is none."""
    return Locataire.objects.select_related("site").filter(pk=locataire_id).first()


@dataclass(frozen=True)
class PlusAncienne:
    """A tenant's oldest unpaid instalment: the follow-up ladder's clock."""

    locataire_id: int
    site_id: int
    reference: str
    date_echeance: datetime.date


def echeances_plus_anciennes(*, aujourd_hui: datetime.date) -> dict[int, PlusAncienne]:
    """Return {tenant id: PlusAncienne} for every tenant with an instalment overdue on
    `aujourd_hui` (due before it) and not paused that day: the oldest one (ties: the lowest
    reference). One query."""
    actives = Impaye.objects.exclude(filtre_en_pause(jour=aujourd_hui))
    premiere = actives.filter(locataire_id=OuterRef("locataire_id")).order_by("date_echeance", "reference")
    lignes = (
        actives.filter(date_echeance__lt=aujourd_hui, pk=Subquery(premiere.values("pk")[:1]))
        .values_list("locataire_id", "site_id", "reference", "date_echeance")
    )
    return {ligne[0]: PlusAncienne(*ligne) for ligne in lignes}


def pauses_du_locataire(*, locataire_id: int) -> list:
    """Return the tenant's pauses (litigation, payment plans), latest start first, with who
    entered them."""
    return list(Pause.objects.filter(locataire_id=locataire_id).select_related("cree_par").order_by("-debut", "-id"))


# Past this many references, every debt is read at once (one scan) rather than by lots.
REFERENCES_PAR_LOTS_MAX = 20_000
LOT_REFERENCES = 900  # under SQLite's 999 variables of old versions


def impayes_locataires(references: set[str]) -> dict[str, int]:
    """{reference: tenant id} of the debts, outstanding or settled, among `references` (those
    an actions file or a phone's batch names: a day names a few of the ~3 M instalments of
    three years). Past REFERENCES_PAR_LOTS_MAX, every debt is read in one scan."""
    if len(references) > REFERENCES_PAR_LOTS_MAX:
        trouves = dict(Impaye.objects.values_list("reference", "locataire_id"))
        trouves.update(ImpayeSolde.objects.values_list("reference", "locataire_id"))
        return trouves
    trouves, liste = {}, sorted(references)
    for debut in range(0, len(liste), LOT_REFERENCES):
        lot = liste[debut:debut + LOT_REFERENCES]
        for modele in (Impaye, ImpayeSolde):
            trouves.update(modele.objects.filter(reference__in=lot).values_list("reference", "locataire_id"))
    return trouves
