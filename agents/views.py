"""The team leads' agent pages: the list of their agents, one agent's day, its trail export.

Each view requires a login and a role; an agent outside the user's teams is a 404, enforced in
the queryset (agents_visibles), on the page, its partials and its export.
"""
import datetime
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from agents.forms import ConfigurationTelephoneForm, FenetreForm, fenetre
from agents.selectors import (
    agents_visibles,
    dernier_jour_avec_positions,
    dernier_releve,
    equipe_du_choix,
    equipes_visibles,
    jeton_actif,
    nom_positions,
    score_du_jour,
    seuil_score,
    taches_a_faire,
    trajet,
)
from agents.selectors_pages import (
    JOURS_TAUX_PROMESSES,
    TRIS,
    courbe_du_jour,
    historique_scores,
    journee_agent,
    tableau_agents,
    tableau_detailler,
    telephone_agent,
    tableau_trie,
)
from agents.services import jeton_creer
from agents.telephones import configuration_telephone
from agents.trajets import BATTERIE
from agents.graphiques_json import donnees_carte, serie_historique, serie_instants
from agents.templatetags.agents_extras import duree
from akig_ops import roles
from akig_ops.lib.cache_donnees import en_cache, en_cache_avec_cle
from akig_ops.lib.htmx import page_ou_partiel
from akig_ops.lib.csv_export import csv_reponse
from akig_ops.lib.formats import Formats
from akig_ops.lib.replique import lecture_replique
from recovery.selectors import taux_promesses_tenues

PERIODES = (7, 30, 90)
DUREE_CACHE_LISTE = 60  # seconds, the list's refresh period
# Agents per page of the list: a team lead's teams fit on one; a director's 600 agents take 12
# pages, each light enough for a phone on mobile data (the sort runs over every agent).
PAR_PAGE_LISTE = 50
# The list's columns: (sort key or None, label, numeric, tooltip, secondary: hidden on a phone
# until asked for; the agent, the score and the amount stay).
COLONNES = [
    ("agent", _("Agent"), False, "", False),
    ("score", _("Score du moment"), True, "", False),
    ("visites", _("Visites"), True, "", True),
    (None, _("Prom. / paie. / refus"), True, _("promesses / paiements / refus"), True),
    ("montant", _("Recouvré"), True, "", False),
    ("missions", _("Missions faites"), True, _("terminées / prévues aujourd'hui"), True),
    ("gps", _("Dernière position"), False, "", True),
    (None, _("Signaux"), False, "", True),
]


def _colonnes(*, equipe: str, tri: str, descendant: bool) -> list[dict]:
    """The list's header cells: a sortable one links to itself sorted the other way when active."""
    colonnes = []
    for cle, libelle, nombre, titre, secondaire in COLONNES:
        colonne = {"libelle": libelle, "nombre": nombre, "titre": titre, "url": "", "fleche": "", "secondaire": secondaire}
        if cle:
            inverse = cle == tri and not descendant
            colonne["url"] = "?" + urlencode({"equipe": equipe, "tri": cle, **({"sens": "desc"} if inverse else {})})
            colonne["fleche"] = ("▼" if descendant else "▲") if cle == tri else ""
        colonnes.append(colonne)
    return colonnes


def texte_explication(explication, *, maintenant) -> str:
    """Why a phone went silent, as the pages say it: « batterie à 3 % à 14:02, puis silence »,
    « immobile depuis 40 min »; "" without an explanation."""
    if explication is None:
        return ""
    if explication.raison == BATTERIE:
        return gettext("batterie à %(pct)s %% à %(heure)s, puis silence") % {
            "pct": explication.batterie_pct, "heure": f"{timezone.localtime(explication.instant):%H:%M}"}
    return gettext("immobile depuis %(duree)s") % {"duree": duree(maintenant - explication.instant)}


def _silence(ligne: dict, *, silencieux: str, maintenant) -> str:
    """The list's silent-phone flag, with why when the phone said it (« … : immobile depuis 40 min »)."""
    if not ligne["silence"]:
        return ""
    explication = texte_explication(ligne["explication"], maintenant=maintenant)
    return f"{silencieux} : {explication}" if explication else silencieux


def _rangees(lignes: list[dict], *, url_liste: str, maintenant, seuil) -> list[dict]:
    """The list's rows as the template prints them, each cell formatted once here (fr-FR)."""
    f = Formats()
    il_y_a = gettext("il y a")
    silencieux = gettext("téléphone silencieux")
    rangees = []
    for l in lignes:
        agent, score, tendance, sans_position = l["agent"], l["score"], l["tendance"], l["sans_position"]
        if tendance is None:
            fleche = ""
        elif tendance > 0:
            fleche = f"↗ +{f.nombre(tendance, 2)}"
        elif tendance < 0:
            fleche = f"↘ \u2212{f.nombre(-tendance, 2)}"
        else:
            fleche = "→ 0"
        rangees.append({
            "inactif": not agent.actif,
            # An agent's page is url_liste + id + "/": one reverse() instead of one per row.
            "url": f"{url_liste}{agent.id}/",
            "nom": agent.nom,
            "sous_titre": f"{agent.code} · {agent.equipe_nom}",
            "alerte": score is not None and score < seuil,
            "tenues": _taux_tenues(l["promesses_tenues"], f),
            "score": f.nombre(score, 2),
            "tendance": fleche,
            "actions": f"{l['promesses']} / {l['paiements']} / {l['refus']}",
            "visites": str(l["visites"]),
            "montant": f.montant(l["montant_recouvre"]),
            "missions": f"{l['missions_faites']} / {l['missions_prevues']}",
            "position": f"{il_y_a} {duree(l['age_position'])}" if l["derniere_position"] else "—",
            "silence": _silence(l, silencieux=silencieux, maintenant=maintenant),
            "sans_position": ngettext(
                "%(n)s action sans position", "%(n)s actions sans position", sans_position
            ) % {"n": sans_position} if sans_position else "",
        })
    return rangees


def _taux_tenues(taux, f: Formats) -> str:
    """« 75 % tenues (3/4) » (promises kept / judged), or "" when none was judged over the window."""
    if taux is None or taux.taux is None:
        return ""
    return gettext("%(taux)s tenues (%(tenues)s/%(jugees)s)") % {
        "taux": f"{f.nombre(taux.taux, 0)}\u00a0%",
        "tenues": taux.tenues, "jugees": taux.jugees,
    }


def _verifier_role(user) -> None:
    if not roles.is_direction_ou_chef_equipe(user):
        raise PermissionDenied


def _agent_visible(request, agent_id: int):
    """The agent, if the user's teams include it; a 404 otherwise (also for an unknown id)."""
    _verifier_role(request.user)
    return get_object_or_404(agents_visibles(user=request.user), pk=agent_id)


def _fenetre_de_la_page(form: FenetreForm, *, agent_id: int, maintenant) -> tuple:
    """The page's (jour, debut, fin): without a day asked for, the agent's latest day with positions
    (one index probe), so the page never opens on an empty today."""
    jour_defaut = None if form.data.get("jour") else dernier_jour_avec_positions(agent_id=agent_id, maintenant=maintenant)
    return fenetre(form, maintenant=maintenant, jour_defaut=jour_defaut)


def _navigation(*, jour, debut, fin, aujourd_hui) -> dict:
    """The query strings of the day before and after (same window; none after today) and of the
    chosen day's whole day."""
    fin = timezone.localtime(fin)
    # A window to midnight ends at 23:59 in the form (24:00 is no time of the day).
    heures = {"debut": f"{timezone.localtime(debut):%H:%M}", "fin": "23:59" if fin.date() > jour else f"{fin:%H:%M}"}
    veille, lendemain = jour - datetime.timedelta(days=1), jour + datetime.timedelta(days=1)
    return {
        "veille": "?" + urlencode({"jour": veille.isoformat(), **heures}, safe=":"),
        "lendemain": "?" + urlencode({"jour": lendemain.isoformat(), **heures}, safe=":") if lendemain <= aujourd_hui else "",
        "journee": "?" + urlencode({"jour": jour.isoformat(), "debut": "00:00", "fin": "23:59"}, safe=":"),
    }


@login_required
@lecture_replique
def liste(request):
    _verifier_role(request.user)
    equipes = equipes_visibles(user=request.user)
    saisie, equipe, erreurs = request.GET.get("equipe", "").strip(), "", []
    if saisie:
        # A code or a name of one of the user's teams; anything else: the message and no row,
        # never every agent under a team's name.
        trouvee = equipe_du_choix(saisie=saisie, user=request.user)
        if trouvee is None:
            erreurs.append(_("Équipe « %(valeur)s » : aucune de vos équipes n'a ce code ou ce nom ; "
                             "choisissez-la dans la liste.") % {"valeur": saisie})
            equipe = saisie
        else:
            equipe = trouvee.code
    tri = request.GET.get("tri") if request.GET.get("tri") in TRIS else "agent"
    descendant = request.GET.get("sens") == "desc"
    maintenant = timezone.now()
    # The page refreshes every minute: rows are shared for a minute (and until data change),
    # with the instant they were computed at, which keys their pages' HTML: every page of the
    # list is drawn from the same rows (a page drawn from the rows before would repeat or miss
    # agents that a sort on the score or the position moved).
    (calcule, lignes), _en_cache, cle = en_cache_avec_cle(
        "agents:lignes",
        lambda: (maintenant.timestamp(), tableau_agents(user=request.user, maintenant=maintenant, equipe_code=equipe)),
        parties=(request.user.pk, equipe),
        duree=DUREE_CACHE_LISTE,
    )
    lignes = tableau_trie(lignes, tri=tri, descendant=descendant)
    # A page of the sorted rows (an unknown or out-of-range number: the nearest page, as every
    # list of the site); only its rows are detailed and drawn.
    page = Paginator(lignes, PAR_PAGE_LISTE).get_page(request.GET.get("page"))
    seuil = seuil_score()
    base = "?" + urlencode({"equipe": equipe, "tri": tri, **({"sens": "desc"} if descendant else {})}) + "&page="
    context = {
        "lignes": lignes,
        "page": page,
        # The loop prints ready strings: no filter, tag or translation per cell. Built (and the
        # page's rows detailed) only when the rows' HTML is not cached (the template calls it),
        # which is cached on the rows' key and instant, the sort and the page, as long as them (a
        # minute, or until the data change).
        "rangees": lambda: _rangees(tableau_detailler(list(page.object_list), maintenant=maintenant),
                                    url_liste=reverse("agents:liste"), maintenant=maintenant, seuil=seuil),
        "cle_lignes": f"{cle}:{calcule}" if cle else "", "duree_cache": DUREE_CACHE_LISTE if cle else 0,
        "page_precedente": f"{base}{page.previous_page_number()}" if page.has_previous() else "",
        "page_suivante": f"{base}{page.next_page_number()}" if page.has_next() else "",
        "equipes": equipes,
        "colonnes": _colonnes(equipe=equipe, tri=tri, descendant=descendant),
        "equipe": equipe,
        "tri": tri,
        "descendant": descendant,
        "seuil": seuil,
        "depuis_une_heure": _("depuis une heure"),
        "titre_tenues": gettext("Promesses tenues, échues sur %(n)s jours") % {"n": JOURS_TAUX_PROMESSES},
        "sans_mission": _("pas de mission aujourd’hui ou trop tôt pour juger"),
        "direction": roles.is_direction(request.user),
        "erreurs": erreurs,
    }
    return page_ou_partiel(request, page="agents/liste.html", partiel="agents/partials/_tableau.html", context=context,
                           status=400 if erreurs else 200)


def _dessin_en_cache(request, agent, *, partie: str, periode: int, dessin: Callable[[], tuple[str, int]]) -> tuple[str, int]:
    """The agent page's HTML and status (`partie` "page": its whole content; "trajet": the trail
    htmx redraws on a change of day or window), drawn by `dessin` at most once a minute
    (DUREE_CACHE_LISTE, the list's refresh period) per agent, role, language, period and asked-for
    window, and again as soon as the business day turns, the data change (a new generation) or the
    agent's positions do (their token, renewed when some are stored): the page's only cache.
    A hit costs the access check and three cache reads (docs/scaling.md). Only for the agent's
    visible users: the caller has checked access before."""
    fenetre_demandee = urlencode([(champ, request.GET.get(champ, "")) for champ in FenetreForm.base_fields])
    role = "direction" if roles.is_direction(request.user) else "chef"
    (corps, statut), _hit = en_cache(
        "agents:page", dessin, duree=DUREE_CACHE_LISTE, jetons=(nom_positions(agent.id),),
        parties=(partie, agent.id, role, get_language(), periode, fenetre_demandee),
    )
    return corps, statut


def _contenu_de_la_page(request, agent, *, form: FenetreForm, periode: int) -> tuple[str, int]:
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate(maintenant)
    context = {"agent": agent, "seuil": seuil_score(), "periode": periode, "periodes": PERIODES}
    context["historique"] = historique = historique_scores(agent_id=agent.id, jours=periode, aujourd_hui=aujourd_hui)
    context["historique_json"] = serie_historique(historique)
    context.update(_trajet_contexte(form, agent=agent, maintenant=maintenant))
    jour = context["journee"].jour
    context["du_moment"] = score_du_jour(agent_id=agent.id, jour=jour, maintenant=maintenant)
    context.update(jour_score=jour, jour_passe=jour < aujourd_hui)
    tenues = taux_promesses_tenues(aujourd_hui=aujourd_hui, jours=JOURS_TAUX_PROMESSES,
                                   par="agent", agent_ids=[agent.id]).get(agent.id)
    context.update(promesses_tenues=_taux_tenues(tenues, Formats()), jours_promesses=JOURS_TAUX_PROMESSES,
                   taches=taches_a_faire(agent_id=agent.id))
    context["telephone"] = telephone = telephone_agent(agent_id=agent.id, jour=jour, maintenant=maintenant)
    context["explication"] = texte_explication(telephone["explication"], maintenant=maintenant)
    # A refused day or hour: the default window, the field's French error, and a 400.
    return render_to_string("agents/partials/_detail.html", context, request), 400 if form.errors else 200


def _contenu_du_trajet(request, agent, *, form: FenetreForm) -> tuple[str, int]:
    context = {"agent": agent, "seuil": seuil_score(), **_trajet_contexte(form, agent=agent, maintenant=timezone.now())}
    # A 200 even for a refused window (shown with its error): htmx swaps no 4xx by default.
    return render_to_string("agents/partials/_trajet.html", context, request), 200


def _trajet_contexte(form: FenetreForm, *, agent, maintenant) -> dict:
    """The trail's part of the page (the day chosen in `form`, else the default one): the trail
    analysed, its map and the day's score curve."""
    jour, debut, fin = _fenetre_de_la_page(form, agent_id=agent.id, maintenant=maintenant)
    if not any(form.data.get(champ) for champ in form.fields):
        # No choice made yet: show the default window in the fields.
        form = FenetreForm(initial={"jour": jour, "debut": timezone.localtime(debut).time(),
                                    "fin": timezone.localtime(fin).time()})
    journee = journee_agent(agent_id=agent.id, jour=jour, debut=debut, fin=fin, maintenant=maintenant)
    return dict(form=form, journee=journee, carte=donnees_carte(journee), rayon=settings.AKIG_RAYON_MISSION_M,
                courbes=serie_instants(courbe_du_jour(agent_id=agent.id, jour=jour)),
                navigation=_navigation(jour=jour, debut=debut, fin=fin, aujourd_hui=timezone.localdate(maintenant)))


@login_required
@lecture_replique
def detail(request, agent_id: int):
    agent = _agent_visible(request, agent_id)
    cible = request.htmx.target if request.htmx else None
    periode = int(request.GET["periode"]) if request.GET.get("periode") in {str(p) for p in PERIODES} else 30
    if cible == "historique":
        historique = historique_scores(agent_id=agent.id, jours=periode, aujourd_hui=timezone.localdate())
        return render(request, "agents/partials/_historique.html", {
            "agent": agent, "seuil": seuil_score(), "periode": periode, "periodes": PERIODES,
            "historique": historique, "historique_json": serie_historique(historique)})
    form = FenetreForm(request.GET)
    if cible == "trajet":  # a change of day or window redraws the trail only
        corps, statut = _dessin_en_cache(request, agent, partie="trajet", periode=periode,
                                         dessin=lambda: _contenu_du_trajet(request, agent, form=form))
        return HttpResponse(corps, status=statut)
    corps, statut = _dessin_en_cache(request, agent, partie="page", periode=periode,
                                     dessin=lambda: _contenu_de_la_page(request, agent, form=form, periode=periode))
    return render(request, "agents/detail.html", {"agent": agent, "corps": mark_safe(corps)}, status=statut)


@login_required
@lecture_replique
def trajet_csv(request, agent_id: int):
    """The positions of the page's day and window, as a CSV a French Excel opens in columns
    (same parameters as the page); the instant to the second, in local time."""
    agent = _agent_visible(request, agent_id)
    form = FenetreForm(request.GET)
    if form.is_bound and not form.is_valid():
        return render(request, "erreurs/parametre.html", {"message": form.message_erreurs()}, status=400)
    jour, debut, fin = _fenetre_de_la_page(form, agent_id=agent.id, maintenant=timezone.now())
    entetes = [gettext("Code agent"), gettext("Date et heure"), gettext("Latitude"), gettext("Longitude"),
               gettext("Précision (m)")]
    # Read here, not while streaming: a slow query is then the middleware's French 503, not a cut file.
    points = trajet(agent_id=agent.id, debut=debut, fin=fin)
    lignes = (
        [agent.code, f"{timezone.localtime(p.instant):%d/%m/%Y %H:%M:%S}", p.latitude, p.longitude, p.precision_m]
        for p in points
    )
    return csv_reponse(nom_fichier=f"trajet-{agent.code}-{jour:%Y-%m-%d}-{debut:%Hh%M}-{fin:%Hh%M}.csv",
                       entetes=entetes, lignes=lignes)


@login_required
@require_http_methods(["GET", "POST"])
def telephone(request, agent_id: int):
    """The phone's set-up page: a confirmed POST issues a new secret (revoking the old one)
    and shows it once, as the OwnTracks link and the Traccar Client settings, with QR codes."""
    agent = _agent_visible(request, agent_id)
    form = ConfigurationTelephoneForm(request.POST if request.method == "POST" else None)
    context = {"agent": agent, "form": form, "jeton_actif": jeton_actif(agent_id=agent.id),
               "dernier": dernier_releve(agent_id=agent.id)}
    if request.method == "GET":
        return render(request, "agents/telephone.html", context)
    if not agent.actif or not form.is_valid():
        return render(request, "agents/telephone.html", context, status=400)
    jeton = jeton_creer(agent_id=agent.id)
    context["configuration"] = configuration_telephone(
        agent_code=agent.code, jeton=jeton,
        url_owntracks=request.build_absolute_uri(reverse("terrain:owntracks")),
        url_osmand=request.build_absolute_uri(reverse("terrain:osmand")),
    )
    reponse = render(request, "agents/telephone.html", context)
    reponse["Cache-Control"] = "no-store"  # the secret is shown once: never from a cache
    return reponse
