"""The directors' dashboard: what each page shows, composed from the apps' selectors."""
import datetime
import hashlib
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.selectors import (
    agents_missions_non_complete_par_site,
    equipe_du_choix,
    montant_recouvre_par_semaine,
    nb_agents_sous_seuil,
    sites_de_l_equipe,
)
from akig_ops.lib.cache_donnees import en_cache, en_cache_selon_arguments
from dashboard.filtres import Criteres, tranche_du_tri
from escalations.selectors import seuils_alertes
from relances.selectors import locataires_par_etape_et_site
from recovery.selectors import (
    echeance_limite,
    impayes_en_pause,
    impayes_agreges,
    impayes_chiffres_cles,
    historique_disponible,
    impayes_par_site,
    impayes_par_site_au,
    site_du_choix,
    tendance_impayes_critiques,
    tranches_ajouter,
    tranches_depuis,
    vieillissement_par_site,
)

# "Change against 30 days ago" reads the snapshot of that day.
JOURS_DE_COMPARAISON = 30


def resume_tableau_de_bord(*, agregats: dict[int, dict] | None = None, seuils: dict | None = None) -> dict:
    """Return the directors' headline figures (the /dashboard cards, /api/dashboard/resume and
    the /metrics gauges): the thresholds of the rules (escalations.selectors.seuils_alertes),
    the debts' figures of recovery.selectors.impayes_chiffres_cles over the overall rule's
    delay (retard_critique), the day they are computed for, and nb_agents_sous_5 (working
    agents whose score of the moment is under the score rule's threshold, as /agents/ flags
    them). `agregats`: impayes_agreges(retard_min=retard_critique), if the caller has it."""
    seuils = seuils or seuils_alertes()
    return {
        "jour": timezone.localdate(),
        **seuils,
        **impayes_chiffres_cles(retard_min=seuils["retard_critique"], agregats=agregats,
                                seuil_contentieux=seuils["seuil_contentieux"]),
        "nb_agents_sous_5": nb_agents_sous_seuil(maintenant=timezone.now(), seuil=seuils["seuil_score"]),
    }


def tableau_de_bord() -> dict:
    """Return the directors' home: {resume (resume_tableau_de_bord), vieillissement (the
    ageing chart of the worst sites, the per-site rule's threshold and delay), tendance
    (12 months of the count and amount over the overall rule's delay, weekly), recouvre
    (montant_recouvre per week, 12 weeks)}. Seven queries: one pass over the debts by site
    feeds both the headline figures and the ageing chart."""
    seuils = seuils_alertes()
    agregats = impayes_agreges(retard_min=seuils["retard_critique"])
    return {
        "resume": resume_tableau_de_bord(agregats=agregats, seuils=seuils),
        # The chart's line is a site's rule: its bottom part counts past that rule's delay.
        "vieillissement": vieillissement_par_site(
            retard_min=seuils["retard_critique_site"],
            agregats=agregats if seuils["retard_critique_site"] == seuils["retard_critique"] else None,
        ),
        "tendance": tendance_impayes_critiques(retard_min=seuils["retard_critique"]),
        "recouvre": montant_recouvre_par_semaine(),
        # What the charts draw their threshold lines with (the ageing chart: a site's rule).
        "seuils_graphiques": {
            "site": seuils["seuil_impayes_critiques_site"], "global": seuils["seuil_impayes_critiques"],
            "retard": seuils["retard_critique"], "retard_site": seuils["retard_critique_site"],
        },
    }


def _perimetre(*, site: str, equipe: str) -> tuple[list[int] | None, dict, list[str]]:
    """Return the site ids that the site and team filters select (None: every site), the
    codes they resolved to ({site, equipe}) and a French message for each value that names
    nothing: then no site at all, never the unfiltered table. A value is a code, a name or a
    piece of name only one has (site_du_choix, equipe_du_choix). At most five queries."""
    site_ids, choisis, erreurs = None, {"site": "", "equipe": ""}, []
    if site:
        trouve = site_du_choix(saisie=site)
        if trouve is None:
            erreurs.append(_("Filtre « site » : aucun site n'a le code ou le nom « %(valeur)s » ; "
                             "choisissez-le dans la liste.") % {"valeur": site})
            site_ids = []
        else:
            site_ids, choisis["site"] = [trouve.pk], trouve.code
    if equipe:
        trouvee = equipe_du_choix(saisie=equipe)
        if trouvee is None:
            erreurs.append(_("Filtre « équipe » : aucune équipe n'a le code ou le nom « %(valeur)s » ; "
                             "choisissez-la dans la liste.") % {"valeur": equipe})
            site_ids = []
        else:
            choisis["equipe"] = trouvee.code
            sites_equipe = sites_de_l_equipe(equipe_id=trouvee.pk)
            site_ids = sites_equipe if site_ids is None else [s for s in site_ids if s in sites_equipe]
    return site_ids, choisis, erreurs


@en_cache_selon_arguments("dashboard.analyse_impayes")
def analyse_impayes(*, criteres: Criteres) -> dict:
    """Return the analysis by site for `criteres` (cached on them for today and this data
    generation): {lignes, tranches, historique, jour_de_comparaison, totaux, erreurs, choisis}.
    lignes: recovery.selectors.impayes_par_site's rows (the query behind the figures) on the
    sites of the criteres' site and team codes, without their ageing buckets, change and
    agents: lignes_detailler adds them to the rows shown (a page of 25 of some 250 sites at
    `xlarge`), or to every row for the CSV. historique: whether the snapshot of 30 days ago
    can tell the change (a day with snapshots, a retard that is one of their limits).
    totaux: {nb, montant} of the rows; erreurs: a French message for each site or team
    value that names nothing (then no row); choisis: the codes the filters resolved to. Two
    queries (the figures with the sites' names, whether history exists), and up to five for
    the filters."""
    site_ids, choisis, erreurs = _perimetre(site=criteres.site, equipe=criteres.equipe)
    lignes = impayes_par_site(
        retard_min=criteres.retard_min, limites=criteres.limites, site_ids=site_ids,
        sensibles=criteres.sensibles, montant_min=criteres.montant_min, avec_tranches=False,
    )
    jour = timezone.localdate() - datetime.timedelta(days=JOURS_DE_COMPARAISON)
    return {
        "lignes": lignes,
        "tranches": tranches_depuis(criteres.limites),
        # No snapshot that day at all (history not yet written): the change is unknown, not "all new".
        "historique": historique_disponible(jour=jour, retard_min=criteres.retard_min),
        "jour_de_comparaison": jour,
        "totaux": {
            "nb": sum(ligne["nb"] for ligne in lignes),
            "montant": sum((ligne["montant"] for ligne in lignes), Decimal("0.00")),
        },
        "erreurs": erreurs,
        "choisis": choisis,
    }


def lignes_detailler(lignes: list[dict], *, analyse: dict, criteres: Criteres) -> list[dict]:
    """Return `lignes` (rows of `analyse`, analyse_impayes(criteres=criteres)) each given its
    ageing buckets (recovery.selectors.tranches_ajouter: nb_total, montant_total, tranches),
    its change against the snapshot of 30 days ago (variation_nb / variation_montant; None when
    the analysis has no history) and its agents (agents_ajouter). Three queries, on these
    rows' sites only."""
    if not lignes:
        return []
    lignes = tranches_ajouter(lignes, retard_min=criteres.retard_min, limites=criteres.limites)
    avant = (
        impayes_par_site_au(jour=analyse["jour_de_comparaison"], retard_min=criteres.retard_min,
                            site_ids=[ligne["site_id"] for ligne in lignes])
        if analyse["historique"] else None
    )
    for ligne in lignes:
        if avant is None:
            ligne["variation_nb"] = ligne["variation_montant"] = None
        else:
            passe = avant.get(ligne["site_id"], {"nb": 0, "montant": Decimal("0.00")})
            ligne["variation_nb"] = ligne["nb"] - passe["nb"]
            ligne["variation_montant"] = ligne["montant"] - passe["montant"]
    return agents_ajouter(lignes)


def agents_ajouter(lignes: list[dict]) -> list[dict]:
    """Return `lignes` (analysis rows), each given `agents`: the runbook's "Quels agents
    assignés ?", [{agent_id, code, nom, nb}] of non-complete missions on its site. One query,
    for these rows' sites only (a page of 25, not every site)."""
    agents = agents_missions_non_complete_par_site(site_ids=[ligne["site_id"] for ligne in lignes])
    return [{**ligne, "agents": agents.get(ligne["site_id"], [])} for ligne in lignes]


# The sorts on what only lignes_detailler adds: every row is detailed before it is sorted.
TRIS_SUR_LE_DETAIL = ("variation_nb", "variation_montant", "agents")


def lignes_paginer(analyse: dict, *, criteres: Criteres, tri: str, numero: int, par_page: int) -> Page:
    """Return page `numero` of the analysis rows sorted by `tri`, each detailed
    (lignes_detailler): the page's rows only, or every row first when the sort is on what the
    detail adds (a change, a bucket, the agents). Three queries, or none: the detail is cached
    like the analysis (the day, the data's generation), on its criteres and the rows' sites."""
    colonne = tri.lstrip("-")
    sur_le_detail = colonne in TRIS_SUR_LE_DETAIL or tranche_du_tri(colonne) is not None
    lignes = analyse["lignes"]
    if sur_le_detail:
        lignes = _lignes_detaillees_en_cache(lignes, analyse=analyse, criteres=criteres)
    page = Paginator(lignes_trier(lignes, tri=tri), par_page).get_page(numero)
    if not sur_le_detail:
        page.object_list = _lignes_detaillees_en_cache(list(page.object_list), analyse=analyse, criteres=criteres)
    return page


def _lignes_detaillees_en_cache(lignes: list[dict], *, analyse: dict, criteres: Criteres) -> list[dict]:
    # Keyed on the criteres and the set of the rows' sites (whatever their order: a sort the
    # other way round on one page of rows), hashed: a short key whatever the filters and rows.
    sites = [ligne["site_id"] for ligne in lignes]
    quoi = f"{criteres!r}|{','.join(map(str, sorted(sites)))}"
    detail, hit = en_cache("dashboard.lignes_detaillees",
                           lambda: lignes_detailler(lignes, analyse=analyse, criteres=criteres),
                           parties=(hashlib.blake2b(quoi.encode(), digest_size=16).hexdigest(),))
    par_site = {ligne["site_id"]: ligne for ligne in detail}
    if hit and any(par_site[ligne["site_id"]][champ] != valeur for ligne in lignes for champ, valeur in ligne.items()):
        # The analysis was computed again since (its entry expired or was evicted first) and its
        # figures moved by a write that started no generation: a detail of older rows would
        # show figures the sort and the totals did not use. Detailed anew from these rows.
        return lignes_detailler(lignes, analyse=analyse, criteres=criteres)
    return [par_site[site_id] for site_id in sites]


def _cle_de_tri(colonne: str):
    if colonne == "agents":
        return lambda ligne: len(ligne["agents"])
    tranche = tranche_du_tri(colonne)
    if tranche is not None:
        return lambda ligne: ligne["tranches"][tranche]["montant"]
    return lambda ligne: ligne[colonne]


def lignes_trier(lignes: list[dict], *, tri: str) -> list[dict]:
    """Return the analysis rows sorted by `tri` (a Filtres.tri), empty values last, then by code."""
    colonne, descendant = tri.lstrip("-"), tri.startswith("-")
    cle = _cle_de_tri(colonne)
    lignes = sorted(lignes, key=lambda ligne: ligne["code"])
    presentes = [ligne for ligne in lignes if cle(ligne) is not None]
    absentes = [ligne for ligne in lignes if cle(ligne) is None]
    return sorted(presentes, key=cle, reverse=descendant) + absentes


def relances_et_pauses(*, retard_min: int) -> dict:
    """Return the dashboard's ladder section: locataires_par_etape_et_site's {etapes, sites}
    and {pauses: {contentieux, plan_apurement: {nb, montant}}}, the debts more than
    `retard_min` days late paused today (counted in the runbook's figures, shown apart)."""
    jour = timezone.localdate()
    return {**locataires_par_etape_et_site(),
            "pauses": impayes_en_pause(jour=jour, echeance_avant=echeance_limite(retard_min=retard_min)),
            "retard_min": retard_min}
