"""PostgreSQL advisory locks: one runner at a time, whatever the number of hosts (no lock file)."""
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def verrou_pg(nom: str, *, attendre: bool, base: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Hold PostgreSQL's session advisory lock `nom` while the block runs; yield whether it is held.

    `attendre`: wait for a holder to let go; otherwise yield False at once when another session
    holds it. Another database than PostgreSQL (SQLite: one host) yields True. The lock goes with
    its session: a runner killed, or a connection lost, frees it.
    """
    connexion = connections[base]
    if connexion.vendor != "postgresql":
        yield True
        return
    with connexion.cursor() as cursor:
        if attendre:
            cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [nom])
            tenu = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [nom])
            (tenu,) = cursor.fetchone()
    try:
        yield tenu
    finally:
        if tenu:
            with connexion.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [nom])
