"""The emails of an escalation, written into the outbox from templates.

templates/emails/<gabarit>-subject.txt | -body.txt | -body.html; the figures and the links
(full URLs from settings.AKIG_BASE_URL) come from the escalation's observed value.
"""
import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

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


def _gabarit(escalade: Escalade, motif: str) -> str:
    if motif == MOTIF_RESOLUTION:
        return "escalade-resolue"
    if escalade.regle.type == TypeRegle.SCORE_AGENT:
        return "agent-score-bas"
    return "impayes-critiques"


def contexte_email(*, escalade: Escalade, motif: str) -> dict:
    """Return what the templates need: the observed figures, the names, the full URLs. A
    reminder gives the latest figures (derniere_valeur, kept by every evaluation) over the
    window from the condition's start to the reminder, not those of when it fired."""
    valeur = escalade.valeur_declenchement
    fin = escalade.declenchee_le
    if motif == MOTIF_RELANCE:
        valeur = {**valeur, **(escalade.derniere_valeur or {})}
        fin = escalade.notifiee_le
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
            score=Decimal(valeur.get("score", "0")),
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


def notification_creer(*, escalade: Escalade, motif: str) -> Message | None:
    """Write the escalation's email for `motif` into the outbox (sent after commit); return
    it, or None when nobody can receive it. The first and reminder emails carry the PDF."""
    adresses = destinataires(escalade=escalade, niveau=escalade.niveau)
    if not adresses:
        return None
    gabarit = _gabarit(escalade, motif)
    rapport_type = ""
    if motif != MOTIF_RESOLUTION:
        rapport_type = TypeRapport.AGENT if escalade.regle.type == TypeRegle.SCORE_AGENT else TypeRapport.IMPAYES
    return message_creer(
        gabarit=gabarit,
        destinataires=adresses,
        contexte=contexte_email(escalade=escalade, motif=motif),
        escalade=escalade,
        rapport_type=rapport_type,
    )

