"""Background jobs of the recovery app (scheduled in settings.CELERY_BEAT_SCHEDULE)."""
from celery import shared_task
from django.utils import timezone

from recovery.services import instantanes_sites_mettre_a_jour, roulements_mettre_a_jour


@shared_task
def instantanes_sites_task() -> int:
    """Write today's per-site snapshot (run just after midnight, TIME_ZONE); return its rows.

    Idempotent: a second run the same day replaces the day's rows.
    """
    jour = timezone.localdate()
    return instantanes_sites_mettre_a_jour(du=jour, au=jour)


@shared_task
def roulements_task() -> int:
    """Store the roll and cure figures of the 12 month-ends /dashboard/roulement offers
    (nightly, and after each import of impayes.csv); return the lines written. Idempotent."""
    return roulements_mettre_a_jour()
