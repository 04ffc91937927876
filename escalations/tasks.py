"""Background jobs of the escalation workflow (scheduled in settings.CELERY_BEAT_SCHEDULE).

Each takes ids (or nothing) and calls a service; the outbox's state lives in the database,
so a lost task or a killed worker only delays a message (escalations/outbox.py).
"""
from celery import shared_task
from django.conf import settings

from escalations import outbox
from escalations.services import escalades_evaluer


@shared_task
def evaluate_escalations_task() -> dict:
    """Evaluate every rule (fire, raise, resolve); return the counts."""
    return escalades_evaluer()


@shared_task(bind=True, max_retries=settings.AKIG_OUTBOX_TENTATIVES)
def message_send_task(self, message_id: int) -> str:
    """Send one outbox message; on an SMTP failure, retry after the outbox's backoff.

    Eager (no Redis) the retry is left to the next `check_escalations` or outbox sweep:
    retrying in-process would only hammer a server that is down.
    """
    envoi = outbox.message_envoyer(message_id=message_id)
    if envoi.issue == "reessai" and not self.request.is_eager:
        raise self.retry(countdown=envoi.delai)
    return envoi.issue


@shared_task
def outbox_flush_task() -> dict:
    """Send every due message (lost tasks, due retries, expired claims); return the counts."""
    return outbox.outbox_vider()


@shared_task
def weekly_digest_task() -> int | None:
    """Queue the directors' weekly PDF digest (once per ISO week); return the outbox
    message id, or None if this week's is already queued."""
    from escalations.synthese import synthese_hebdo_envoyer

    message = synthese_hebdo_envoyer()
    return message.pk if message else None
