"""The escalation pages: the list (filters), the detail with its checklist, and the
actions people take from it. Every view needs a login and a role; the escalation is always
fetched through escalades_visibles, so a team lead reaches only their teams' (404 otherwise)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from akig_ops import roles
from akig_ops.lib import csv_export
from akig_ops.lib.replique import lecture_replique
from akig_ops.models import TypeAudit
from akig_ops.services import audit_enregistrer
from escalations import selectors
from escalations.checklists import CAUSES_AGENT, action_enregistrer, missions_reassigner
from escalations.models import EtatEscalade, Rapport, Regle, TypeRegle
from escalations.liens import url_agent
from escalations.notifications import fenetre_declenchement
from escalations.services import Refus, escalade_prendre_en_charge, escalade_resoudre
from recovery.selectors import locataires_campagne, sites_sensibles


def _avec_role(user) -> None:
    if not roles.is_direction_ou_chef_equipe(user):
        raise PermissionDenied


def _escalade(request, escalade_id: int):
    """The access helper: the escalation if this user may see it, else 404."""
    _avec_role(request.user)
    escalade = selectors.escalade_detail(user=request.user, escalade_id=escalade_id)
    if escalade is None:
        raise Http404(_("Escalade introuvable."))
    return escalade


def _auditer(request, escalade, geste: str, **details) -> None:
    """The audit log's line of an action taken on an escalation."""
    audit_enregistrer(type=TypeAudit.ESCALADE, request=request, objet=f"escalade {escalade.pk} : {geste}",
                      details={"escalade": escalade.pk, "geste": geste, **details})


def _impayes_direction(request, escalade) -> None:
    """The impayés actions (reassign, campaign) are the directors'."""
    if escalade.regle.type == TypeRegle.SCORE_AGENT or not roles.is_direction(request.user):
        raise PermissionDenied


@login_required
@require_GET
def liste(request):
    _avec_role(request.user)
    etat, regle = request.GET.get("etat", "ouvertes"), request.GET.get("regle", "")
    context = {
        "escalades": selectors.escalades_liste(user=request.user, etat=etat, regle=regle),
        "comptes": selectors.compte_par_etat(user=request.user),
        "etats": [("ouvertes", _("Ouvertes")), *EtatEscalade.choices, ("tout", _("Toutes"))],
        "regles": Regle.objects.order_by("nom"),
        "etat": etat,
        "regle": regle,
    }
    gabarit = "escalations/partials/_table.html" if request.htmx else "escalations/liste.html"
    return render(request, gabarit, context)


def _contexte_detail(request, escalade) -> dict:
    agent = escalade.regle.type == TypeRegle.SCORE_AGENT
    # The legal escalation's amount (the overall rule's) is an impayés checklist's only.
    seuil_contentieux = None if agent else selectors.seuils_alertes()["seuil_contentieux"]
    context = {"escalade": escalade, "seuil_contentieux": seuil_contentieux,
               "checklist": selectors.checklist(escalade=escalade, seuil_contentieux=seuil_contentieux)}
    if agent:
        debut, fin = fenetre_declenchement(escalade)
        context.update(causes=CAUSES_AGENT, url_agent=url_agent(escalade.agent_id, debut=debut, fin=fin))
    elif roles.is_direction(request.user):
        site_ids = selectors.sites_de(escalade=escalade)
        context.update(
            # The weak agents, each with who may take over its missions (the reassignment form).
            faibles=selectors.reassignations(site_ids=site_ids),
            sensibles=sites_sensibles(site_ids=site_ids),
            contentieux=selectors.contentieux_des_sites(site_ids=site_ids, seuil=seuil_contentieux)[:50],
            nb_sites=len(site_ids),
        )
    return context


@login_required
@require_GET
def detail(request, escalade_id: int):
    escalade = _escalade(request, escalade_id)
    return render(request, "escalations/detail.html", _contexte_detail(request, escalade))


@login_required
@require_POST
def prendre_en_charge(request, escalade_id: int):
    escalade = _escalade(request, escalade_id)
    try:
        escalade_prendre_en_charge(escalade_id=escalade.pk, user=request.user)
        _auditer(request, escalade, "prise_en_charge")
        messages.success(request, _("Escalade prise en charge."))
    except Refus as refus:
        messages.error(request, refus.message)
    return redirect("escalations:detail", escalade.pk)


@login_required
@require_POST
def resoudre(request, escalade_id: int):
    escalade = _escalade(request, escalade_id)
    try:
        resolue = escalade_resoudre(
            escalade_id=escalade.pk, user=request.user, note=request.POST.get("note", ""),
            sourdine_jusqu_au=request.POST.get("sourdine_jusqu_au", ""),
            motif_sourdine=request.POST.get("motif_sourdine", ""),
        )
        if resolue.sourdine_jusqu_au:
            jusqu_au = timezone.localtime(resolue.sourdine_jusqu_au)
            _auditer(request, escalade, "resolution", sourdine_jusqu_au=jusqu_au.isoformat(),
                     motif_sourdine=resolue.motif_sourdine)
            messages.success(request, _("Escalade résolue ; aucune nouvelle escalade avant le %(jusqu_au)s.") % {
                "jusqu_au": jusqu_au.strftime("%d/%m/%Y %H:%M")})
        else:
            _auditer(request, escalade, "resolution")
            messages.success(request, _("Escalade résolue."))
    except ValidationError as erreur:
        return _refuser(request, escalade, erreur)
    except Refus as refus:
        messages.error(request, refus.message)
    return redirect("escalations:detail", escalade.pk)


def _refuser(request, escalade, erreur: ValidationError):
    """Bad input: the detail page again, status 400, the French reason by the field."""
    context = {**_contexte_detail(request, escalade), "erreurs": erreur.message_dict, "saisie": request.POST}
    return render(request, "escalations/detail.html", context, status=400)


@login_required
@require_POST
def action(request, escalade_id: int):
    escalade = _escalade(request, escalade_id)
    try:
        action_enregistrer(escalade=escalade, user=request.user, action=request.POST.get("action", ""),
                           commentaire=request.POST.get("commentaire", ""))
    except ValidationError as erreur:
        return _refuser(request, escalade, erreur)
    _auditer(request, escalade, "action", action=request.POST.get("action", ""))
    messages.success(request, _("Action enregistrée."))
    return redirect("escalations:detail", escalade.pk)


@login_required
@require_POST
def reassigner(request, escalade_id: int):
    escalade = _escalade(request, escalade_id)
    _impayes_direction(request, escalade)
    try:
        de_agent = int(request.POST.get("de_agent", ""))
    except ValueError:
        return _refuser(request, escalade, ValidationError({"de_agent": _("Agent cédant : choisissez un agent.")}))
    try:
        vers_agent = int(request.POST.get("vers_agent", ""))
    except ValueError:
        return _refuser(request, escalade, ValidationError({"vers_agent": _("Agent repreneur : choisissez un agent.")}))
    try:
        nb = missions_reassigner(escalade=escalade, user=request.user, site_ids=selectors.sites_de(escalade=escalade),
                                 de_agent_id=de_agent, vers_agent_id=vers_agent)
    except ValidationError as erreur:
        return _refuser(request, escalade, erreur)
    _auditer(request, escalade, "reassignation", de_agent=de_agent, vers_agent=vers_agent, missions=nb)
    messages.success(request, _("Missions réassignées : %(nb)s.") % {"nb": nb})
    return redirect("escalations:detail", escalade.pk)


@login_required
@require_GET
@lecture_replique
def campagne(request, escalade_id: int):
    """CSV of the tenants to call or text (names and phones), opened in a spreadsheet."""
    escalade = _escalade(request, escalade_id)
    _impayes_direction(request, escalade)
    lignes = locataires_campagne(site_ids=selectors.sites_de(escalade=escalade),
                                           retard_min=escalade.regle.retard_min)
    entetes = [_("Code site"), _("Code locataire"), _("Locataire"), _("Téléphone"), _("Impayés"), _("Reste dû (€)")]
    rangees = (
        [ligne["locataire__site__code"], ligne["locataire__code"], ligne["locataire__nom"],
         ligne["locataire__telephone"], ligne["nb"], ligne["montant"]]
        for ligne in lignes
    )
    return csv_export.csv_reponse(
        nom_fichier=f"campagne-escalade-{escalade.pk}-{timezone.localdate():%Y-%m-%d}.csv",
        entetes=entetes, lignes=rangees,
    )


@login_required
@require_GET
@lecture_replique
def rapport(request, escalade_id: int, rapport_id: int):
    escalade = _escalade(request, escalade_id)
    pdf = Rapport.objects.filter(pk=rapport_id, escalade=escalade).first()
    if pdf is None:
        raise Http404(_("Rapport introuvable."))
    reponse = HttpResponse(bytes(pdf.contenu), content_type="application/pdf")
    reponse["Content-Disposition"] = f'inline; filename="{pdf.nom_fichier}"'
    reponse["Cache-Control"] = "private, no-store"  # names and figures of agents or tenants
    return reponse
