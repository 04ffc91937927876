"""The directors' dashboard (Direction only): url → this thin view → dashboard.selectors /
recovery.selectors → templates/dashboard/. One URL serves the page and, for htmx, its table."""
import functools
from decimal import Decimal
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from akig_ops import roles
from akig_ops.lib import csv_export as exports
from akig_ops.lib.cache_donnees import en_cache
from akig_ops.lib.formats import Formats
from akig_ops.lib.htmx import page_ou_partiel
from akig_ops.lib.jeton_ops import jeton_ops_valide, refus_json
from akig_ops.lib.replique import lecture_replique
from agents.selectors import equipes_visibles
from dashboard.filtres import filtres_lire
from dashboard.selectors import (
    analyse_impayes,
    lignes_detailler,
    lignes_paginer,
    lignes_trier,
    relances_et_pauses,
    resume_tableau_de_bord,
    tableau_de_bord,
)
from relances.selectors import (
    lettre_lire,
    locataires_suivi_juridique,
    relance_du_locataire,
)
from escalations.selectors import seuils_alertes
from recovery.selectors import (
    contentieux_chiffres,
    sites_choix,
    echeance_limite,
    impayes_en_pause,
    pauses_du_locataire,
    TRIS_LOCATAIRES,
    locataire_actions,
    locataire_dettes,
    locataire_lire,
    locataires_endettes,
    promesses_jugees,
    site_lire,
)

PAR_PAGE = 25
PAR_PAGE_LOCATAIRES = 50


def direction_requise(vue):
    """Login required (else the login page), then the Direction role (else 403)."""

    @login_required
    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if not roles.is_direction(request.user):
            raise PermissionDenied
        return vue(request, *args, **kwargs)

    return enveloppe


def _lien(chemin: str, parametres: dict) -> str:
    qd = QueryDict(mutable=True)
    qd.update({cle: valeur for cle, valeur in parametres.items() if valeur not in ("", None)})
    return f"{chemin}?{qd.urlencode()}" if qd else chemin


def _entetes(colonnes: list[tuple[str, str, bool]], *, tri: str, url, principales: set[str]) -> list[dict]:
    """Sortable headers [{libelle, url, sens ('asc'|'desc'|''), n, secondaire}]: a click
    sorts on the column, a second click reverses it; numbers sort largest first. A phone
    shows only the `principales` columns (the others are `secondaire`)."""
    entetes = []
    for cle, libelle, numerique in colonnes:
        actif = tri.lstrip("-") == cle
        if actif:
            suivant = cle if tri.startswith("-") else f"-{cle}"
        else:
            suivant = f"-{cle}" if numerique else cle
        sens = ("desc" if tri.startswith("-") else "asc") if actif else ""
        entetes.append({"cle": cle, "libelle": libelle, "url": url(suivant), "sens": sens, "n": numerique,
                        "secondaire": cle not in principales})
    return entetes


@direction_requise
@lecture_replique
def accueil(request):
    """The page's content is drawn once per language and cached as its figures were (until the
    data change: a new generation, or 300 s): a cached visit renders only the frame around it."""
    corps, _cache = en_cache("dashboard.accueil_html", lambda: _contenu_accueil(request), parties=(get_language(),))
    return render(request, "dashboard/accueil.html", {"corps": mark_safe(corps)})


def _contenu_accueil(request) -> str:
    donnees = tableau_de_bord()
    # The follow-up ladder's own section (tenants per step and site), beside the cards.
    relances = relances_et_pauses(retard_min=donnees["resume"]["retard_critique"])
    return render_to_string("dashboard/partials/_accueil.html",
                            {**donnees, "relances": relances, "tableaux": _tableaux_des_graphiques(donnees)}, request)


def _tableaux_des_graphiques(donnees: dict) -> dict:
    """The charts' figures as tables (their text alternative, under each chart): the very
    series the charts draw, one row per bar or point."""
    v = donnees["vieillissement"]
    return {
        "vieillissement": [
            {"nom": nom, "au_dela_nb": v["au_dela"]["nb"][i], "au_dela_montant": v["au_dela"]["montant"][i],
             "en_deca_nb": v["en_deca"]["nb"][i], "en_deca_montant": v["en_deca"]["montant"][i]}
            for i, nom in enumerate(v["noms"])
        ],
        "tendance": donnees["tendance"],
        "recouvre": donnees["recouvre"],
    }


def _rangees_impayes(lignes: list[dict]) -> list[dict]:
    """The analysis rows as the template prints them, each cell formatted once here (fr-FR):
    a page of 25 rows has some 400 cells, which template filters made the page's main cost."""
    url_site = reverse("dashboard:site", args=[0]).removesuffix("0/")
    sensible = _("sensible")
    f = Formats()
    return [
        {
            "url": f"{url_site}{ligne['site_id']}/",
            "code": ligne["code"],
            "nom": ligne["nom"],
            "sensible": sensible if ligne["sensible"] else "",
            "nb": f.nombre(ligne["nb"]),
            "montant": f.montant(ligne["montant"]),
            "retard_max": f.nombre(ligne["retard_max"]),
            "part": f.nombre(ligne["part"], 1),
            "variation_nb": f.signe(ligne["variation_nb"]),
            "variation_montant": f.signe(ligne["variation_montant"]),
            "tranches": [
                (f.nombre(tranche["nb"]), f.montant(tranche["montant"])) if tranche["nb"] else None
                for tranche in ligne["tranches"]
            ],
            "agents": [f"{agent['code']} {agent['nom']} ({agent['nb']})" for agent in ligne["agents"]],
        }
        for ligne in lignes
    ]


def _colonnes_impayes(tranches) -> list[tuple[str, str, bool]]:
    return [
        ("code", _("Site"), False), ("sensible", _("Sensible"), False),
        ("nb", _("Impayés"), True), ("montant", _("Reste dû"), True),
        ("retard_max", _("Retard max"), True), ("part", _("Part"), True),
        ("variation_nb", _("Δ 30 j"), True), ("variation_montant", _("Δ 30 j (€)"), True),
        *[(f"t{i}", tranche.libelle, True) for i, tranche in enumerate(tranches)],
        ("agents", _("Agents (missions non terminées)"), True),
    ]


@direction_requise
@lecture_replique
def impayes(request):
    """/dashboard/impayes?filter=retard:60+: the query string read once (filtres_lire), the
    analysis of its criteres (dashboard.selectors.analyse_impayes, whose figures come from
    recovery.selectors.impayes_par_site), the page of rows shown; the whole page, or for
    htmx the table it swaps."""
    filtres = filtres_lire(request.GET, retard_min=seuils_alertes()["retard_critique"])
    analyse = analyse_impayes(criteres=filtres.criteres)
    page = lignes_paginer(analyse, criteres=filtres.criteres, tri=filtres.tri, numero=filtres.page, par_page=PAR_PAGE)
    erreurs = [*filtres.erreurs, *analyse["erreurs"]]

    def url(**changements):
        return f"{request.path}?{filtres.query_string(**changements)}"

    context = {
        "filtres": filtres,
        "analyse": analyse,
        # The team picker, queried only when the whole page (its form) is drawn, not for htmx's
        # table; the site field's 1 500 suggestions come apart, when it gets the focus (sites_suggeres).
        "choix_equipes": lambda: equipes_visibles(user=request.user),
        # Counted in the analysis as in the runbook, shown apart: « dont N en contentieux / sous plan ».
        # Read when the whole page draws it (once: the template looks it up twice), not for
        # htmx's table, which does not show it.
        "pauses": functools.cache(lambda: en_cache("dashboard.pauses", lambda: impayes_en_pause(
            jour=timezone.localdate(), echeance_avant=echeance_limite(retard_min=filtres.retard_min)),
            parties=(filtres.retard_min,))[0]),
        "page": page,
        "rangees": _rangees_impayes(page.object_list),
        "erreurs": erreurs,
        "entetes": _entetes(_colonnes_impayes(analyse["tranches"]), tri=filtres.tri,
                            url=lambda tri: url(tri=tri, page=1), principales={"code", "montant", "retard_max"}),
        "page_precedente": url(page=page.previous_page_number()) if page.has_previous() else "",
        "page_suivante": url(page=page.next_page_number()) if page.has_next() else "",
        "csv": f"{reverse('dashboard:impayes_csv')}?{filtres.query_string(page=1)}",
    }
    return page_ou_partiel(
        request, page="dashboard/impayes.html", partiel="dashboard/partials/_impayes.html",
        context=context, status=400 if erreurs else 200,
    )


@direction_requise
@lecture_replique
@require_safe
@cache_control(private=True, no_cache=True)
def sites_suggeres(request):
    """The analysis page's site suggestions (<datalist>), fetched by htmx when the site field
    first gets the focus: every site, 60 KB of HTML at `xlarge` that the page itself no longer
    draws nor sends (a phone on mobile data; the runbook link's time). Without JavaScript the
    field still takes a code or a name, without suggestions. Cached like the figures; the
    browser asks again each time (a role taken away, a new site: at once, as everywhere)."""
    html, _cache = en_cache("dashboard.sites_suggeres", lambda: render_to_string(
        "partials/_choix_sites.html", {"id": "choix-sites", "sites": sites_choix()}))
    return HttpResponse(html)


@direction_requise
@lecture_replique
def impayes_csv(request):
    filtres = filtres_lire(request.GET, retard_min=seuils_alertes()["retard_critique"])
    analyse = analyse_impayes(criteres=filtres.criteres)
    lignes = lignes_trier(lignes_detailler(analyse["lignes"], analyse=analyse, criteres=filtres.criteres),
                          tri=filtres.tri)
    entetes = [
        _("Code site"), _("Site"), _("Sensible"),
        _("Impayés > %(n)s j") % {"n": filtres.retard_min}, _("Reste dû > %(n)s j (€)") % {"n": filtres.retard_min},
        _("Retard max (j)"), _("Part du total (%)"),
        _("Variation 30 j (impayés)"), _("Variation 30 j (€)"),
    ]
    for tranche in analyse["tranches"]:
        entetes += [_("Impayés %(t)s") % {"t": tranche.libelle}, _("Reste dû %(t)s (€)") % {"t": tranche.libelle}]
    entetes.append(_("Agents (missions non terminées)"))

    def rangees():
        for ligne in lignes:
            rangee = [ligne["code"], ligne["nom"], ligne["sensible"], ligne["nb"], ligne["montant"],
                      ligne["retard_max"], ligne["part"], ligne["variation_nb"], ligne["variation_montant"]]
            for tranche in ligne["tranches"]:
                rangee += [tranche["nb"], tranche["montant"]]
            rangee.append(", ".join(f"{agent['code']} {agent['nom']} ({agent['nb']})" for agent in ligne["agents"]))
            yield rangee

    return exports.csv_reponse(
        nom_fichier=f"impayes-par-site-retard-{filtres.retard_min}.csv", entetes=entetes, lignes=rangees()
    )


def _tri_locataires(request) -> tuple[str, list[str]]:
    tri = request.GET.get("tri", "-montant")
    if tri.lstrip("-") in TRIS_LOCATAIRES:
        return tri, []
    return "-montant", [_("Paramètre « tri » : colonne inconnue « %(valeur)s ».") % {"valeur": tri}]


COLONNES_LOCATAIRES = [
    ("code", _("Locataire"), False), ("site", _("Site"), False), ("montant", _("Reste dû"), True),
    ("nb", _("Impayés"), True), ("retard_max", _("Retard max"), True),
    ("derniere_action", _("Dernière action"), False),
]
ENTETES_CSV_LOCATAIRES = [
    _("Code locataire"), _("Locataire"), _("Téléphone"), _("Code site"), _("Site"), _("Reste dû (€)"),
    _("Impayés"), _("Retard max (j)"), _("Dernière action"), _("Type de la dernière action"), _("Agent"),
]


def _rangees_locataires(lignes):
    for ligne in lignes:
        yield [ligne["code"], ligne["nom"], ligne["telephone"], ligne["site_code"], ligne["site_nom"],
               ligne["montant"], ligne["nb"], ligne["retard_max"], ligne["derniere_action_date"],
               ligne["derniere_action_type"], ligne["derniere_action_agent"]]


def _table_locataires(request, *, lignes_pour, page: str, context: dict, csv: str, en_cache_sous: tuple = ()):
    """A tenants' table page (a site's tenants, the legal list): sorted, paginated, htmx. With
    `en_cache_sous` (a name and the key's parts), the table's HTML is cached as the figures are
    (until the data change), per sort and page asked for: a visit then draws no row."""
    tri, erreurs = _tri_locataires(request)
    numero = request.GET.get("page", "1")

    def tableau() -> tuple[str, int]:
        page_obj = Paginator(lignes_pour(tri), PAR_PAGE_LOCATAIRES).get_page(numero)
        chemin = request.path

        def url(**parametres):
            return _lien(chemin, {"tri": tri if tri != "-montant" else "", **parametres})

        contexte = {
            **context,
            "page": page_obj,
            "erreurs": erreurs,
            "entetes": _entetes(COLONNES_LOCATAIRES, tri=tri, url=lambda t: url(tri=t),
                                principales={"code", "montant", "retard_max"}),
            "page_precedente": url(page=page_obj.previous_page_number()) if page_obj.has_previous() else "",
            "page_suivante": url(page=page_obj.next_page_number()) if page_obj.has_next() else "",
            "csv": _lien(csv, {"tri": tri if tri != "-montant" else ""}),
        }
        # A refused parameter: the page still shows, with its French message, as a 400.
        return render_to_string("dashboard/partials/_locataires.html", contexte, request), 400 if erreurs else 200

    # Cached for the sorts and page numbers a page links to only: any other query string is drawn.
    if en_cache_sous and not erreurs and numero.isdigit() and len(numero) <= 4:
        nom, *parties = en_cache_sous
        (html, statut), _hit = en_cache(nom, tableau, parties=(*parties, tri, numero))
    else:
        html, statut = tableau()
    if request.htmx and not request.htmx.history_restore_request:
        reponse = HttpResponse(html, status=statut)
    else:
        reponse = render(request, page, {**context, "tableau": mark_safe(html)}, status=statut)
    patch_vary_headers(reponse, ("HX-Request",))  # no cache serves the table for the page
    return reponse


def _ou_404(objet):
    if objet is None:
        raise Http404
    return objet


@direction_requise
@lecture_replique
def site(request, site_id: int):
    site = _ou_404(site_lire(site_id=site_id))
    return _table_locataires(
        request,
        # The site's debtors, shared like the dashboard's figures (until the data change).
        lignes_pour=lambda tri: list(locataires_endettes(site_id=site.pk, tri=tri)),
        # The site's table (its debtors), shared like the dashboard's figures (until the data change).
        en_cache_sous=("dashboard.site_locataires_html", site.pk),
        page="dashboard/site.html",
        context={"site": site},
        csv=reverse("dashboard:site_csv", args=[site.pk]),
    )


@direction_requise
@lecture_replique
def site_csv(request, site_id: int):
    site = _ou_404(site_lire(site_id=site_id))
    tri, _erreurs = _tri_locataires(request)
    return exports.csv_reponse(
        nom_fichier=f"locataires-{site.code}.csv", entetes=ENTETES_CSV_LOCATAIRES,
        lignes=_rangees_locataires(locataires_endettes(site_id=site.pk, tri=tri)),
    )


@direction_requise
@lecture_replique
def contentieux(request):
    """The legal list: tenants owing more than the overall rule's seuil_contentieux, its
    figures (recovery.selectors.contentieux_chiffres) above the table."""
    seuil = seuils_alertes()["seuil_contentieux"]
    # Shared like the dashboard's figures (until the data change): the cached page reads no debt.
    chiffres, suivi = en_cache("dashboard.contentieux", lambda: (
        contentieux_chiffres(seuil=seuil), locataires_suivi_juridique()), parties=(seuil,))[0]
    return _table_locataires(
        request,
        lignes_pour=lambda tri: en_cache("dashboard.contentieux_locataires", lambda: list(
            locataires_endettes(seuil=seuil, tri=tri)), parties=(seuil, tri))[0],
        page="dashboard/contentieux.html",
        context={"seuil": seuil, "chiffres": chiffres, "suivi_juridique": suivi},
        csv=reverse("dashboard:contentieux_csv"),
    )


@direction_requise
@lecture_replique
def contentieux_csv(request):
    tri, _erreurs = _tri_locataires(request)
    seuil = seuils_alertes()["seuil_contentieux"]
    return exports.csv_reponse(
        nom_fichier="contentieux.csv", entetes=ENTETES_CSV_LOCATAIRES,
        lignes=_rangees_locataires(locataires_endettes(seuil=seuil, tri=tri)),
    )


@direction_requise
@lecture_replique
def locataire(request, locataire_id: int):
    locataire = _ou_404(locataire_lire(locataire_id=locataire_id))
    dettes = locataire_dettes(locataire_id=locataire.pk)
    return render(request, "dashboard/locataire.html", {
        "locataire": locataire,
        "dettes": dettes,
        "reste_du": sum((dette["reste_du"] for dette in dettes), Decimal("0.00")),
        "actions": locataire_actions(locataire_id=locataire.pk),
        "promesses": promesses_jugees(aujourd_hui=timezone.localdate(), locataire_id=locataire.pk),
        "relance": relance_du_locataire(locataire_id=locataire.pk),
        "pauses": pauses_du_locataire(locataire_id=locataire.pk),
    })


@direction_requise
@lecture_replique
def lettre(request, locataire_id: int, lettre_id: int):
    """A tenant's formal notice (mise en demeure), the PDF the ladder kept."""
    lettre = lettre_lire(lettre_id=lettre_id)
    if lettre is None or lettre.locataire_id != locataire_id:
        raise Http404
    reponse = HttpResponse(bytes(lettre.pdf), content_type="application/pdf")
    reponse["Cache-Control"] = "private, no-store"  # a tenant's name and debts
    reponse["Content-Disposition"] = f'inline; filename="mise-en-demeure-{locataire_id}-{lettre.cree_le:%Y-%m-%d}.pdf"'
    return reponse


@require_safe
@never_cache
@lecture_replique
def resume_api(request):
    """/api/dashboard/resume: the directors' headline figures, cached (header X-Cache).

    For a logged-in director, or a script sending the ops token."""
    if not jeton_ops_valide(request):
        if "Authorization" in request.headers or not request.user.is_authenticated:
            return refus_json(statut=401, message=_("Authentification requise : session de la direction ou jeton d'exploitation."))
        if not roles.is_direction(request.user):
            return refus_json(statut=403, message=_("Réservé à la direction."))
    # Amounts as decimal strings with cents ("1234.56"): the selector gives them to the cent.
    resume, hit = en_cache("resume_tableau_de_bord", resume_tableau_de_bord)
    reponse = JsonResponse(resume, encoder=DjangoJSONEncoder)
    reponse["X-Cache"] = "HIT" if hit else "MISS"
    return reponse
