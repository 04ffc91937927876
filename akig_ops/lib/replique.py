"""Read-only analytics on a streaming replica (DATABASE_REPLICA_URL), writes on the primary.

Which reads may go to the replica is said by the view: `@lecture_replique` marks a read-only
page, CSV or PDF (GET/HEAD only). While it runs, and while its streamed body is produced,
`RouteurReplique` sends the ORM's reads to the alias `replica`, unless:

- the replica is not usable: down, not a standby (promoted, wrong URL), or behind the primary
  by more than AKIG_REPLICA_RETARD_MAX_S — measured at most every AKIG_REPLICA_VERIFICATION_MS
  per process (`etat_courant`), a failure being trusted for AKIG_REPLICA_PAUSE_APRES_ECHEC_MS;
- the request has written (a write goes to the primary: its reads follow it there), or runs
  inside a transaction of the primary;
- the browser wrote recently: a request that writes with POST/PUT/PATCH/DELETE gets a cookie
  that keeps its next requests on the primary until the replica has surely replayed the write
  (`borne_retard_s()`), so a form's redirect shows what was just saved;
- the model is the session's (logging in must not wait for the replica).

A read-only view whose replica fails under it (connection lost, a query cancelled by a
recovery conflict), or answers 404 (a row the replica has not replayed yet), runs again on the
primary, once, if it wrote nothing. Without DATABASE_REPLICA_URL none of this is installed.
"""
from __future__ import annotations

import contextlib
import contextvars
import math
import threading
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import Http404

from akig_ops.lib.erreurs_base import base_injoignable, conflit_de_recuperation

ALIAS = "replica"
COOKIE_PRIMAIRE = "akig_primaire"
EN_TETE = "X-Base-Lecture"
METHODES_SURES = ("GET", "HEAD")
# Models read on the primary whatever the view: the session (a fresh login is on the primary only).
APPS_PRIMAIRE = frozenset({"sessions"})

# States of the replica, as /api/health says them.
CONNECTE = "connected"
EN_RETARD = "lagging"
INDISPONIBLE = "unavailable"
PAS_EN_RECUPERATION = "not_in_recovery"
ABSENTE = "none"


def configuree() -> bool:
    """True when DATABASE_REPLICA_URL gave the alias `replica`."""
    return ALIAS in settings.DATABASES


def borne_retard_s() -> float:
    """The oldest data a read on the replica can return, in seconds: the lag allowed, plus
    the time a measure is trusted (the lag may grow meanwhile)."""
    return settings.AKIG_REPLICA_RETARD_MAX_S + settings.AKIG_REPLICA_VERIFICATION_MS / 1000


# --- The replica's state, measured at most every AKIG_REPLICA_VERIFICATION_MS per process.


@dataclass(frozen=True)
class Mesure:
    """What a probe of the replica found: its state and its lag (seconds; None: unknown)."""

    etat: str
    retard_s: float | None
    instant: float  # time.monotonic() of the probe

    @property
    def utilisable(self) -> bool:
        return self.etat == CONNECTE


def mesurer(*, primaire, replique, retard_max_s: float) -> Mesure:
    """Probe `replique` (a Django connection) against `primaire`: the replica is up to date
    when it has replayed the WAL the primary had written just before; otherwise its lag is the
    age of the last transaction it replayed (an upper bound: clocks in sync, NTP). Never raises."""
    maintenant = time.monotonic()
    lsn = None
    with contextlib.suppress(DatabaseError):
        with primaire.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()")
            (lsn,) = cursor.fetchone()
    try:
        with replique.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8",
                [lsn],
            )
            en_recuperation, a_jour, age = cursor.fetchone()
    except DatabaseError:
        with contextlib.suppress(DatabaseError):
            replique.close()  # reconnect at the next probe, not reuse a dead socket
        return Mesure(INDISPONIBLE, None, maintenant)
    etat, retard = juger(en_recuperation=en_recuperation, a_jour=a_jour, age_s=age, retard_max_s=retard_max_s)
    return Mesure(etat, retard, maintenant)


def juger(*, en_recuperation: bool, a_jour: bool, age_s: float | None, retard_max_s: float):
    """(state, lag in seconds) of a probe's answer. The lag is rounded UP to the millisecond
    (it is an upper bound, and the figure /api/health and /metrics print is the one judged:
    a replica 3.0004 s behind is « 3.001 s, lagging », never « 3.0 s, lagging » for a 3 s limit)."""
    if not en_recuperation:
        return PAS_EN_RECUPERATION, None
    if a_jour:
        retard = 0.0
    elif age_s is None:
        retard = None
    else:
        retard = math.ceil(round(max(age_s, 0.0) * 1000, 6)) / 1000
    etat = CONNECTE if retard is not None and retard <= retard_max_s else EN_RETARD
    return etat, retard


_derniere: Mesure | None = None
_verrou = threading.Lock()


def etat_courant() -> Mesure:
    """The replica's last measure, probed again when older than AKIG_REPLICA_VERIFICATION_MS
    (AKIG_REPLICA_PAUSE_APRES_ECHEC_MS after a failure). A thread finding another one probing
    keeps the previous measure (none yet: not usable)."""
    global _derniere
    derniere = _derniere
    if derniere is not None:
        valide_ms = (settings.AKIG_REPLICA_PAUSE_APRES_ECHEC_MS if derniere.etat == INDISPONIBLE
                     else settings.AKIG_REPLICA_VERIFICATION_MS)
        if (time.monotonic() - derniere.instant) * 1000 < valide_ms:
            return derniere
    if not _verrou.acquire(blocking=False):
        return derniere or Mesure(EN_RETARD, None, time.monotonic())
    try:
        _derniere = mesurer(primaire=connections[DEFAULT_DB_ALIAS], replique=connections[ALIAS],
                            retard_max_s=settings.AKIG_REPLICA_RETARD_MAX_S)
        return _derniere
    finally:
        _verrou.release()


def marquer_indisponible() -> None:
    """The replica failed under a query: trust that for AKIG_REPLICA_PAUSE_APRES_ECHEC_MS."""
    global _derniere
    _derniere = Mesure(INDISPONIBLE, None, time.monotonic())


def oublier_mesure() -> None:
    """Forget the last measure (tests; the next read probes again)."""
    global _derniere
    _derniere = None


def etat_pour_sante() -> dict:
    """/api/health's "replica": {etat, retard_secondes, retard_max_secondes}; etat "none"
    when no replica is configured."""
    if not configuree():
        return {"etat": ABSENTE, "retard_secondes": None, "retard_max_secondes": None}
    mesure = etat_courant()
    return {
        "etat": mesure.etat,
        "retard_secondes": None if mesure.retard_s is None else round(mesure.retard_s, 3),
        "retard_max_secondes": settings.AKIG_REPLICA_RETARD_MAX_S,
    }


# --- What the current request has done, and whether its reads may go to the replica.


@dataclass
class Etat:
    """One request's routing: has it written, must it stay on the primary (recent write of
    this browser), how many reads went to the replica."""

    ecrit: bool = False
    primaire_impose: bool = False
    lectures_replique: int = 0


_requete: contextvars.ContextVar[Etat | None] = contextvars.ContextVar("replique_requete", default=None)
# True while a view marked @lecture_replique runs (or streams its body).
_lecture: contextvars.ContextVar[bool] = contextvars.ContextVar("replique_lecture", default=False)


def lectures_sur_replique() -> int:
    """How many reads of the current request went to the replica so far (0 outside one)."""
    etat = _requete.get()
    return etat.lectures_replique if etat is not None else 0


def _vers_replique(etat: Etat) -> bool:
    """True when the current read may go to the replica: inside a @lecture_replique view, no
    write yet (in this request or, recently, by this browser), outside a transaction of the
    primary, the replica usable."""
    return (
        _lecture.get() and not etat.ecrit and not etat.primaire_impose
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
        and etat_courant().utilisable
    )


class RouteurReplique:
    """settings.DATABASE_ROUTERS when DATABASE_REPLICA_URL is set (see the module's docstring)."""

    def db_for_read(self, model, **hints):
        etat = _requete.get()
        if etat is None or model._meta.app_label in APPS_PRIMAIRE or not _vers_replique(etat):
            return DEFAULT_DB_ALIAS
        etat.lectures_replique += 1
        return ALIAS

    def db_for_write(self, model, **hints):
        etat = _requete.get()
        if etat is not None:
            etat.ecrit = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, **hints):
        return db != ALIAS  # a standby replays the primary's schema


@contextlib.contextmanager
def requete(*, primaire_impose: bool = False):
    """The routing state of one request (RepliqueMiddleware opens it); yields the Etat."""
    etat = Etat(primaire_impose=primaire_impose)
    jeton = _requete.set(etat)
    try:
        yield etat
    finally:
        _requete.reset(jeton)


@contextlib.contextmanager
def _lecture_active():
    jeton = _lecture.set(True)
    try:
        yield
    finally:
        _lecture.reset(jeton)


def _en_lecture(iterable, etat: Etat):
    """A streamed body produced with the view's routing (the WSGI server iterates it after
    the view and the middleware have returned)."""
    iterateur = iter(iterable)
    while True:
        jeton = _requete.set(etat)
        try:
            with _lecture_active():
                morceau = next(iterateur)
        except StopIteration:
            return
        finally:
            _requete.reset(jeton)
        yield morceau


def _replique_en_erreur() -> bool:
    """True when a query or a connection of this thread to the replica failed in this request
    (Django resets the flag when it checks the connections, at each request's start and end)."""
    return connections[ALIAS].errors_occurred


def _a_rejouer(erreur: Exception, etat: Etat, *, lectures_avant: int) -> bool:
    """True when the view's failure may be the replica's, and the view wrote nothing."""
    if etat.ecrit or etat.lectures_replique == lectures_avant:
        return False
    if isinstance(erreur, Http404):
        return True  # a row the replica has not replayed yet
    if not _replique_en_erreur():
        return False  # the primary's failure: running again would meet it again
    if base_injoignable(erreur):
        marquer_indisponible()
        return True
    return conflit_de_recuperation(erreur)


def lecture_replique(vue):
    """Mark a read-only view (a page, a CSV, a PDF): on GET/HEAD its reads may go to the
    replica (see the module's docstring); the response says where in X-Base-Lecture."""

    @wraps(vue)
    def enveloppe(request, *args, **kwargs):
        if not configuree() or request.method not in METHODES_SURES:
            return vue(request, *args, **kwargs)
        with contextlib.ExitStack() as pile:
            etat = _requete.get() or pile.enter_context(requete())
            avant = etat.lectures_replique
            try:
                with _lecture_active():
                    reponse = vue(request, *args, **kwargs)
            except (DatabaseError, Http404) as erreur:
                if not _a_rejouer(erreur, etat, lectures_avant=avant):
                    raise
                # Once more, every read on the primary.
                return _marquer(vue(request, *args, **kwargs), sur_replique=False)
            sur_replique = etat.lectures_replique > avant
            if reponse.streaming:
                # The body's reads come later: routed as the view's were, when they run.
                reponse.streaming_content = _en_lecture(reponse.streaming_content, etat)
                with _lecture_active():
                    sur_replique = sur_replique or _vers_replique(etat)
            return _marquer(reponse, sur_replique=sur_replique)

    enveloppe.lecture_replique = True
    return enveloppe


def _marquer(reponse, *, sur_replique: bool):
    reponse[EN_TETE] = "replique" if sur_replique else "primaire"
    return reponse
