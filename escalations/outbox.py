"""The outbox: every email is a row first, sent afterwards by a task that claims it.

Why not django-post-office: its sender claims queued mail with a lock file per host and
writes the statuses back after a whole batch, so two hosts may send the same message and a
worker killed mid-batch resends the batch; it also knows nothing of our escalations (a
message that keeps failing must show on its escalation) nor of a PDF built at send time.

Guarantees:
- nothing is lost: the row is written in the transaction of what caused it (an escalation
  firing, a reminder…); an SMTP outage only moves `prochain_essai` (backoff doubling from
  AKIG_OUTBOX_DELAI_S), up to AKIG_OUTBOX_TENTATIVES attempts, then `echec`, shown on the
  escalation's page and timeline;
- a PDF that cannot be built never holds an alert back: the email goes at once without it,
  its bodies saying so with the escalation's link, and the failure goes on the timeline (a
  later attempt, after an SMTP failure, tries the PDF again);
- never sent twice by two workers: a worker sends only after winning a compare-and-set
  `UPDATE … WHERE etat IN (en_attente, en_cours) AND prochain_essai <= now` that moves
  `prochain_essai` past a lease (AKIG_OUTBOX_BAIL_S);
- a worker killed while sending: its claim expires after the lease and another worker sends
  the message. The claim counts as an attempt, so a message that kills every worker taking it
  (a PDF too big for its memory) is failed after its attempts, not retried forever. The one unavoidable window: if the SMTP server had already accepted the
  message and the worker died before committing `envoye`, the message goes a second time.
  SMTP offers no way to ask a server whether it has a message, so this window is the price of
  losing nothing; it lasts from the server's "250 OK" to our COMMIT (milliseconds).
"""
import datetime
import logging
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from akig_ops.lib.taches import tache_apres_commit
from escalations.models import Escalade, Evenement, EtatMessage, Message, MessageEscalade, Rapport, TypeEvenement
from escalations.rapports import rapport_generer

logger = logging.getLogger(__name__)
A_ENVOYER = [EtatMessage.EN_ATTENTE, EtatMessage.EN_COURS]
SUJET_MAX = Message._meta.get_field("sujet").max_length


def rendre(*, gabarit: str, contexte: dict) -> tuple[str, str, str]:
    """Return (subject on one line, text body, HTML body) of templates/emails/<gabarit>-*."""
    sujet = " ".join(render_to_string(f"emails/{gabarit}-subject.txt", contexte).split())
    if len(sujet) > SUJET_MAX:  # Message.sujet's length: cut, said with an ellipsis, never refused
        sujet = sujet[:SUJET_MAX - 1] + "…"
    texte = render_to_string(f"emails/{gabarit}-body.txt", contexte)
    html = render_to_string(f"emails/{gabarit}-body.html", contexte)
    return sujet, texte, html


def url_absolue(chemin: str) -> str:
    """Return `chemin` as a full URL on settings.AKIG_BASE_URL."""
    return f"{settings.AKIG_BASE_URL}{chemin}"


def message_creer(
    *, gabarit: str, destinataires: list[str], contexte: dict, escalade: Escalade | None = None,
    escalades: list[Escalade] | None = None, rapport_type: str = "", rapport=None, cle: str = "",
) -> Message:
    """Render the templates into a new outbox row about `escalades` (default: `escalade`
    alone; `escalade` is the first of them) and have it sent once the current transaction
    commits; return the row. A `cle` already used raises IntegrityError."""
    sujet, texte, html = rendre(gabarit=gabarit, contexte=contexte)
    message = Message.objects.create(
        escalade=escalade, gabarit=gabarit, destinataires=destinataires, sujet=sujet,
        corps_texte=texte, corps_html=html, rapport_type=rapport_type, rapport=rapport, cle=cle,
    )
    couvertes = escalades if escalades is not None else [escalade] if escalade else []
    MessageEscalade.objects.bulk_create(MessageEscalade(message=message, escalade=e) for e in couvertes)
    # A broker that is down must not fail what caused the email; the sweep sends it.
    tache_apres_commit(message_send_task, message.pk)
    return message


@dataclass(frozen=True)
class Envoi:
    """What became of one attempt: 'envoye', 'reessai' (in `delai` seconds), 'echec', or
    'ignore' (not due, or another worker holds it)."""

    issue: str
    delai: int = 0


def _reserver(message_id: int, maintenant: datetime.datetime) -> bool:
    """Claim the message for this worker (compare-and-set) if it has an attempt left; True
    if we won it."""
    return bool(
        Message.objects.filter(
            pk=message_id, etat__in=A_ENVOYER, prochain_essai__lte=maintenant,
            tentatives__lt=settings.AKIG_OUTBOX_TENTATIVES,
        ).update(
            etat=EtatMessage.EN_COURS,
            reserve_le=maintenant,
            prochain_essai=maintenant + datetime.timedelta(seconds=settings.AKIG_OUTBOX_BAIL_S),
            tentatives=F("tentatives") + 1,
        )
    )


def _texte_erreur(erreur: Exception) -> str:
    return f"{type(erreur).__name__}: {erreur}"[:1000]


def _piece_jointe(message: Message) -> Rapport | None:
    """Return the message's PDF (Rapport), building and keeping it on the first attempt;
    None when it has none or when it cannot be built (the failure is logged and put on the
    escalation's timeline: the email goes without it)."""
    if message.rapport_id or not message.rapport_type:
        return message.rapport
    couvertes = list(message.escalades.order_by("pk"))
    try:
        rapport = rapport_generer(type_rapport=message.rapport_type, escalade=message.escalade,
                                  escalades=couvertes)
    except Exception as erreur:  # WeasyPrint, a font, the report's data: any bug of the PDF
        logger.exception("outbox: message %s envoyé sans son rapport PDF", message.pk)
        # Once per message on the timeline, however many sending attempts follow (SMTP retries).
        deja = Evenement.objects.filter(
            escalade_id=message.escalade_id, type=TypeEvenement.ECHEC_RAPPORT, valeur__message_id=message.pk
        )
        if message.escalade_id and not deja.exists():
            _sur_chronologies(
                message, type=TypeEvenement.ECHEC_RAPPORT, texte=_texte_erreur(erreur),
                valeur={"message_id": message.pk, "rapport_type": message.rapport_type},
            )
        return None
    Message.objects.filter(pk=message.pk).update(rapport=rapport)
    return rapport


def _corps(message: Message, rapport: Rapport | None) -> tuple[str, str]:
    """Return the (text, HTML) bodies to send: the stored ones, plus, for a message that
    should carry a PDF, a line saying it is attached, or that it could not be built and
    where to read everything instead (only known now, at send time)."""
    if not message.rapport_type:
        return message.corps_texte, message.corps_html
    if message.escalade_id:
        lien = reverse("escalations:detail", args=[message.escalade_id])
    else:
        lien = reverse("escalations:liste")
    contexte = {"rapport": rapport, "escalade": message.escalade, "url": url_absolue(lien)}
    texte = f"{message.corps_texte.rstrip()}\n{render_to_string('emails/_mention-pdf.txt', contexte).strip()}\n"
    mention_html = render_to_string("emails/_mention-pdf.html", contexte).strip()
    avant, fin, apres = message.corps_html.rpartition("</body>")
    html = f"{avant}{mention_html}\n{fin}{apres}" if fin else message.corps_html + mention_html
    return texte, html


def message_envoyer(*, message_id: int) -> Envoi:
    """Send one outbox message if it is due and we win its claim; return what happened."""
    maintenant = timezone.now()
    if not _reserver(message_id, maintenant):
        return _abandonner(message_id, maintenant)
    message = Message.objects.select_related("escalade").get(pk=message_id)
    rapport = _piece_jointe(message)
    texte, html = _corps(message, rapport)
    try:
        email = EmailMultiAlternatives(
            subject=message.sujet, body=texte, to=message.destinataires,
            headers={"X-AKIG-Message": str(message.pk)},
        )
        if html:
            email.attach_alternative(html, "text/html")
        if rapport is not None:
            email.attach(rapport.nom_fichier, bytes(rapport.contenu), "application/pdf")
        email.send()
    except Exception as erreur:  # SMTP down, refused, timeout
        logger.warning("outbox: message %s, tentative %s : %r", message.pk, message.tentatives, erreur)
        return _echec(message, erreur)
    # The unavoidable window (module docstring) is from send() returning to this commit.
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            etat=EtatMessage.ENVOYE, envoye_le=timezone.now(), derniere_erreur="",
            corps_texte=texte, corps_html=html,
        )
        _sur_chronologies(
            message, type=TypeEvenement.NOTIFICATION, texte=f"{message.sujet} → {', '.join(message.destinataires)}",
            valeur={"message_id": message.pk, "pdf": rapport.nom_fichier if rapport else None},
        )
    return Envoi("envoye")


def _sur_chronologies(message: Message, *, type: str, texte: str, valeur: dict) -> None:
    """Put one line on the timeline of every escalation the message speaks of."""
    escalade_ids = set(MessageEscalade.objects.filter(message=message).values_list("escalade_id", flat=True))
    if message.escalade_id:
        escalade_ids.add(message.escalade_id)
    Evenement.objects.bulk_create(
        Evenement(escalade_id=escalade_id, type=type, message=texte, valeur=valeur)
        for escalade_id in sorted(escalade_ids)
    )


def _echec(message: Message, erreur: Exception) -> Envoi:
    """Record a failed attempt: retry later with a doubled delay, or give up and say so on
    the escalation once the attempts are spent."""
    texte = _texte_erreur(erreur)
    if message.tentatives >= settings.AKIG_OUTBOX_TENTATIVES:
        with transaction.atomic():
            Message.objects.filter(pk=message.pk).update(etat=EtatMessage.ECHEC, derniere_erreur=texte)
            _echec_sur_escalade(message, texte)
        return Envoi("echec")
    delai = settings.AKIG_OUTBOX_DELAI_S * 2 ** (message.tentatives - 1)
    Message.objects.filter(pk=message.pk).update(
        etat=EtatMessage.EN_ATTENTE, derniere_erreur=texte,
        prochain_essai=timezone.now() + datetime.timedelta(seconds=delai),
    )
    return Envoi("reessai", delai)


def _echec_sur_escalade(message: Message, texte: str) -> None:
    _sur_chronologies(
        message, type=TypeEvenement.ECHEC_ENVOI, texte=f"{message.sujet} → {', '.join(message.destinataires)} : {texte}",
        valeur={"message_id": message.pk, "tentatives": message.tentatives},
    )


def _abandonner(message_id: int, maintenant: datetime.datetime) -> Envoi:
    """A message we could not claim: if it is due with no attempt left (every worker that
    claimed it died before reporting back, e.g. killed while building its PDF), mark it
    failed (compare-and-set) and say so on its escalation; else another worker holds it."""
    texte = "Tentatives épuisées : le dernier envoi n'a jamais abouti (worker arrêté pendant l'envoi)."
    with transaction.atomic():
        if not Message.objects.filter(
            pk=message_id, etat__in=A_ENVOYER, prochain_essai__lte=maintenant,
            tentatives__gte=settings.AKIG_OUTBOX_TENTATIVES,
        ).update(etat=EtatMessage.ECHEC, derniere_erreur=texte):
            return Envoi("ignore")
        _echec_sur_escalade(Message.objects.get(pk=message_id), texte)
    logger.warning("outbox: message %s abandonné, tentatives épuisées sans réponse d'un worker", message_id)
    return Envoi("echec")


def outbox_vider(*, limite: int = 200) -> dict[str, int]:
    """Try every due message (oldest due first, at most `limite`); return the count per outcome."""
    dus = list(
        Message.objects.filter(etat__in=A_ENVOYER, prochain_essai__lte=timezone.now())
        .order_by("prochain_essai")
        .values_list("pk", flat=True)[:limite]
    )
    bilan: dict[str, int] = {}
    for message_id in dus:
        issue = message_envoyer(message_id=message_id).issue
        bilan[issue] = bilan.get(issue, 0) + 1
    return bilan


# Its name is the one beat, the workers' routing and the logs have always known.
@shared_task(bind=True, max_retries=settings.AKIG_OUTBOX_TENTATIVES, name="escalations.tasks.message_send_task")
def message_send_task(self, message_id: int) -> str:
    """Send one outbox message; on an SMTP failure, retry after the outbox's backoff.

    Eager (no Redis) the retry is left to the next `check_escalations` or outbox sweep:
    retrying in-process would only hammer a server that is down.
    """
    envoi = message_envoyer(message_id=message_id)
    if envoi.issue == "reessai" and not self.request.is_eager:
        raise self.retry(countdown=envoi.delai)
    return envoi.issue
