"""What a database error says: the server cannot be reached, or a query failed."""
import psycopg
from django.db import InterfaceError, OperationalError

# PostgreSQL's SQLSTATEs of a server that is gone or going: class 08 (connection exception),
# admin_shutdown, crash_shutdown, cannot_connect_now (starting up or shutting down).
ETATS_SERVEUR_ABSENT = ("08", "57P01", "57P02", "57P03")
# A standby cancelled the query to replay the WAL it conflicted with (serialization_failure).
CONFLIT_DE_RECUPERATION = "40001"


def _cause_psycopg(exception: BaseException) -> psycopg.Error | None:
    cause = exception.__cause__
    return cause if isinstance(exception, OperationalError) and isinstance(cause, psycopg.Error) else None


def base_injoignable(exception: BaseException) -> bool:
    """True when `exception` says the database cannot be reached (refused, closed, shut
    down), not that a query failed: a deadlock, a constraint or a timeout stay errors."""
    if isinstance(exception, InterfaceError):  # a connection already closed
        return True
    cause = _cause_psycopg(exception)
    if cause is None:
        return False
    # A connection failure or a lost server carries no SQLSTATE; a server-side error has one.
    return cause.sqlstate is None or cause.sqlstate.startswith(ETATS_SERVEUR_ABSENT)


def conflit_de_recuperation(exception: BaseException) -> bool:
    """True when a standby cancelled the query for a conflict with the WAL it replays."""
    cause = _cause_psycopg(exception)
    return cause is not None and cause.sqlstate == CONFLIT_DE_RECUPERATION
