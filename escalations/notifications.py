"""The emails of an escalation, written into the outbox from templates.

templates/emails/<gabarit>-subject.txt | -body.txt | -body.html; the figures and the links
(full URLs from settings.AKIG_BASE_URL) come from the escalation's observed value. What one
evaluation fires, raises or resolves goes out as one email per recipient and kind
(`notifications_evaluation`): the impayés (the overall alert first, one section per site
alert, one PDF), the agents under the score threshold (one section per agent, one PDF), the
resolutions (one line each).
"""
import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from agents.selectors import scores_du_moment
from akig_ops import roles
from escalations.liens import url_agent, url_impayes
from escalations.models import Escalade, Message, Niveau, TypeRapport, TypeRegle
from escalations.outbox import message_creer, url_absolue

MOTIF_DECLENCHEMENT, MOTIF_RELANCE, MOTIF_RESOLUTION = "declenchement", "relance", "resolution"


def fenetre_declenchement(escalade: Escalade) -> tuple[datetime.datetime, datetime.datetime]:
    """Return (debut, fin) of a low-score escalation's trigger: from the first low snapshot (or
    the rule's duration before) to the trigger."""
    valeur = escalade.valeur_declenchement
    debut = (
        datetime.datetime.fromisoformat(valeur["depuis"]) if "depuis" in valeur
        else escalade.declenchee_le - datetime.timedelta(minutes=escalade.regle.duree_min)
    )
    return debut, escalade.declenchee_le


def duree_texte(minutes: int) -> str:
    """120 -> '2 h', 90 -> '1 h 30', 45 -> '45 min'."""
    heures, reste = divmod(minutes, 60)
    if not heures:
        return f"{reste} min"
    return f"{heures} h {reste:02d}" if reste else f"{heures} h"


def destinataires(*, escalade: Escalade | None, niveau: int) -> list[str]:
    """Return the sorted e-mail addresses to tell at `niveau`: the agent's team lead; the
    Direction group; or the Direction and PDG groups (no escalation needed: the weekly digest's
    readers). A level with nobody falls to the next."""
    User = get_user_model()
    actifs = User.objects.filter(is_active=True).exclude(email="")
    if niveau == Niveau.CHEF_EQUIPE:
        adresses = actifs.filter(equipes_dirigees=escalade.equipe_id) if escalade.equipe_id else actifs.none()
    elif niveau == Niveau.DIRECTION:
        adresses = actifs.filter(groups__name=roles.DIRECTION)
    else:
        adresses = actifs.filter(Q(groups__name=roles.DIRECTION) | Q(groups__name=roles.PDG))
    emails = sorted(set(adresses.values_list("email", flat=True)))
    if not emails and niveau < Niveau.PDG:
        return destinataires(escalade=escalade, niveau=niveau + 1)
    return emails


def contexte_email(*, escalade: Escalade, motif: str, scores: dict | None = None) -> dict:
    """Return what the templates need: the observed figures, the names, the full URLs. A
    reminder gives the latest figures (derniere_valeur, kept by every evaluation) over the
    window from the condition's start to the reminder, not those of when it fired. An agent's
    score is its score of the moment (`scores`: scores_du_moment of the email's agents)."""
    valeur = contexte_valeur(escalade=escalade, motif=motif)
    fin = escalade.notifiee_le if motif == MOTIF_RELANCE else escalade.declenchee_le
    contexte = {
        "escalade": escalade,
        "regle": escalade.regle,
        "relance": motif == MOTIF_RELANCE,
        "niveau": escalade.get_niveau_display(),
        "url_escalade": url_absolue(reverse("escalations:detail", args=[escalade.pk])),
        "url_dashboard": url_absolue("/dashboard/"),
        "url_urgent": url_absolue(url_impayes(retard_min=escalade.regle.retard_min, site_id=escalade.site_id)),
    }
    if escalade.regle.type == TypeRegle.SCORE_AGENT:
        debut = (
            datetime.datetime.fromisoformat(valeur["depuis"]) if "depuis" in valeur
            else escalade.declenchee_le - datetime.timedelta(minutes=escalade.regle.duree_min)
        )
        contexte.update(
            agent=escalade.agent,
            score=score_du_moment(escalade=escalade, valeur=valeur, scores=scores),
            seuil=Decimal(valeur["seuil"]) if "seuil" in valeur else escalade.regle.seuil,
            duree=duree_texte(escalade.regle.duree_min),
            fenetre_debut=debut,
            fenetre_fin=fin,
            # The end's day only when it is not the start's (a reminder the next morning).
            format_fin="H:i" if timezone.localdate(fin) == timezone.localdate(debut) else "d/m/Y H:i",
            url_agent=url_absolue(url_agent(escalade.agent_id, debut=debut, fin=fin)),
        )
    else:
        sites = [escalade.site.code] if escalade.site_id else valeur.get("sites", [])
        autres = (valeur.get("nb_sites", len(sites)) - len(sites)) if not escalade.site_id else 0
        sites_texte = f"{escalade.site.code} – {escalade.site.nom}" if escalade.site_id else ", ".join(sites)
        if autres > 0:
            sites_texte += " " + ngettext("et %(n)s autre site", "et %(n)s autres sites", autres) % {"n": autres}
        contexte.update(
            nb_impayes=valeur.get("nb_impayes", 0),
            total_montant=Decimal(valeur.get("montant_total", "0")),
            retard_min=valeur.get("retard_min", escalade.regle.retard_min),
            sites=sites,
            sites_texte=sites_texte,
        )
    return contexte


def score_du_moment(*, escalade: Escalade, valeur: dict, scores: dict | None = None) -> Decimal:
    """The agent's score now, by the one score selector (agents.selectors.scores_du_moment, what
    `/agents/`, the agent page and the dashboard card judge; `scores`, its result if already
    read); the last snapshot the evaluation saw when the selector has none (not judged yet this
    morning, no mission today)."""
    if scores is None:
        scores = scores_du_moment(maintenant=timezone.now(), agent_ids=[escalade.agent_id])
    du_moment = scores.get(escalade.agent_id)
    if du_moment is not None and du_moment.score is not None:
        return du_moment.score
    return Decimal(valeur.get("score", "0"))


def notification_creer(*, escalade: Escalade, motif: str) -> Message | None:
    """Write the escalation's email for `motif` into the outbox (sent after commit): that of a
    group of one (notifications_evaluation); return it, or None when nobody can receive it."""
    messages = notifications_evaluation(envois=[(escalade, motif)])
    return messages[0] if messages else None


def _famille(envoi: tuple[Escalade, str]) -> str:
    """Which email an (escalation, motif) goes into: 'resolution', 'agent' or 'impayes'."""
    escalade, motif = envoi
    if motif == MOTIF_RESOLUTION:
        return MOTIF_RESOLUTION
    return "agent" if escalade.regle.type == TypeRegle.SCORE_AGENT else "impayes"


def _ordre(envoi: tuple[Escalade, str]) -> tuple:
    """Within an email: the overall impayés alert first, then the sites, biggest amount first;
    the agents by code; the resolutions in their order."""
    escalade, motif = envoi
    if motif == MOTIF_RESOLUTION:
        return (escalade.pk,)
    if escalade.regle.type == TypeRegle.SCORE_AGENT:
        return (escalade.agent.code, escalade.pk)
    valeur = contexte_valeur(escalade=escalade, motif=motif)
    return (escalade.site_id is not None, -Decimal(valeur.get("montant_total", "0")), escalade.pk)


def contexte_valeur(*, escalade: Escalade, motif: str) -> dict:
    """The figures an email about `escalade` tells: when it fired, or the latest for a reminder."""
    if motif == MOTIF_RELANCE:
        return {**escalade.valeur_declenchement, **(escalade.derniere_valeur or {})}
    return escalade.valeur_declenchement


# A subject names at most this many sites, agents or escalations, then « et N autres ».
SUJET_NOMS_MAX = 5


def liste_bornee(noms: list[str], maximum: int = SUJET_NOMS_MAX) -> str:
    """'A, B, C'; past `maximum` names: 'A, B, C, D, E et 25 autres' (a subject stays short)."""
    if len(noms) <= maximum:
        return ", ".join(noms)
    reste = len(noms) - maximum
    return ", ".join(noms[:maximum]) + " " + ngettext("et %(n)s autre", "et %(n)s autres", reste) % {"n": reste}


def contexte_groupe(*, envois: list[tuple[Escalade, str]]) -> dict:
    """What the templates need for one email about several escalations of one kind:
    `sections`, one per escalation (contexte_email; for a resolution, the escalation and its
    link), in _ordre; `relance` when every one is a reminder; for the impayés, `globale`, the
    overall alert's section or None, and `sites_sujet`, the site codes the subject names when
    there is no overall alert."""
    envois = sorted(envois, key=_ordre)
    if _famille(envois[0]) == MOTIF_RESOLUTION:
        sections = [{"escalade": e, "regle": e.regle,
                     "url_escalade": url_absolue(reverse("escalations:detail", args=[e.pk]))} for e, _m in envois]
    else:
        # The agents' scores of the moment in one read for the whole email.
        scores = scores_du_moment(maintenant=timezone.now(), agent_ids=[e.agent_id for e, _m in envois]) if (
            _famille(envois[0]) == "agent") else None
        sections = [contexte_email(escalade=e, motif=m, scores=scores) for e, m in envois]
    famille = _famille(envois[0])
    impayes = famille == "impayes"
    globale = sections[0] if impayes and envois[0][0].site_id is None else None
    return {
        "sections": sections,
        "globale": globale,
        "relance": all(m == MOTIF_RELANCE for _e, m in envois),
        "sites_sujet": liste_bornee([e.site.code for e, _m in envois]) if impayes and not globale else "",
        # What the subject names: the agents' codes, or what was resolved.
        "noms_sujet": liste_bornee([e.agent.code if famille == "agent" else e.libelle_sujet for e, _m in envois]),
        "url_dashboard": url_absolue("/dashboard/"),
    }


# Per kind of email: its template and the PDF it carries.
GABARITS = {
    "impayes": ("impayes-critiques", TypeRapport.IMPAYES),
    "agent": ("agent-score-bas", TypeRapport.AGENT),
    MOTIF_RESOLUTION: ("escalade-resolue", ""),
}


def notifications_evaluation(*, envois: list[tuple[Escalade, str]]) -> list[Message]:
    """Write the emails of one evaluation's firings, reminders and resolutions (`envois`:
    (escalation, motif)) into the outbox, grouped: per kind (impayés, agents, resolutions), one
    email per set of recipients told the same escalations, with one PDF covering them. Return
    the messages written."""
    messages, par_adresse = [], defaultdict(list)
    adresses_par_niveau: dict[tuple, list[str]] = {}
    # What the emails name (the site, the agent, the rule), read once for the whole evaluation.
    prefetch_related_objects([e for e, _m in envois], "regle", "site", "agent__equipe")
    for escalade, motif in envois:
        cle = (escalade.niveau, escalade.equipe_id)
        if cle not in adresses_par_niveau:
            adresses_par_niveau[cle] = destinataires(escalade=escalade, niveau=escalade.niveau)
        for adresse in adresses_par_niveau[cle]:
            par_adresse[(_famille((escalade, motif)), adresse)].append((escalade, motif))
    groupes = defaultdict(list)
    for (famille, adresse), lot in par_adresse.items():
        groupes[(famille, tuple(sorted((e.pk, m) for e, m in lot)))].append(adresse)
    for (famille, _cle), adresses in sorted(groupes.items()):
        lot = sorted(par_adresse[(famille, adresses[0])], key=_ordre)
        escalades = [e for e, _m in lot]
        gabarit, rapport_type = GABARITS[famille]
        messages.append(message_creer(
            gabarit=gabarit, destinataires=sorted(adresses), contexte=contexte_groupe(envois=lot),
            escalade=escalades[0], escalades=escalades, rapport_type=rapport_type,
        ))
    return messages
