"""Reads about the follow-up ladder: a tenant's step and history, tenants per step and site."""
from __future__ import annotations

from django.db.models import Count, F

from relances.models import Etape, EtatRelance, Lettre, Passage, TypeEtape


def relance_du_locataire(*, locataire_id: int) -> dict:
    """Return {etat (EtatRelance or None, with its step), passages (newest first, with their
    steps), lettres (id, jour: the day of the move that wrote it, reste_du; newest first)} of
    the tenant. Three queries."""
    return {
        "etat": EtatRelance.objects.select_related("etape").filter(locataire_id=locataire_id).first(),
        "passages": list(Passage.objects.filter(locataire_id=locataire_id).select_related("de", "vers")
                         .order_by("-jour", "-version")),
        "lettres": list(Lettre.objects.filter(locataire_id=locataire_id).order_by("-cree_le")
                        .values("id", "reste_du", jour=F("passage__jour"))),
    }


def lettre_lire(*, lettre_id: int) -> Lettre | None:
    """Return the formal notice `lettre_id` (with its PDF), None if there is none."""
    return Lettre.objects.filter(pk=lettre_id).first()


def locataires_par_etape_et_site() -> dict:
    """Return {etapes: [Etape] by days late, sites: [{site_id, site_code, comptes: [n per step],
    total}] by site code}: how many tenants sit on each step of the ladder, per site. One
    query besides the steps'."""
    etapes = list(Etape.objects.order_by("jours_retard"))
    rang = {etape.pk: i for i, etape in enumerate(etapes)}
    sites: dict[int, dict] = {}
    lignes = (
        EtatRelance.objects.filter(etape__isnull=False)
        .values("locataire__site_id", "locataire__site__code", "etape_id").annotate(n=Count("id"))
    )
    for ligne in lignes:
        site = sites.setdefault(ligne["locataire__site_id"], {
            "site_id": ligne["locataire__site_id"], "site_code": ligne["locataire__site__code"],
            "comptes": [0] * len(etapes), "total": 0,
        })
        site["comptes"][rang[ligne["etape_id"]]] += ligne["n"]
        site["total"] += ligne["n"]
    return {"etapes": etapes, "sites": sorted(sites.values(), key=lambda s: s["site_code"])}


def locataires_suivi_juridique() -> list[dict]:
    """Return the tenants the ladder put on the legal list's follow-up (step « dossier
    juridique »): [{locataire_id, locataire__code, locataire__nom, locataire__site__code, depuis}]
    by date reached."""
    return list(
        EtatRelance.objects.filter(etape__type_etape=TypeEtape.JURIDIQUE)
        .values("locataire_id", "locataire__code", "locataire__nom", "locataire__site__code", "depuis")
        .order_by("depuis", "locataire__code")
    )
