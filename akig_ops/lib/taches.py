"""Enqueue a Celery task from a page or a service: after the commit, never failing the caller.

    from akig_ops.lib.taches import tache_apres_commit
    tache_apres_commit(message_send_task, message.pk)

The task is published once the current transaction commits (at once outside one), so the
worker sees the rows it is given. When the broker is down, publishing fails within the
short timeouts of settings (CELERY_BROKER_CONNECTION_TIMEOUT, one quick retry): the run is
lost, logged at most once per AKIG_LOG_INTERVALLE_PANNE_S, and the page answers normally.
Use it for work that a later run catches up (beat's periodic jobs recompute from the data).

Without a broker (Celery eager), a task enqueued while serving a web request runs in a
background thread, never in the request: an SMTP server that hangs would hold the page
for EMAIL_TIMEOUT per message, past gunicorn's timeout. The thread's work is bounded by the
task's own timeouts (EMAIL_TIMEOUT for the outbox); if the process dies first, the periodic
sweep (`check_escalations` from cron) catches the work up. Commands and workers, outside a
request, still run it in line.
"""
import logging
import threading
from functools import partial

from celery import Task
from django.db import connections, transaction
from kombu.exceptions import OperationalError

from akig_ops.lib.journal import id_requete_courante

logger = logging.getLogger("akig_ops.broker")
# The background threads of eager tasks still running (tests wait for them: attendre_fond).
_fils_en_cours: set[threading.Thread] = set()
_verrou = threading.Lock()


def tache_apres_commit(tache: Task, *args, **kwargs) -> None:
    """Publish `tache(*args, **kwargs)` after the current transaction commits; return nothing
    (nobody waits for the result, which is not stored)."""
    transaction.on_commit(partial(_publier, tache, args, kwargs))


def _executer_en_fond(tache: Task, args: tuple, kwargs: dict) -> None:
    try:
        tache.apply(args=args, kwargs=kwargs)
    except Exception:
        logger.exception("tache en arriere-plan en echec", extra={"tache": tache.name})
    finally:
        connections.close_all()  # this thread's own connections
        with _verrou:
            _fils_en_cours.discard(threading.current_thread())


def attendre_fond(delai_s: float) -> bool:
    """Wait up to `delai_s` for the background threads of eager tasks; True if all ended."""
    with _verrou:
        fils = list(_fils_en_cours)
    for fil in fils:
        fil.join(delai_s)
    return not any(fil.is_alive() for fil in fils)


def _publier(tache: Task, args: tuple, kwargs: dict) -> None:
    if tache.app.conf.task_always_eager and id_requete_courante.get():
        fil = threading.Thread(target=_executer_en_fond, args=(tache, args, kwargs), daemon=True,
                               name=f"tache-{tache.name}")
        with _verrou:
            _fils_en_cours.add(fil)
        fil.start()
        return
    try:
        # No result: the result backend (Redis too) is not even touched.
        tache.apply_async(args=args, kwargs=kwargs, ignore_result=True)
    except (OperationalError, OSError):
        logger.warning("broker injoignable : tache non publiee", extra={"tache": tache.name}, exc_info=True)
