"""Business counters of /metrics (`…_total`), counted across processes in the cache.

Web workers, Celery workers and commands all add to the same counter, so it lives in the
Redis cache (REDIS_URL), like the Celery task counters (metriques_celery). An app declares
one at import time::

    POSITIONS = Compteur.declarer("akig_positions_enregistrees", "Positions GPS enregistrées, par canal",
                                  etiquette="canal", valeurs=("api", "traccar"))
    POSITIONS.ajouter("traccar", 12)

`/metrics` reads every declared counter at each scrape (akig_ops.metriques_prometheus).
A flushed or evicted key restarts at 0, which Prometheus' rate() reads as a counter reset;
a Redis that cannot be read gives no counters (never zeros, which would be a reset too).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django_redis.exceptions import ConnectionInterrupted

_DECLARES: dict[str, Compteur] = {}


@dataclass(frozen=True)
class Compteur:
    """A counter with one label (`etiquette`) whose values are known in advance."""

    nom: str
    aide: str
    etiquette: str
    valeurs: tuple[str, ...]

    @classmethod
    def declarer(cls, nom: str, aide: str, *, etiquette: str, valeurs: tuple[str, ...]) -> Compteur:
        compteur = cls(nom, aide, etiquette, tuple(valeurs))
        _DECLARES[nom] = compteur
        return compteur

    def cle(self, valeur: str) -> str:
        return f"compteurs:{self.nom}:{valeur}"

    def ajouter(self, valeur: str, n: int = 1) -> None:
        """Add n to the series `valeur` (nothing when n is 0; lost when Redis is down)."""
        if n > 0:
            incrementer(self.cle(valeur), n)


def incrementer(cle: str, n: int = 1) -> None:
    """Add n to the cache's counter `cle`, created at 0 and never expiring."""
    cache.add(cle, 0, timeout=None)
    try:
        cache.incr(cle, n)
    except ValueError:  # evicted between add and incr: these are not counted
        pass


def lire_cache(cles: list[str]) -> dict:
    """Return the cache's values of `cles`; raise ConnectionInterrupted when Redis cannot be
    read (the cache's own get_many, with IGNORE_EXCEPTIONS, would answer {})."""
    client = getattr(cache, "client", None)  # django-redis' client, without the error handling
    return cache.get_many(cles) if client is None else client.get_many(cles)


def compteurs_lire() -> list[tuple[Compteur, dict[str, int]]] | None:
    """Return each declared counter with {label value: count} (0 if never counted), by name;
    None when the cache cannot be read."""
    compteurs = sorted(_DECLARES.values(), key=lambda c: c.nom)
    cles = [c.cle(v) for c in compteurs for v in c.valeurs]
    try:
        lues = lire_cache(cles)
    except ConnectionInterrupted:
        return None
    return [(c, {v: int(lues.get(c.cle(v)) or 0) for v in c.valeurs}) for c in compteurs]
