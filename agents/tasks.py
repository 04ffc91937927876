"""Background jobs of the agents app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
import datetime

from celery import shared_task
from django.utils import timezone

from agents.partitions import positions_partitions_entretenir
from agents.services import performance_compute, scores_instantanes_enregistrer


@shared_task
def compute_performance_task() -> int:
    """Recompute yesterday's and today's performance_historique rows; return the rows written.

    Yesterday too: actions synced late by a phone that was offline, or recorded after
    the day's last run, still reach their day.
    """
    today = timezone.localdate()
    return performance_compute(du=today - datetime.timedelta(days=1), au=today)


@shared_task
def scores_instantanes_task() -> int:
    """Store the intraday score snapshot of every working agent; return the rows written."""
    return scores_instantanes_enregistrer()


@shared_task
def positions_partitions_task() -> int:
    """Create the coming months' position partitions, archive and drop those past the
    retention; return the partitions created."""
    return len(positions_partitions_entretenir().creees)
