"""A Redis connection that stops knocking on a dead server for a few seconds (circuit breaker).

django-redis ignores a dead Redis (IGNORE_EXCEPTIONS) but still tries to connect on every
cache call, and a request makes several (generation, figure, session…). A refused port fails
at once, but an unreachable host waits the whole connect timeout each time, and a hung one
(it accepts connections and never answers: paused, swapping, stuck in a long command) the
whole read timeout. After a failed connect or a read timeout, this class fails the next
connects to the same server at once for `REDIS_PAUSE_APRES_ECHEC_S` (redis-py drops a
connection whose read timed out, so the next command connects again), so a request waits for
Redis at most once per pause; the first connect after the pause tries the server again, and
caching resumes by itself.
"""
import threading
import time

from django.conf import settings
from redis.connection import Connection
from redis.exceptions import TimeoutError as RedisTimeoutError

_verrou = threading.Lock()
# (host, port) -> time.monotonic() until which connects fail at once.
_en_panne_jusqu_a: dict[tuple[str, int], float] = {}


class ConnexionCoupeCircuit(Connection):
    """redis-py's TCP connection, with the pause above (settings.CACHES' connection_class)."""

    def _connect(self):
        serveur = (self.host, self.port)
        if time.monotonic() < _en_panne_jusqu_a.get(serveur, 0.0):
            raise ConnectionRefusedError(f"Redis {self.host}:{self.port} en panne il y a moins de "
                                         f"{settings.REDIS_PAUSE_APRES_ECHEC_S} s : pas de nouvel essai")
        try:
            socket = super()._connect()
        except OSError:
            self._ouvrir_le_circuit()
            raise
        with _verrou:
            _en_panne_jusqu_a.pop(serveur, None)
        return socket

    def read_response(self, *args, **kwargs):
        try:
            return super().read_response(*args, **kwargs)
        except RedisTimeoutError:
            self._ouvrir_le_circuit()
            raise

    def _ouvrir_le_circuit(self) -> None:
        with _verrou:
            _en_panne_jusqu_a[(self.host, self.port)] = time.monotonic() + settings.REDIS_PAUSE_APRES_ECHEC_S
