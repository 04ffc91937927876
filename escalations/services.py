"""Writes of the escalation workflow: evaluate the rules, fire, raise, acknowledge, resolve.

Safe with two evaluators at once (two beats, a beat and a cron `check_escalations`):
- firing: one INSERT per episode, guarded by the partial unique constraint
  `escalade_une_ouverte` (one open escalation per rule and subject); the loser's INSERT
  fails inside its savepoint and it writes nothing else (no second email);
- every later change (reminder, acknowledgement, resolution) is a compare-and-set UPDATE
  on the state it read: only the runner that changes the row writes the timeline and the email.
"""
import datetime
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from akig_ops.lib.contraintes import contrainte_violee
from akig_ops.services import EVALUATION_ESCALADES, battement_enregistrer
from escalations.checklists import texte_libre_verifier
from escalations.models import (
    AttenteRegle,
    Conge,
    Escalade,
    EtatEscalade,
    Evenement,
    Niveau,
    Regle,
    TypeEvenement,
    TypeRegle,
)
from escalations.notifications import (
    MOTIF_DECLENCHEMENT,
    MOTIF_RELANCE,
    MOTIF_RESOLUTION,
    notification_creer,
)
from escalations.regles import EVALUATEURS, Constat, Observation, decider, en_service, resolution_due

OUVERTES = [EtatEscalade.DECLENCHEE, EtatEscalade.PRISE_EN_CHARGE]


def escalades_evaluer(*, maintenant: datetime.datetime | None = None) -> dict[str, int]:
    """Evaluate every active rule, raise the unacknowledged escalations that are due and
    resolve those whose condition stayed clear; record the heartbeat. Return the counts
    {declenchees, en_attente, relancees, resolues, …}."""
    maintenant = maintenant or timezone.now()
    bilan: Counter = Counter()
    contexte: dict = {}
    for regle in Regle.objects.filter(active=True):
        constat = EVALUATEURS[regle.type](regle=regle, maintenant=maintenant, contexte=contexte)
        _appliquer(regle=regle, constat=constat, maintenant=maintenant, bilan=bilan)
    _relancer(maintenant=maintenant, bilan=bilan)
    bilan = dict(bilan)
    battement_enregistrer(nom=EVALUATION_ESCALADES, details=bilan)
    return bilan


def _appliquer(*, regle: Regle, constat: Constat, maintenant, bilan: Counter) -> None:
    ouvertes = {e.sujet: e for e in Escalade.objects.filter(regle=regle, etat__in=OUVERTES)}
    attentes = dict(AttenteRegle.objects.filter(regle=regle).values_list("sujet", "depuis"))
    decision = decider(regle=regle, constat=constat, ouvertes=ouvertes, attentes=attentes, maintenant=maintenant)
    for sujet, observation in decision.tiennent.items():
        _condition_tient(escalade=ouvertes[sujet], observation=observation, maintenant=maintenant)
    for sujet, (observation, depuis) in decision.attendre.items():
        AttenteRegle.objects.update_or_create(
            regle=regle, sujet=sujet,
            defaults={"depuis": depuis, "derniere_valeur": observation.valeur, "vu_le": maintenant},
        )
        bilan["en_attente"] += 1
    for sujet, (observation, depuis) in decision.declencher.items():
        if escalade_declencher(regle=regle, sujet=sujet, observation=observation, depuis=depuis,
                               maintenant=maintenant):
            bilan["declenchees"] += 1
    # A pending start lasts only while every evaluation sees the condition (and ends when it fires).
    AttenteRegle.objects.filter(regle=regle).exclude(sujet__in=list(decision.attendre)).delete()
    for sujet in decision.levees:
        if _condition_levee(escalade=ouvertes[sujet], maintenant=maintenant):
            bilan["resolues"] += 1


def escalade_declencher(
    *, regle: Regle, sujet: str, observation: Observation, depuis: datetime.datetime,
    maintenant: datetime.datetime,
) -> Escalade | None:
    """Open the escalation of this episode, its first timeline line and its email, in one
    transaction; return it, or None if another evaluator opened it first."""
    valeur = {**observation.valeur, "depuis": depuis.isoformat()}
    try:
        with transaction.atomic():
            escalade = Escalade.objects.create(
                regle=regle, sujet=sujet, site_id=observation.site_id, agent_id=observation.agent_id,
                equipe_id=observation.equipe_id, niveau=regle.niveau_initial,
                valeur_declenchement=valeur, derniere_valeur=valeur,
                declenchee_le=maintenant, notifiee_le=maintenant,
            )
            Evenement.objects.create(
                escalade=escalade, instant=maintenant, type=TypeEvenement.DECLENCHEMENT,
                message=_("Condition vraie depuis le %(depuis)s ; niveau prévenu : %(niveau)s.") % {
                    "depuis": timezone.localtime(depuis).strftime("%d/%m/%Y %H:%M"),
                    "niveau": escalade.get_niveau_display(),
                },
                valeur=valeur,
            )
            notification_creer(escalade=escalade, motif=MOTIF_DECLENCHEMENT)
    except IntegrityError as erreur:
        # escalade_une_ouverte: the other evaluator won this episode. Any other integrity
        # error is a real one, not to be taken for that.
        if contrainte_violee(
            erreur, "escalade_une_ouverte",
            Escalade.objects.filter(regle=regle, sujet=sujet).exclude(etat=EtatEscalade.RESOLUE),
        ):
            return None
        raise
    return escalade



def _condition_tient(*, escalade: Escalade, observation: Observation, maintenant) -> None:
    """The condition still holds: keep the latest value; if it had cleared, say it is back."""
    if escalade.levee_depuis is None:
        Escalade.objects.filter(pk=escalade.pk).update(derniere_valeur=observation.valeur)
        return
    with transaction.atomic():
        if Escalade.objects.filter(pk=escalade.pk, levee_depuis=escalade.levee_depuis).update(
            levee_depuis=None, derniere_valeur=observation.valeur
        ):
            Evenement.objects.create(
                escalade=escalade, instant=maintenant, type=TypeEvenement.CONDITION_REVENUE,
                valeur=observation.valeur,
            )


def _condition_levee(*, escalade: Escalade, maintenant) -> bool:
    """The condition is clear: note since when; resolve once it stayed clear for the rule's
    delay. Return True if this call resolved the escalation."""
    if escalade.levee_depuis is None:
        with transaction.atomic():
            if Escalade.objects.filter(pk=escalade.pk, levee_depuis__isnull=True, etat__in=OUVERTES).update(
                levee_depuis=maintenant
            ):
                Evenement.objects.create(escalade=escalade, instant=maintenant, type=TypeEvenement.CONDITION_LEVEE)
        return False
    if not resolution_due(regle=escalade.regle, levee_depuis=escalade.levee_depuis, maintenant=maintenant):
        return False
    note = _("Résolue automatiquement : condition levée depuis le %(depuis)s.") % {
        "depuis": timezone.localtime(escalade.levee_depuis).strftime("%d/%m/%Y %H:%M")
    }
    # Only if still clear since then: another evaluator may have seen the condition back.
    return _resoudre(escalade=escalade, auteur=None, note=note, maintenant=maintenant,
                     comme_lue=Q(levee_depuis=escalade.levee_depuis))


def _resoudre(*, escalade: Escalade, auteur, note: str, maintenant, comme_lue: Q = Q()) -> bool:
    """Resolve if still open and `comme_lue` still holds; True if this call did it."""
    with transaction.atomic():
        if not Escalade.objects.filter(comme_lue, pk=escalade.pk, etat__in=OUVERTES).update(
            etat=EtatEscalade.RESOLUE, resolue_le=maintenant, resolue_par=auteur, note_resolution=note
        ):
            return False
        escalade.refresh_from_db()
        Evenement.objects.create(
            escalade=escalade, instant=maintenant, type=TypeEvenement.RESOLUTION, auteur=auteur,
            message=note, valeur=escalade.derniere_valeur,
        )
        notification_creer(escalade=escalade, motif=MOTIF_RESOLUTION)
    return True


def _relancer(*, maintenant, bilan: Counter) -> None:
    """Unacknowledged past the rule's delay: one level up (team lead → Direction → PDG),
    notified again. At the top, the PDG is reminded only in working hours and once a working
    day at most (the first evaluation of the morning), not every delay day and night. An
    agent's escalation is not raised outside the agents' working hours
    (nobody is in the field to act on it; the clock goes on the next morning), nor while the
    agent is on leave (the rule does not watch them then), nor one whose condition is clear
    (it resolves on its own; if the condition comes back, it is raised), nor one whose rule a
    director has deactivated."""
    de_service = en_service(maintenant) is not None
    jour = timezone.localdate(maintenant)
    en_conge = set(Conge.objects.filter(debut__lte=jour, fin__gte=jour).values_list("agent_id", flat=True))
    a_relancer = Escalade.objects.filter(etat=EtatEscalade.DECLENCHEE, levee_depuis__isnull=True)
    for escalade in a_relancer.filter(regle__active=True).select_related("regle"):
        if maintenant - escalade.notifiee_le < datetime.timedelta(minutes=escalade.regle.delai_relance_min):
            continue
        if escalade.regle.type == TypeRegle.SCORE_AGENT and (not de_service or escalade.agent_id in en_conge):
            continue
        if escalade.niveau == Niveau.PDG and (not de_service or timezone.localdate(escalade.notifiee_le) == jour):
            continue
        niveau = min(escalade.niveau + 1, Niveau.PDG)
        with transaction.atomic():
            if not a_relancer.filter(pk=escalade.pk, notifiee_le=escalade.notifiee_le).update(
                niveau=niveau, notifiee_le=maintenant
            ):
                continue
            escalade.niveau, escalade.notifiee_le = niveau, maintenant
            Evenement.objects.create(
                escalade=escalade, instant=maintenant, type=TypeEvenement.RELANCE,
                message=_("Sans prise en charge : relance au niveau %(niveau)s.") % {
                    "niveau": escalade.get_niveau_display()
                },
                valeur={**escalade.derniere_valeur, "niveau": niveau},
            )
            notification_creer(escalade=escalade, motif=MOTIF_RELANCE)
        bilan["relancees"] += 1


@dataclass(frozen=True)
class Refus(Exception):
    """A person's action that cannot be done now; `message` says why, in French."""

    message: str


def escalade_prendre_en_charge(*, escalade_id: int, user) -> Escalade:
    """Acknowledge the escalation as `user` (who, when, in the timeline); return it.
    Raise Refus if it is no longer waiting for someone."""
    maintenant = timezone.now()
    with transaction.atomic():
        if not Escalade.objects.filter(pk=escalade_id, etat=EtatEscalade.DECLENCHEE).update(
            etat=EtatEscalade.PRISE_EN_CHARGE, prise_en_charge_le=maintenant, prise_en_charge_par=user
        ):
            escalade = Escalade.objects.select_related("prise_en_charge_par").get(pk=escalade_id)
            raise Refus(_("Cette escalade est déjà %(etat)s.") % {"etat": escalade.get_etat_display().lower()})
        Evenement.objects.create(
            escalade_id=escalade_id, instant=maintenant, type=TypeEvenement.PRISE_EN_CHARGE, auteur=user
        )
    return Escalade.objects.get(pk=escalade_id)


def escalade_resoudre(*, escalade_id: int, user, note: str) -> Escalade:
    """Resolve the escalation as `user` with a note (required); return it. Raise
    ValidationError for a blank note, Refus if it is already resolved."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Note de résolution : obligatoire, dites ce qui a été fait.")})
    texte_libre_verifier(champ="note", libelle=_("Note de résolution"), valeur=note)
    escalade = Escalade.objects.select_related("regle").get(pk=escalade_id)
    if not _resoudre(escalade=escalade, auteur=user, note=note, maintenant=timezone.now()):
        raise Refus(_("Cette escalade est déjà résolue."))
    return Escalade.objects.get(pk=escalade_id)
