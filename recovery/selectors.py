"""Reads about debts: each selector returns what one runbook query returns."""
import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from recovery.models import Impaye, Site

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
