"""Reads about debts: each selector returns what one runbook query returns."""
import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Min, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from recovery.models import MONEY, Impaye, InstantaneSite, Locataire, RecouvrementAction, Site

RETARD_CRITIQUE = 60


def echeance_limite(*, min_retard: int) -> datetime.date:
    """Return the date before which a debt is more than `min_retard` days late today.

    retard > min_retard  <=>  date_echeance < today − min_retard: a plain range on the
    date_echeance indexes, where computing the retard of each row would scan them all.
    """
    return timezone.localdate() - datetime.timedelta(days=min_retard)


def impayes_critiques_par_site(*, min_retard: int = RETARD_CRITIQUE) -> list[dict]:
    """Return [{site_id, nb, montant}] for outstanding debts more than `min_retard` days
    late, by site, largest amount still due first (the runbook's "Impayés critiques")."""
    return list(
        Impaye.objects.filter(date_echeance__lt=echeance_limite(min_retard=min_retard))
        .values("site_id")
        .annotate(nb=Count("id"), montant=Sum("montant"))
        .order_by("-montant", "site_id")
    )


def impayes_critiques_resume(
    *, min_retard: int = RETARD_CRITIQUE, par_site: list[dict] | None = None
) -> dict:
    """Return {nb_impayes, total_montant, site_ids, sites}: site_ids and site codes ordered
    like impayes_critiques_par_site, whose rows may be passed in to save the aggregate."""
    if par_site is None:
        par_site = impayes_critiques_par_site(min_retard=min_retard)
    site_ids = [ligne["site_id"] for ligne in par_site]
    codes = dict(Site.objects.filter(pk__in=site_ids).values_list("pk", "code"))
    return {
        "nb_impayes": sum(ligne["nb"] for ligne in par_site),
        "total_montant": sum((ligne["montant"] for ligne in par_site), Decimal("0.00")),
        "site_ids": site_ids,
        "sites": [codes[site_id] for site_id in site_ids],
    }


def impayes_critiques_tableau(
    *, min_retard: int = RETARD_CRITIQUE, limite: int = 10, par_site: list[dict] | None = None
) -> list[dict]:
    """Return the `limite` sites with the most still due on debts more than `min_retard`
    days late: [{site (Site), nb, montant}], largest amount first. `par_site`: as above."""
    if par_site is None:
        par_site = impayes_critiques_par_site(min_retard=min_retard)
    par_site = par_site[:limite]
    sites = Site.objects.in_bulk([ligne["site_id"] for ligne in par_site])
    return [{**ligne, "site": sites[ligne["site_id"]]} for ligne in par_site]


# The runbook's "escalade juridique pour dettes > 10000€": strictly above, on numeric.
SEUIL_CONTENTIEUX = Decimal("10000.00")


def impayes_chiffres_cles(
    *, min_retard: int = RETARD_CRITIQUE, seuil_contentieux: Decimal = SEUIL_CONTENTIEUX
) -> dict:
    """Return the debts' headline figures: {total_restant_du, nb_impayes, nb_critiques,
    montant_critiques, nb_sites_critiques, nb_locataires_contentieux}.

    `*_critiques` count the debts more than `min_retard` days late (the runbook's first
    query); `nb_locataires_contentieux` the tenants whose total still due is strictly
    above `seuil_contentieux`, summed in SQL on numeric. Three aggregates in all.
    """
    limite = echeance_limite(min_retard=min_retard)
    totaux = Impaye.objects.aggregate(
        nb_impayes=Count("id"),
        total_restant_du=Sum("montant", default=Decimal("0.00")),
        nb_critiques=Count("id", filter=Q(date_echeance__lt=limite)),
        montant_critiques=Sum("montant", filter=Q(date_echeance__lt=limite), default=Decimal("0.00")),
        nb_sites_critiques=Count("site_id", filter=Q(date_echeance__lt=limite), distinct=True),
    )
    totaux["nb_locataires_contentieux"] = (
        Impaye.objects.values("locataire_id")
        .annotate(du=Sum("montant"))
        .filter(du__gt=seuil_contentieux)
        .count()
    )
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

    def condition(self, *, jour: datetime.date) -> Q:
        """The Q on date_echeance selecting this bucket's debts on `jour` (index ranges)."""
        q = Q()
        if self.fin is not None:
            q &= Q(date_echeance__gte=jour - datetime.timedelta(days=self.fin))
        if self.debut is not None:
            q &= Q(date_echeance__lt=jour - datetime.timedelta(days=self.debut))
        return q


def tranches_depuis(limites: tuple[int, ...] = TRANCHES) -> list[Tranche]:
    """Return the buckets cut at `limites` (strictly increasing, positive days)."""
    bornes = [None, *limites, None]
    return [Tranche(debut, fin) for debut, fin in zip(bornes, bornes[1:])]


def _retard(echeance: datetime.date | None, jour: datetime.date) -> int | None:
    return None if echeance is None else (jour - echeance).days


def _pourcentage(partie: Decimal, total: Decimal) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (partie * 100 / total).quantize(Decimal("0.1"))


def impayes_par_site(
    *,
    min_retard: int = RETARD_CRITIQUE,
    limites: tuple[int, ...] = TRANCHES,
    site_ids: Iterable[int] | None = None,
    sensibles: bool = False,
    montant_min: Decimal | None = None,
) -> list[dict]:
    """Return the analysis by site of the debts more than `min_retard` days late, largest
    amount first (the runbook's first query, with its site and ageing):

    [{site_id, code, nom, sensible, nb, montant, retard_max, part, nb_total, montant_total,
      tranches: [{tranche (Tranche), nb, montant}]}]

    nb / montant: debts over `min_retard` (what the runbook counts and sums); retard_max:
    the site's oldest retard in days; part: the site's share (%) of the amount over
    `min_retard` of every site; tranches: every outstanding debt of the site by ageing
    bucket. Only sites with at least one debt over `min_retard` are listed; `site_ids`,
    `sensibles` and `montant_min` (on montant) narrow them. One aggregate, two with a filter.
    """
    jour = timezone.localdate()
    limite = echeance_limite(min_retard=min_retard)
    critique = Q(date_echeance__lt=limite)
    tranches = tranches_depuis(limites)
    agregats = {
        "nb_critique": Count("id", filter=critique),
        "montant_critique": Sum("montant", filter=critique),
        "echeance_min": Min("date_echeance"),
        "nb_total": Count("id"),
        "montant_total": Sum("montant"),
    }
    for i, tranche in enumerate(tranches):
        agregats[f"nb_{i}"] = Count("id", filter=tranche.condition(jour=jour))
        agregats[f"montant_{i}"] = Sum("montant", filter=tranche.condition(jour=jour), default=Decimal("0.00"))
    impayes = Impaye.objects.all()
    filtre = site_ids is not None or sensibles
    if site_ids is not None:
        impayes = impayes.filter(site_id__in=list(site_ids))
    if sensibles:
        impayes = impayes.filter(site__sensible=True)
    lignes = (
        impayes.values("site_id", "site__code", "site__nom", "site__sensible")
        .annotate(**agregats)
        .filter(nb_critique__gt=0)
        .order_by("-montant_critique", "site__code")
    )
    if montant_min is not None:
        lignes = lignes.filter(montant_critique__gte=montant_min)
        filtre = True
    lignes = list(lignes)
    if filtre:
        total = Impaye.objects.filter(critique).aggregate(t=Sum("montant", default=Decimal("0.00")))["t"]
    else:
        total = sum((ligne["montant_critique"] for ligne in lignes), Decimal("0.00"))
    return [
        {
            "site_id": ligne["site_id"],
            "code": ligne["site__code"],
            "nom": ligne["site__nom"],
            "sensible": ligne["site__sensible"],
            "nb": ligne["nb_critique"],
            "montant": ligne["montant_critique"],
            "retard_max": _retard(ligne["echeance_min"], jour),
            "part": _pourcentage(ligne["montant_critique"], total),
            "nb_total": ligne["nb_total"],
            "montant_total": ligne["montant_total"],
            "tranches": [
                {"tranche": tranche, "nb": ligne[f"nb_{i}"], "montant": ligne[f"montant_{i}"]}
                for i, tranche in enumerate(tranches)
            ],
        }
        for ligne in lignes
    ]


def vieillissement_par_site(
    *, limites: tuple[int, ...] = TRANCHES, nb_sites: int = 15, par_site: list[dict] | None = None
) -> dict:
    """Return the ageing chart's data for the `nb_sites` worst sites (most still due more
    than 60 days late first): {sites: [code], tranches: [{libelle, nb: [per site],
    montant: [per site]}]}. `par_site`: rows of impayes_par_site(min_retard=60), if at hand."""
    if par_site is None:
        par_site = impayes_par_site(min_retard=RETARD_CRITIQUE, limites=limites)
    pires = par_site[:nb_sites]
    tranches = tranches_depuis(limites)
    return {
        "sites": [ligne["code"] for ligne in pires],
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
    *, site_id: int | None = None, seuil: Decimal | None = None, tri: str = "-montant"
) -> Iterator[dict]:
    """Return, lazily (one query, rows fetched in chunks: an export of 100,000 tenants
    never sits in memory), the tenants who still owe something, on `site_id` if given,
    only those owing strictly more than `seuil` if given (summed and compared in SQL, on
    numeric), sorted by `tri` (a key of TRIS_LOCATAIRES, "-" for descending; then by code):

    {locataire_id, code, nom, telephone, site_id, site_code, site_nom, montant, nb,
     retard_max (days), derniere_action_date, derniere_action_type, derniere_action_agent}
    """
    impayes = Impaye.objects.all() if site_id is None else Impaye.objects.filter(site_id=site_id)
    lignes = impayes.values(
        "locataire_id", "site_id",
        code=F("locataire__code"), nom=F("locataire__nom"), telephone=F("locataire__telephone"),
        site_code=F("site__code"), site_nom=F("site__nom"),
    ).annotate(montant=Sum("montant"), nb=Count("id"), echeance_min=Min("date_echeance"))
    if seuil is not None:
        lignes = lignes.filter(montant__gt=seuil)
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
        yield ligne


def locataires_contentieux(*, seuil: Decimal = SEUIL_CONTENTIEUX) -> list[dict]:
    """Return the legal escalation list (the runbook's "escalade juridique pour dettes >
    10000€"): tenants whose total still due is strictly above `seuil`, summed and compared
    in SQL on numeric (10,000.00 is not listed), most owed first; rows as
    locataires_endettes (site, telephone, montant, retard_max, derniere_action_*). One query."""
    return list(locataires_endettes(seuil=seuil))


# --- History: the daily snapshots per site (recovery.services.instantanes_sites_ecrire).


def _colonnes_au_dela(min_retard: int) -> list[tuple[str, str]] | None:
    """The snapshot's (nb, montant) columns of the buckets beyond `min_retard` days, or None
    when `min_retard` is not one of the snapshot's limits (TRANCHES): history cannot tell."""
    if min_retard not in TRANCHES:
        return None
    return list(InstantaneSite.COLONNES[TRANCHES.index(min_retard) + 1 :])


def _somme_colonnes(colonnes: list[tuple[str, str]]) -> dict:
    nb = montant = None
    for colonne_nb, colonne_montant in colonnes:
        nb = F(colonne_nb) if nb is None else nb + F(colonne_nb)
        montant = F(colonne_montant) if montant is None else montant + F(colonne_montant)
    return {"nb": Sum(nb), "montant": Sum(montant, output_field=DecimalField(**MONEY))}


def impayes_par_site_au(*, jour: datetime.date, min_retard: int = RETARD_CRITIQUE) -> dict[int, dict] | None:
    """Return {site_id: {nb, montant}} of the debts more than `min_retard` days late as they
    stood on `jour` (its snapshots: sites owing nothing then are absent), or None when the
    snapshots cannot tell (`min_retard` not a limit of TRANCHES)."""
    colonnes = _colonnes_au_dela(min_retard)
    if colonnes is None:
        return None
    lignes = InstantaneSite.objects.filter(jour=jour).values("site_id").annotate(**_somme_colonnes(colonnes))
    return {ligne["site_id"]: {"nb": ligne["nb"], "montant": ligne["montant"]} for ligne in lignes}


def tendance_impayes_critiques(
    *, mois: int = 12, pas_jours: int = 7, min_retard: int = RETARD_CRITIQUE
) -> list[dict]:
    """Return the trend of the debts more than `min_retard` days late over the last `mois`
    months, one point every `pas_jours` days ending today, oldest first: [{jour, nb, montant}],
    read from the snapshots (days without any snapshot are absent). One query."""
    colonnes = _colonnes_au_dela(min_retard) or _colonnes_au_dela(RETARD_CRITIQUE)
    aujourdhui = timezone.localdate()
    depuis = aujourdhui - datetime.timedelta(days=round(mois * 365.25 / 12))
    jours = []
    jour = aujourdhui
    while jour >= depuis:
        jours.append(jour)
        jour -= datetime.timedelta(days=pas_jours)
    return list(
        InstantaneSite.objects.filter(jour__in=jours)
        .values("jour")
        .annotate(**_somme_colonnes(colonnes))
        .order_by("jour")
    )
