"""Probes of the services the web depends on, each bounded by a short timeout.

Each returns a state word of /api/health ("connected", "unavailable", or how the
service runs without a server: "local", "eager") and never raises.
"""
from django.conf import settings
from django_redis import get_redis_connection
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError
from django.core.cache import caches
from django.db import DatabaseError, connection

CONNECTE = "connected"
INDISPONIBLE = "unavailable"


def etat_base() -> str:
    """The database answers `SELECT 1` (a dead server fails within libpq's connect_timeout)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return INDISPONIBLE
    return CONNECTE


def etat_cache() -> str:
    """Redis answers PING; "local" for the in-process cache of the embedded configuration."""
    if not type(caches["default"]).__module__.startswith("django_redis"):
        return "local"
    try:
        # The raw client raises where the cache itself ignores errors; same socket timeouts.
        get_redis_connection("default").ping()
    except (RedisError, OSError):
        return INDISPONIBLE
    return CONNECTE


def etat_broker(*, app) -> str:
    """The broker of the Celery application `app` accepts a connection; "eager" when tasks
    run in-process (no broker)."""
    if app.conf.task_always_eager:
        return "eager"
    try:
        # A broker that connects and never answers: socket_timeout of the transport options.
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=settings.REDIS_TIMEOUT_S * 2)
    except (OperationalError, OSError):  # kombu re-raises the transport's errors as its own
        return INDISPONIBLE
    return CONNECTE
