"""Logging helpers: the current request's id on every log line, and throttled failure logs.

The request id is set by akig_ops.middleware.JournalRequetesMiddleware for the duration
of one request; any log line written meanwhile (a view's, a library's) carries it, so one
grep on the id printed on an error page finds everything that request did.
"""
from __future__ import annotations

import contextvars
import logging
import threading
import time

id_requete_courante: contextvars.ContextVar[str] = contextvars.ContextVar("id_requete", default="")


class FiltreIdRequete(logging.Filter):
    """Adds `id_requete` (the current request's id, or "") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "id_requete", ""):
            # django.request logs a 4xx/5xx after the middleware has finished: its record
            # carries the request itself.
            record.id_requete = id_requete_courante.get() or getattr(getattr(record, "request", None), "id_requete", "")
        return True


class UneFoisParIntervalle(logging.Filter):
    """Lets one record per message through per `intervalle` seconds and drops the rest.

    A dead Redis fails on every request; the log says so once a minute, with the number of
    failures it kept quiet about, instead of once per request.
    """

    def __init__(self, intervalle: float = 60):
        super().__init__()
        self.intervalle = intervalle
        self._verrou = threading.Lock()
        self._derniers: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        cle = (record.name, str(record.msg))
        maintenant = time.monotonic()
        with self._verrou:
            dernier, tues = self._derniers.get(cle, (float("-inf"), 0))
            if maintenant - dernier < self.intervalle:
                self._derniers[cle] = (dernier, tues + 1)
                return False
            self._derniers[cle] = (maintenant, 0)
        record.echecs_non_journalises = tues
        return True
