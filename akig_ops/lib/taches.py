"""Enqueue a Celery task from a page or a service: after the commit, never failing the caller.

    from akig_ops.lib.taches import tache_apres_commit
    tache_apres_commit(message_send_task, message.pk)

The task is published once the current transaction commits (at once outside one), so the
worker sees the rows it is given. When the broker is down, publishing fails within the
short timeouts of settings (CELERY_BROKER_CONNECTION_TIMEOUT, one quick retry): the run is
lost, logged at most once per AKIG_LOG_INTERVALLE_PANNE_S, and the page answers normally.
Use it for work that a later run catches up (beat's periodic jobs recompute from the data).
"""
import logging
from functools import partial

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger("akig_ops.broker")


def tache_apres_commit(tache: Task, *args, **kwargs) -> None:
    """Publish `tache(*args, **kwargs)` after the current transaction commits; return nothing
    (nobody waits for the result, which is not stored)."""
    transaction.on_commit(partial(_publier, tache, args, kwargs))


def _publier(tache: Task, args: tuple, kwargs: dict) -> None:
    try:
        # No result: the result backend (Redis too) is not even touched.
        tache.apply_async(args=args, kwargs=kwargs, ignore_result=True)
    except (OperationalError, OSError):
        logger.warning("broker injoignable : tache non publiee", extra={"tache": tache.name}, exc_info=True)
