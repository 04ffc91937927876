"""Background job of the follow-up ladder (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from relances.services import relances_avancer


@shared_task
def relances_avancer_task() -> dict:
    """Move every tenant to the step reached today and create its work; safe to run twice."""
    return relances_avancer()
