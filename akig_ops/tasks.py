"""Project-wide background jobs (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from akig_ops.sauvegarde import sauvegarde_quotidienne
from akig_ops.services import metriques_metier_enregistrer


@shared_task
def metriques_metier_task() -> int:
    """Compute and store the business gauges of /metrics; return how many were stored."""
    return len(metriques_metier_enregistrer().details["jauges"])


@shared_task
def sauvegarde_task() -> str:
    """The runbook's daily dump; return the file written ("" when another run was dumping).
    A failure raises (the task fails)."""
    chemin = sauvegarde_quotidienne()
    return str(chemin) if chemin else ""
