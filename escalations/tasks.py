"""Background jobs of the escalation workflow (scheduled in settings.CELERY_BEAT_SCHEDULE).

Each takes ids (or nothing) and calls a service; the outbox's state lives in the database,
so a lost task or a killed worker only delays a message (escalations/outbox.py).
"""
from celery import shared_task

from escalations import outbox
# The outbox's own task, defined beside what it sends so that the outbox publishes it without
# importing this module back; named here for the worker and the tests.
from escalations.outbox import message_send_task  # noqa: F401
from escalations.services import escalades_evaluer
from escalations.synthese import synthese_hebdo_envoyer


@shared_task
def evaluate_escalations_task() -> dict:
    """Evaluate every rule (fire, raise, resolve); return the counts."""
    return escalades_evaluer()


@shared_task
def outbox_flush_task() -> dict:
    """Send every due message (lost tasks, due retries, expired claims); return the counts."""
    return outbox.outbox_vider()


@shared_task
def weekly_digest_task() -> int | None:
    """Queue the directors' weekly PDF digest (once per ISO week); return the outbox
    message id, or None if this week's is already queued."""
    message = synthese_hebdo_envoyer()
    return message.pk if message else None
