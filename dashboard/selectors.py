"""The directors' dashboard: what each page shows, composed from the apps' selectors."""
import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from agents.selectors import (
    SEUIL_SCORE,
    agents_missions_non_complete_par_site,
    equipe_id_du_code,
    montant_recouvre_par_semaine,
    nb_agents_sous_seuil,
    sites_de_l_equipe,
)
from dashboard.filtres import Filtres
from recovery.selectors import (
    RETARD_CRITIQUE,
    SEUIL_CONTENTIEUX,
    impayes_agreges,
    impayes_chiffres_cles,
    impayes_par_site,
    impayes_par_site_au,
    site_id_du_code,
    tendance_impayes_critiques,
    tranches_depuis,
    vieillissement_par_site,
)

# The runbook's alert "Impayés Critiques": more than 50 debts over 60 days late.
SEUIL_IMPAYES_CRITIQUES = 50


# "Change against 30 days ago" reads the snapshot of that day.
JOURS_DE_COMPARAISON = 30


def resume_tableau_de_bord(*, agregats: dict[int, dict] | None = None) -> dict:
    """Return the directors' headline figures (the /dashboard cards and /api/dashboard/resume):
    the debts' figures of recovery.selectors.impayes_chiffres_cles, the runbook's
    thresholds, the day they are computed for, and nb_agents_sous_5 (working agents whose
    score of the moment is under the threshold, as /agents/ flags them).
    `agregats`: recovery.selectors.impayes_agreges(retard_min=60), if the caller has it."""
    jour = timezone.localdate()
    return {
        "jour": jour,
        "retard_critique": RETARD_CRITIQUE,
        "seuil_impayes_critiques": SEUIL_IMPAYES_CRITIQUES,
        "seuil_contentieux": SEUIL_CONTENTIEUX,
        "seuil_score": SEUIL_SCORE,
        **impayes_chiffres_cles(agregats=agregats),
        "nb_agents_sous_5": nb_agents_sous_seuil(maintenant=timezone.now(), seuil=SEUIL_SCORE),
    }


def tableau_de_bord() -> dict:
    """Return the directors' home: {resume (resume_tableau_de_bord), vieillissement (the
    ageing chart of the worst sites), tendance (12 months of the > 60-day count and amount,
    weekly), recouvre (montant_recouvre per week, 12 weeks)}. Six queries: one pass over the
    debts by site feeds both the headline figures and the ageing chart."""
    agregats = impayes_agreges(retard_min=RETARD_CRITIQUE)
    return {
        "resume": resume_tableau_de_bord(agregats=agregats),
        "vieillissement": vieillissement_par_site(agregats=agregats),
        "tendance": tendance_impayes_critiques(),
        "recouvre": montant_recouvre_par_semaine(),
    }


def perimetre_lire(*, filtres: Filtres) -> tuple[list[int] | None, list[str]]:
    """Return the site ids the filters' site and team codes select (None: every site) and a
    French message for each code that matches nothing. At most three queries."""
    site_ids, erreurs = None, []
    if filtres.site:
        site = site_id_du_code(code=filtres.site)
        if site is None:
            erreurs.append(_("Filtre « site » : aucun site n'a le code « %(code)s ».") % {"code": filtres.site})
        else:
            site_ids = [site]
    if filtres.equipe:
        equipe = equipe_id_du_code(code=filtres.equipe)
        if equipe is None:
            erreurs.append(_("Filtre « equipe » : aucune équipe n'a le code « %(code)s ».") % {"code": filtres.equipe})
        else:
            sites_equipe = sites_de_l_equipe(equipe_id=equipe)
            site_ids = sites_equipe if site_ids is None else [s for s in site_ids if s in sites_equipe]
    return site_ids, erreurs


def analyse_impayes(*, filtres: Filtres, site_ids: list[int] | None) -> dict:
    """Return the analysis by site for `filtres` on `site_ids` (None: every site):
    {lignes, tranches, historique, totaux}. lignes: impayes_par_site's rows, each with
    variation_nb / variation_montant (against the snapshot of 30 days ago; None when the
    snapshots cannot tell: none that day, or a retard that is not one of their limits; then
    historique is False). The agents of each site are added by agents_ajouter, for the
    rows shown only. totaux: {nb, montant} of the rows. Three queries at most."""
    lignes = impayes_par_site(
        retard_min=filtres.retard_min, limites=filtres.limites, site_ids=site_ids,
        sensibles=filtres.sensibles, montant_min=filtres.montant_min,
    )
    jour = timezone.localdate() - datetime.timedelta(days=JOURS_DE_COMPARAISON)
    avant = impayes_par_site_au(jour=jour, retard_min=filtres.retard_min)
    # No snapshot that day at all (history not yet written): the change is unknown, not "all new".
    historique = bool(avant)
    for ligne in lignes:
        if not historique:
            ligne["variation_nb"] = ligne["variation_montant"] = None
        else:
            passe = avant.get(ligne["site_id"], {"nb": 0, "montant": Decimal("0.00")})
            ligne["variation_nb"] = ligne["nb"] - passe["nb"]
            ligne["variation_montant"] = ligne["montant"] - passe["montant"]
    return {
        "lignes": lignes,
        "tranches": tranches_depuis(filtres.limites),
        "historique": historique,
        "jour_de_comparaison": jour,
        "totaux": {
            "nb": sum(ligne["nb"] for ligne in lignes),
            "montant": sum((ligne["montant"] for ligne in lignes), Decimal("0.00")),
        },
    }


def agents_ajouter(lignes: list[dict]) -> list[dict]:
    """Return `lignes` (analysis rows), each given `agents`: the runbook's "Quels agents
    assignés ?", [{agent_id, code, nom, nb}] of non-complete missions on its site. One query,
    for these rows' sites only (a page of 25, not every site)."""
    agents = agents_missions_non_complete_par_site(site_ids=[ligne["site_id"] for ligne in lignes])
    return [{**ligne, "agents": agents.get(ligne["site_id"], [])} for ligne in lignes]


def _cle_de_tri(colonne: str):
    if colonne == "agents":
        return lambda ligne: len(ligne["agents"])
    if colonne.startswith("t") and colonne[1:].isdigit():
        return lambda ligne: ligne["tranches"][int(colonne[1:])]["montant"]
    return lambda ligne: ligne[colonne]


def lignes_trier(lignes: list[dict], *, tri: str) -> list[dict]:
    """Return the analysis rows sorted by `tri` (a Filtres.tri), empty values last, then by code."""
    colonne, descendant = tri.lstrip("-"), tri.startswith("-")
    cle = _cle_de_tri(colonne)
    lignes = sorted(lignes, key=lambda ligne: ligne["code"])
    presentes = [ligne for ligne in lignes if cle(ligne) is not None]
    absentes = [ligne for ligne in lignes if cle(ligne) is None]
    return sorted(presentes, key=cle, reverse=descendant) + absentes
