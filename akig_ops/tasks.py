"""Background jobs of the project (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from akig_ops.services import metriques_metier_enregistrer


@shared_task
def metriques_metier_task() -> int:
    """Compute and store the business gauges of /metrics; return how many were stored."""
    return len(metriques_metier_enregistrer().details["jauges"])
