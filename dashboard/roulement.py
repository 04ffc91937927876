"""The roll and cure rates page (/dashboard/roulement): what it shows, composed from
recovery.roulement (the figures by site) and agents.selectors (the teams and their sites)."""
import datetime
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agents.selectors import equipe_du_choix, equipes_visibles, sites_des_equipes
from akig_ops import roles
from akig_ops.lib.cache_donnees import en_cache
from recovery.roulement import ROULE, fins_de_mois, historique_paiements_depuis, matrice, roulements_lire
from recovery.selectors import TRANCHES, tranches_depuis

# The leading indicator: the amount 31–60 days late that a month later is 61–90 days late.
TRANCHE_INDICATEUR = 1


@dataclass
class Perimetre:
    """What the user may see and chose: the teams listed, the chosen one, the sites read
    (None: every site, for a director without a team chosen), the refused parameters."""

    equipes: list
    equipe: object | None
    site_ids: list[int] | None
    sites_par_equipe: dict[int, list[int]]
    erreurs: list[str] = field(default_factory=list)

    @property
    def cle(self) -> str:
        """The cache key's part: who sees what."""
        if self.site_ids is None:
            return "tous"
        if self.erreurs:
            return "aucune"
        return f"{self.equipe.pk if self.equipe else 'equipes'}:{','.join(str(e.pk) for e in self.equipes)}"


def perimetre_roulement(*, user, equipe_code: str = "") -> Perimetre:
    """Return the user's scope: a director sees every site (or a chosen team's), a team lead
    the sites of the teams they lead (or of one of them), in the queries. Two queries (one
    when the teams' sites are in the cache)."""
    equipes = equipes_visibles(user=user)
    ids = [e.pk for e in equipes]
    # Cached with the figures (same generation): the cached page reads no mission.
    sites_par_equipe, _hit = en_cache(
        "dashboard.roulement.sites", lambda: sites_des_equipes(equipe_ids=ids), parties=(",".join(map(str, ids)),)
    )
    erreurs = []
    equipe = None
    if equipe_code:
        trouvee = equipe_du_choix(saisie=equipe_code, user=user)
        equipe = next((e for e in equipes if trouvee is not None and e.pk == trouvee.pk), None)
        if equipe is None:
            erreurs.append(_("Paramètre « equipe » : aucune de vos équipes n'a le code ou le nom « %(code)s » ; "
                             "choisissez-la dans la liste.") % {"code": equipe_code})
    if erreurs:
        site_ids = []  # a team that names nothing: no figure, never the whole scope's under its name
    elif equipe is not None:
        site_ids = sites_par_equipe.get(equipe.pk, [])
    elif roles.is_direction(user):
        site_ids = None
    else:
        site_ids = sorted({s for e in equipes for s in sites_par_equipe.get(e.pk, [])})
    return Perimetre(equipes=equipes, equipe=equipe, site_ids=site_ids, sites_par_equipe=sites_par_equipe,
                     erreurs=erreurs)


def mois_libelle(fin: datetime.date) -> str:
    """« octobre 2026 »."""
    return date_format(fin, "F Y")


def mois_lire(valeur: str, *, fins: list[datetime.date]) -> tuple[datetime.date, list[str]]:
    """The month-end of `?mois=AAAA-MM` among `fins` (the latest when absent or refused), and
    the French message of a refused value."""
    if not valeur:
        return fins[-1], []
    for fin in fins:
        if fin.strftime("%Y-%m") == valeur:
            return fin, []
    return fins[-1], [
        _("Paramètre « mois » : « %(valeur)s » n'est pas l'un des 12 derniers mois connus (de %(du)s à %(au)s, AAAA-MM).")
        % {"valeur": valeur, "du": fins[0].strftime("%Y-%m"), "au": fins[-1].strftime("%Y-%m")}
    ]


def _resume(m: list[dict]) -> dict:
    """One scope's line: the amount owed at the month-end, each category's share over every
    bucket, and the 31–60 → 61–90 roll rate."""
    tous = matrice_totale(m)
    return {**tous, "taux_indicateur": m[TRANCHE_INDICATEUR]["categories"][ROULE]["part"],
            "montant_indicateur": m[TRANCHE_INDICATEUR]["montant"]}


def matrice_totale(m: list[dict]) -> dict:
    """The buckets of a matrix added up: {nb, montant, categories: {c: {nb, montant, part}}}."""
    lignes = [(0, 0, c, v["nb"], v["montant"]) for tranche in m for c, v in tranche["categories"].items()]
    return matrice(lignes, limites=())[0]


def roulement_page(*, perimetre: Perimetre, fin_mois: datetime.date, par_site: bool = False) -> dict:
    """Return what /dashboard/roulement shows for the month ending `fin_mois` in `perimetre`:
    {fin_mois, fin_suivante, libelle, estime, exact_depuis, tranches: [{libelle, nb, montant,
    categories}], total, par_equipe: [{equipe, …_resume}]}, and with `par_site` (the CSV's)
    par_site: {site_id: matrix} (1 500 matrices at `xlarge`: not for the page).
    Three queries: the history's start, the month's stored figures (roulements_lire; two
    grouped queries over the instalments instead when the month is not stored)."""
    exact_depuis = historique_paiements_depuis()
    resultat = roulements_lire(fins=[fin_mois], exact_depuis=exact_depuis, site_ids=perimetre.site_ids)[fin_mois]
    lignes = resultat["lignes"]
    m = matrice(lignes)
    par_site_lignes: dict[int, list] = {}
    for ligne in lignes:
        par_site_lignes.setdefault(ligne[0], []).append(ligne)
    par_equipe = []
    for equipe in ([perimetre.equipe] if perimetre.equipe else perimetre.equipes):
        sites = perimetre.sites_par_equipe.get(equipe.pk, [])
        m_equipe = matrice([ligne for site_id in sites for ligne in par_site_lignes.get(site_id, ())])
        par_equipe.append({"equipe": equipe, **_resume(m_equipe)})
    page = {
        "fin_mois": resultat["fin_mois"], "fin_suivante": resultat["fin_suivante"],
        "libelle": mois_libelle(fin_mois), "estime": resultat["estime"], "exact_depuis": exact_depuis,
        "tranches": [{"libelle": t.libelle, **ligne} for t, ligne in zip(tranches_depuis(TRANCHES), m)],
        "total": _resume(m),
        "par_equipe": par_equipe,
    }
    if par_site:
        page["par_site"] = {site_id: matrice(l) for site_id, l in par_site_lignes.items()}
    return page


def tendance_roulement(*, perimetre: Perimetre, fins: list[datetime.date] | None = None) -> list[dict]:
    """Return the 31–60 → 61–90 roll rate of each of the 12 latest month-ends, oldest first:
    [{fin_mois, mois (AAAA-MM), libelle, estime, montant (owed 31–60 j at the month-end),
    roule (of it, 61–90 j a month later), taux (%, None when nothing was owed)}].
    Three queries for the stored months (roulements_lire), two a month not stored, each on the
    bucket's range of due dates."""
    fins = fins or fins_de_mois()
    resultats = roulements_lire(fins=fins, site_ids=perimetre.site_ids, tranche=TRANCHE_INDICATEUR)
    points = []
    for fin in fins:
        resultat = resultats[fin]
        tranche = matrice(resultat["lignes"])[TRANCHE_INDICATEUR]
        points.append({
            "fin_mois": fin, "mois": fin.strftime("%Y-%m"), "libelle": mois_libelle(fin), "estime": resultat["estime"],
            "montant": tranche["montant"], "roule": tranche["categories"][ROULE]["montant"],
            "taux": tranche["categories"][ROULE]["part"],
        })
    return points

