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
from typing import NamedTuple

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
    notifications_evaluation,
)
from escalations.regles import EVALUATEURS, Constat, Observation, decider, en_service, resolution_due

OUVERTES = [EtatEscalade.DECLENCHEE, EtatEscalade.PRISE_EN_CHARGE]


def escalades_evaluer(*, maintenant: datetime.datetime | None = None) -> dict[str, int]:
    """Evaluate every active rule, raise the unacknowledged escalations that are due and
    resolve those whose condition stayed clear; what fires and climbs goes out as one email
    per recipient (notifications_evaluation). Record the heartbeat. Return the counts
    {declenchees, en_attente, en_sourdine, relancees, resolues, …}."""
    maintenant = maintenant or timezone.now()
    bilan: Counter = Counter()
    contexte: dict = {}
    # One transaction: the emails of what fires and climbs now are written, grouped, at the
    # end, and must not be lost if the evaluation dies before (a second evaluator's INSERT of
    # the same episode waits for this commit, then loses as before).
    with transaction.atomic():
        envois: list = []
        regles = list(Regle.objects.filter(active=True))
        for regle in regles:
            constat = EVALUATEURS[regle.type](regle=regle, maintenant=maintenant, contexte=contexte)
            _appliquer(regle=regle, constat=constat, maintenant=maintenant, bilan=bilan, envois=envois)
        _relancer(regles=regles, maintenant=maintenant, bilan=bilan, envois=envois)
        notifications_evaluation(envois=envois)
    bilan = dict(+bilan)  # the counts that are not 0
    battement_enregistrer(nom=EVALUATION_ESCALADES, details=bilan)
    return bilan


class _Ouverte(NamedTuple):
    """What an evaluation reads of an open escalation (not the whole row: 1 689 of them at xlarge)."""

    pk: int
    derniere_valeur: dict
    levee_depuis: datetime.datetime | None


def _appliquer(*, regle: Regle, constat: Constat, maintenant, bilan: Counter, envois: list) -> None:
    """Carry out `decider`'s decision for one rule. The steady state (conditions that still
    hold, pending starts, conditions seen clear) is written set-based, in a fixed number of
    queries whatever the number of subjects; only what changes an escalation's state (it
    fires, its condition comes back, it resolves) is written one escalation at a time."""
    ouvertes = {
        sujet: _Ouverte(pk, valeur, levee_depuis)
        for pk, sujet, valeur, levee_depuis in Escalade.objects.filter(regle=regle, etat__in=OUVERTES)
        .values_list("pk", "sujet", "derniere_valeur", "levee_depuis")
    }
    attentes = dict(AttenteRegle.objects.filter(regle=regle).values_list("sujet", "depuis"))
    sourdines = Escalade.objects.filter(regle=regle, sourdine_jusqu_au__gt=maintenant).values_list("sujet", flat=True)
    decision = decider(regle=regle, constat=constat, ouvertes=ouvertes, attentes=attentes, maintenant=maintenant,
                       sourdines=sourdines)
    _conditions_tiennent(ouvertes=ouvertes, tiennent=decision.tiennent, maintenant=maintenant)
    # A snoozed subject's run goes on counting toward the rule's duration: when the snooze
    # ends with the condition still true for that long, it fires at once.
    en_attente = {**decision.attendre, **(decision.en_sourdine if regle.duree_min else {})}
    _attentes_enregistrer(regle=regle, en_attente=en_attente, maintenant=maintenant)
    bilan["en_attente"] += len(decision.attendre)
    bilan["en_sourdine"] += len(decision.en_sourdine)
    for sujet, (observation, depuis) in decision.declencher.items():
        if escalade_declencher(regle=regle, sujet=sujet, observation=observation, depuis=depuis,
                               maintenant=maintenant, envois=envois):
            bilan["declenchees"] += 1
    # A pending start lasts only while every evaluation sees the condition (and ends when it fires).
    if set(attentes) - set(en_attente):
        AttenteRegle.objects.filter(regle=regle).exclude(sujet__in=list(en_attente)).delete()
    levees = [ouvertes[sujet] for sujet in decision.levees]
    _conditions_levees(ids=[o.pk for o in levees if o.levee_depuis is None], maintenant=maintenant)
    dues = [o.pk for o in levees
            if o.levee_depuis is not None and resolution_due(regle=regle, levee_depuis=o.levee_depuis,
                                                             maintenant=maintenant)]
    for escalade in _escalades(dues, regle=regle):
        if _condition_levee(escalade=escalade, maintenant=maintenant, envois=envois):
            bilan["resolues"] += 1


def _escalades(ids: list[int], *, regle: Regle) -> list[Escalade]:
    """The open escalations `ids` of `regle`, whole, in one query (none when there are none)."""
    if not ids:
        return []
    escalades = list(Escalade.objects.filter(pk__in=ids, etat__in=OUVERTES).order_by("pk"))
    for escalade in escalades:
        escalade.regle = regle
    return escalades


# Rows per UPDATE of the latest values (bulk_update's CASE grows with its rows).
LOT_VALEURS = 500


def _conditions_tiennent(*, ouvertes: dict[str, _Ouverte], tiennent: dict, maintenant) -> None:
    """The conditions that still hold: keep the latest values, in one UPDATE per LOT_VALEURS
    escalations whose value changed (none when nothing changed); an escalation whose condition
    had cleared is told it is back (_condition_tient)."""
    changees, revenues = [], {}
    for sujet, observation in tiennent.items():
        ouverte = ouvertes[sujet]
        if ouverte.levee_depuis is not None:
            revenues[ouverte.pk] = observation
        elif ouverte.derniere_valeur != observation.valeur:
            changees.append(Escalade(pk=ouverte.pk, derniere_valeur=observation.valeur))
    Escalade.objects.bulk_update(changees, ["derniere_valeur"], batch_size=LOT_VALEURS)
    if revenues:
        for escalade in Escalade.objects.filter(pk__in=list(revenues)).order_by("pk"):
            _condition_tient(escalade=escalade, observation=revenues[escalade.pk], maintenant=maintenant)


def _attentes_enregistrer(*, regle: Regle, en_attente: dict, maintenant) -> None:
    """Store each pending start {sujet: (observation, depuis)} of `regle`: one upsert on
    (regle, sujet), however many there are."""
    AttenteRegle.objects.bulk_create(
        [AttenteRegle(regle=regle, sujet=sujet, depuis=depuis, derniere_valeur=observation.valeur, vu_le=maintenant)
         for sujet, (observation, depuis) in en_attente.items()],
        update_conflicts=True, unique_fields=["regle", "sujet"], update_fields=["depuis", "derniere_valeur", "vu_le"],
        batch_size=LOT_VALEURS,
    )


def _conditions_levees(*, ids: list[int], maintenant) -> None:
    """The conditions of the escalations `ids` seen clear for the first time: note since when,
    with a timeline line, on those still open and still held when this evaluation locks them
    (another evaluator may have done it first): three queries whatever their number."""
    if not ids:
        return
    with transaction.atomic():
        a_lever = Escalade.objects.filter(pk__in=ids, levee_depuis__isnull=True, etat__in=OUVERTES)
        ids = list(a_lever.select_for_update().values_list("pk", flat=True))
        Escalade.objects.filter(pk__in=ids).update(levee_depuis=maintenant)
        Evenement.objects.bulk_create(
            [Evenement(escalade_id=pk, instant=maintenant, type=TypeEvenement.CONDITION_LEVEE) for pk in ids])


def escalade_declencher(
    *, regle: Regle, sujet: str, observation: Observation, depuis: datetime.datetime,
    maintenant: datetime.datetime, envois: list | None = None,
) -> Escalade | None:
    """Open the escalation of this episode, its first timeline line and its email, in one
    transaction; return it, or None if another evaluator opened it first. With `envois` (an
    evaluation's), the email is left to it: (escalation, motif) is appended."""
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
            _notifier(escalade=escalade, motif=MOTIF_DECLENCHEMENT, envois=envois)
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


def _notifier(*, escalade: Escalade, motif: str, envois: list | None) -> None:
    if envois is None:
        notification_creer(escalade=escalade, motif=motif)
    else:
        envois.append((escalade, motif))


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


def _condition_levee(*, escalade: Escalade, maintenant, envois: list | None = None) -> bool:
    """The condition is clear: note since when; resolve once it stayed clear for the rule's
    delay (its « Résolu » email left to the evaluation's `envois`). Return True if this call
    resolved the escalation."""
    if escalade.levee_depuis is None:
        _conditions_levees(ids=[escalade.pk], maintenant=maintenant)
        return False
    if not resolution_due(regle=escalade.regle, levee_depuis=escalade.levee_depuis, maintenant=maintenant):
        return False
    note = _("Résolue automatiquement : condition levée depuis le %(depuis)s.") % {
        "depuis": timezone.localtime(escalade.levee_depuis).strftime("%d/%m/%Y %H:%M")
    }
    # Only if still clear since then: another evaluator may have seen the condition back.
    return _resoudre(escalade=escalade, auteur=None, note=note, maintenant=maintenant,
                     comme_lue=Q(levee_depuis=escalade.levee_depuis), envois=envois)


def _resoudre(*, escalade: Escalade, auteur, note: str, maintenant, comme_lue: Q = Q(),
              sourdine: tuple[datetime.datetime, str] | None = None, envois: list | None = None) -> bool:
    """Resolve if still open and `comme_lue` still holds, with its snooze (until, why) if
    any, and its « Résolu » email (left to an evaluation's `envois`, see _notifier); True if
    this call did it."""
    jusqu_au, motif = sourdine or (None, "")
    with transaction.atomic():
        if not Escalade.objects.filter(comme_lue, pk=escalade.pk, etat__in=OUVERTES).update(
            etat=EtatEscalade.RESOLUE, resolue_le=maintenant, resolue_par=auteur, note_resolution=note,
            sourdine_jusqu_au=jusqu_au, motif_sourdine=motif,
        ):
            return False
        escalade.refresh_from_db()
        Evenement.objects.create(
            escalade=escalade, instant=maintenant, type=TypeEvenement.RESOLUTION, auteur=auteur,
            message=note, valeur=escalade.derniere_valeur,
        )
        if jusqu_au:
            Evenement.objects.create(
                escalade=escalade, instant=maintenant, type=TypeEvenement.SOURDINE, auteur=auteur,
                message=_("Aucune nouvelle escalade avant le %(jusqu_au)s : %(motif)s") % {
                    "jusqu_au": timezone.localtime(jusqu_au).strftime("%d/%m/%Y %H:%M"), "motif": motif},
                valeur={"jusqu_au": jusqu_au.isoformat(), "motif": motif},
            )
        _notifier(escalade=escalade, motif=MOTIF_RESOLUTION, envois=envois)
    return True


def _relancer(*, regles: list[Regle], maintenant, bilan: Counter, envois: list) -> None:
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
    # Only those notified at least their rule's delay ago (`regles`: the active ones) are read.
    dues = Q(pk__in=[])
    for regle in regles:
        dues |= Q(regle=regle, notifiee_le__lte=maintenant - datetime.timedelta(minutes=regle.delai_relance_min))
    for escalade in a_relancer.filter(dues).select_related("regle"):
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
            envois.append((escalade, MOTIF_RELANCE))
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


# The longest snooze a person may set: past it, the rule's threshold is what should change.
SOURDINE_MAX = datetime.timedelta(days=31)


def _sourdine_lire(*, texte: str, maintenant: datetime.datetime) -> datetime.datetime:
    """Return the aware instant typed in the form (`2026-11-30T14:00`, a datetime-local field,
    or `30/11/2026 14:00`), in the business time zone; raise ValidationError naming the field
    when it is not one, not after now, or beyond SOURDINE_MAX."""
    libelle = _("Jusqu'au")
    for format_ in ("%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"):
        try:
            instant = timezone.make_aware(datetime.datetime.strptime(texte, format_))
            break
        except ValueError:
            continue
    else:
        raise ValidationError({"sourdine_jusqu_au": _("%(champ)s : « %(texte)s » n'est pas une date et une heure "
                                                      "(jj/mm/aaaa hh:mm).") % {"champ": libelle, "texte": texte}})
    if instant <= maintenant:
        raise ValidationError({"sourdine_jusqu_au": _("%(champ)s : doit être après maintenant (%(maintenant)s).") % {
            "champ": libelle, "maintenant": timezone.localtime(maintenant).strftime("%d/%m/%Y %H:%M")}})
    if instant > maintenant + SOURDINE_MAX:
        raise ValidationError({"sourdine_jusqu_au": _(
            "%(champ)s : au plus %(jours)s jours après maintenant (le %(limite)s) ; au-delà, c'est le seuil de la "
            "règle qu'il faut revoir.") % {
            "champ": libelle, "jours": SOURDINE_MAX.days,
            "limite": timezone.localtime(maintenant + SOURDINE_MAX).strftime("%d/%m/%Y %H:%M")}})
    return instant


def escalade_resoudre(*, escalade_id: int, user, note: str, sourdine_jusqu_au: str = "",
                      motif_sourdine: str = "") -> Escalade:
    """Resolve the escalation as `user` with a note (required); return it. While its
    condition holds (the last evaluation saw it true), also a snooze: until when
    (`sourdine_jusqu_au`, typed) and why (`motif_sourdine`), both required; the evaluations
    open no escalation for this rule and subject before then (kept on the timeline). Raise
    ValidationError naming the field for bad input (nothing written), Refus if it is already
    resolved."""
    maintenant = timezone.now()
    note = (note or "").strip()
    sourdine_jusqu_au, motif_sourdine = (sourdine_jusqu_au or "").strip(), (motif_sourdine or "").strip()
    erreurs = {}
    if not note:
        erreurs["note"] = _("Note de résolution : obligatoire, dites ce qui a été fait.")
    else:
        texte_libre_verifier(champ="note", libelle=_("Note de résolution"), valeur=note)
    escalade = Escalade.objects.select_related("regle").get(pk=escalade_id)
    tient = escalade.ouverte and escalade.levee_depuis is None
    jusqu_au = None
    if sourdine_jusqu_au:
        try:
            jusqu_au = _sourdine_lire(texte=sourdine_jusqu_au, maintenant=maintenant)
        except ValidationError as erreur:
            erreurs.update(erreur.message_dict)
    elif tient:
        erreurs["sourdine_jusqu_au"] = _(
            "Jusqu'au : obligatoire, la condition tient encore ; dites jusqu'à quand aucune nouvelle escalade ne "
            "doit s'ouvrir pour elle.")
    if motif_sourdine:
        texte_libre_verifier(champ="motif_sourdine", libelle=_("Motif de la mise en sourdine"), valeur=motif_sourdine)
    elif tient or sourdine_jusqu_au:
        erreurs["motif_sourdine"] = _("Motif de la mise en sourdine : obligatoire, dites pourquoi la condition "
                                      "peut tenir jusque-là.")
    if erreurs:
        raise ValidationError(erreurs)
    # A person who saw the condition clear resolves only if it still is (an evaluation may
    # have seen it back since the page was read).
    comme_lue = Q() if jusqu_au else Q(levee_depuis__isnull=False)
    if not _resoudre(escalade=escalade, auteur=user, note=note, maintenant=maintenant, comme_lue=comme_lue,
                     sourdine=(jusqu_au, motif_sourdine) if jusqu_au else None):
        escalade.refresh_from_db()
        if escalade.ouverte:
            raise ValidationError({"sourdine_jusqu_au": _(
                "Jusqu'au : obligatoire, la condition est revenue depuis que la page a été ouverte ; dites jusqu'à "
                "quand aucune nouvelle escalade ne doit s'ouvrir pour elle.")})
        raise Refus(_("Cette escalade est déjà résolue."))
    return Escalade.objects.get(pk=escalade_id)
