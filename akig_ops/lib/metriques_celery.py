"""Celery task runs and failures for /metrics, counted across processes in the cache.

Workers are other processes than the web that serves /metrics, so the counters live in
the Redis cache (REDIS_URL; not the broker, which holds only Celery's queue). A flushed or
evicted counter restarts at 0, which Prometheus' rate() reads as a counter reset. A Redis that
cannot be read gives no counters at all (never zeros, which would be a reset too).
"""
from celery.signals import task_failure, task_success
from django.utils.module_loading import autodiscover_modules
from django_redis.exceptions import ConnectionInterrupted

from akig_ops.lib.compteurs import incrementer, lire_cache

SUCCES, ECHEC = "succes", "echec"


def _cle(tache: str, etat: str) -> str:
    return f"metriques:celery:{etat}:{tache}"


def _compter(tache: str, etat: str) -> None:
    incrementer(_cle(tache, etat))


@task_success.connect
def _tache_reussie(sender=None, **kwargs):
    _compter(sender.name, SUCCES)


@task_failure.connect
def _tache_echouee(sender=None, **kwargs):
    _compter(sender.name, ECHEC)


def compteurs_taches(*, app) -> dict[tuple[str, str], int] | None:
    """Return {(task name, "succes" | "echec"): runs} for every task of the Celery application
    `app` (0 if never run); None when the counters cannot be read (Redis down)."""
    # Every app's tasks.py, as a worker imports them at start (Celery's own loader would
    # also re-run Django's model checks on each scrape).
    autodiscover_modules("tasks")
    cles = {
        _cle(nom, etat): (nom, etat)
        for nom in sorted(app.tasks)
        if not nom.startswith("celery.")
        for etat in (SUCCES, ECHEC)
    }
    try:
        valeurs = lire_cache(list(cles))
    except ConnectionInterrupted:
        return None
    return {cle: int(valeurs.get(brute, 0)) for brute, cle in cles.items()}
