"""Project-wide background jobs (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from akig_ops.sauvegarde import sauvegarde_quotidienne


@shared_task
def sauvegarde_task() -> str:
    """The runbook's daily dump; return the file written. A failure raises (the task fails)."""
    return str(sauvegarde_quotidienne())
