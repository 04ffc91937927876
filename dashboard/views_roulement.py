"""/dashboard/roulement: the roll and cure rates, for directors (every site) and team leads
(their teams' sites, in the query). url → these thin views → dashboard/roulement.py."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from akig_ops import roles
from akig_ops.lib import csv_export as exports
from akig_ops.lib.cache_donnees import en_cache
from akig_ops.lib.formats import Formats
from akig_ops.lib.replique import lecture_replique
from dashboard.roulement import mois_libelle, mois_lire, perimetre_roulement, roulement_page, tendance_roulement
from recovery.roulement import CATEGORIES, fins_de_mois
from recovery.selectors import sites_lire

LIBELLES = {
    "roule": gettext_lazy("Roulé"), "reste": gettext_lazy("Resté"),
    "partiel": gettext_lazy("Payé en partie"), "solde": gettext_lazy("Soldé"),
}


def direction_ou_chef_requis(vue):
    """Login required (else the login page), then Direction or team lead (else 403)."""

    @login_required
    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if not roles.is_direction_ou_chef_equipe(request.user):
            raise PermissionDenied
        return vue(request, *args, **kwargs)

    return enveloppe


def _lire(request):
    """The scope, the month-ends offered, the chosen one and the refused parameters' messages."""
    perimetre = perimetre_roulement(user=request.user, equipe_code=request.GET.get("equipe", "").strip())
    fins = fins_de_mois()
    fin, erreurs = mois_lire(request.GET.get("mois", "").strip(), fins=fins)
    return perimetre, fins, fin, [*perimetre.erreurs, *erreurs]


def _page(perimetre, fin, *, par_site: bool = False) -> dict:
    donnees, _cache = en_cache(
        "dashboard.roulement.csv" if par_site else "dashboard.roulement",
        lambda: roulement_page(perimetre=perimetre, fin_mois=fin, par_site=par_site), parties=(perimetre.cle, fin),
    )
    return donnees


def _cellules(ligne: dict, f: Formats) -> dict:
    """A matrix line as printed (fr-FR): the amount owed, then each category's amount and share."""
    return {
        "nb": f.nombre(ligne["nb"]),
        "montant": f.montant(ligne["montant"]),
        "categories": [
            {"montant": f.montant(ligne["categories"][c]["montant"]),
             "part": "—" if ligne["categories"][c]["part"] is None else f"{f.nombre(ligne['categories'][c]['part'], 1)} %"}
            for c in CATEGORIES
        ],
    }


@direction_ou_chef_requis
@lecture_replique
def roulement(request):
    perimetre, fins, fin, erreurs = _lire(request)
    page = _page(perimetre, fin)
    tendance, _cache = en_cache(
        "dashboard.roulement.tendance", lambda: tendance_roulement(perimetre=perimetre, fins=fins),
        parties=(perimetre.cle, fins[-1]),
    )
    f = Formats()
    return render(request, "dashboard/roulement.html", {
        "page": page,
        "categories": [LIBELLES[c] for c in CATEGORIES],
        "lignes": [{"libelle": t["libelle"], **_cellules(t, f)} for t in page["tranches"]],
        "total": _cellules(page["total"], f),
        "par_equipe": [
            {"equipe": e["equipe"], **_cellules(e, f), "montant_indicateur": f.montant(e["montant_indicateur"]),
             "taux_indicateur": "—" if e["taux_indicateur"] is None else f"{f.nombre(e['taux_indicateur'], 1)} %"}
            for e in page["par_equipe"]
        ],
        "tendance": [
            {**p, "montant_txt": f.montant(p["montant"]), "roule_txt": f.montant(p["roule"]),
             "taux_txt": "—" if p["taux"] is None else f"{f.nombre(p['taux'], 1)} %"}
            for p in tendance
        ],
        "tendance_json": [{"mois": p["mois"], "libelle": p["libelle"], "estime": p["estime"], "taux": p["taux"]}
                          for p in tendance],
        "mois": [{"valeur": m.strftime("%Y-%m"), "libelle": mois_libelle(m), "choisi": m == fin} for m in reversed(fins)],
        "perimetre": perimetre,
        "erreurs": erreurs,
        "csv_query": request.GET.urlencode(),
    }, status=400 if erreurs else 200)


@direction_ou_chef_requis
@lecture_replique
def roulement_csv(request):
    perimetre, _fins, fin, erreurs = _lire(request)
    if erreurs:
        return render(request, "dashboard/partials/_erreurs.html", {"erreurs": erreurs}, status=400)
    page = _page(perimetre, fin, par_site=True)
    sites = sites_lire(site_ids=page["par_site"])
    equipes_du_site: dict[int, list[str]] = {}
    for equipe in perimetre.equipes:
        for site_id in perimetre.sites_par_equipe.get(equipe.pk, []):
            equipes_du_site.setdefault(site_id, []).append(equipe.code)
    entetes = [_("Fin de mois"), _("Mois suivant"), _("Estimé"), _("Code site"), _("Site"), _("Équipes"),
               _("Tranche à la fin du mois"), _("Impayés"), _("Reste dû (€)")]
    for c in CATEGORIES:
        entetes += [_("%(categorie)s (€)") % {"categorie": LIBELLES[c]}, _("%(categorie)s (%%)") % {"categorie": LIBELLES[c]}]
    libelles = [t["libelle"] for t in page["tranches"]]
    estime = _("oui") if page["estime"] else _("non")

    def rangees():
        for site_id in sorted(page["par_site"], key=lambda s: sites[s].code):
            for libelle, ligne in zip(libelles, page["par_site"][site_id]):
                if not ligne["nb"]:
                    continue
                rangee = [page["fin_mois"], page["fin_suivante"], estime, sites[site_id].code, sites[site_id].nom,
                          ", ".join(equipes_du_site.get(site_id, [])), libelle, ligne["nb"], ligne["montant"]]
                for c in CATEGORIES:
                    rangee += [ligne["categories"][c]["montant"], ligne["categories"][c]["part"]]
                yield rangee

    return exports.csv_reponse(nom_fichier=f"roulement-{fin:%Y-%m}.csv", entetes=entetes, lignes=rangees())
