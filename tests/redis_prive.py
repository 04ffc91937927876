"""A private redis-server on a spare port, that a test may stop and start again.

Never the machine's Redis (6379): the tests about a Redis outage stop this one.
"""
import shutil
import socket
import subprocess
import time

import pytest
import redis

REDIS_SERVER = shutil.which("redis-server")
sans_redis_server = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server absent (apt-get install redis-server ; .ci/run l'installe)"
)


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisPrive:
    def __init__(self, *, options: list[str] = (), dossier=None):
        """`options`: redis-server arguments after ours (the last of a repeated one wins);
        `dossier`: its working directory (where an append-only file goes)."""
        self.port = port_libre()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.processus = None
        self.options = [*(["--dir", str(dossier)] if dossier else []), *options]

    def demarrer(self) -> None:
        self.processus = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning", *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server ne démarre pas sur le port {self.port}")

    def arreter(self) -> None:
        if self.processus is not None:
            self.processus.terminate()
            self.processus.wait(timeout=10)
            self.processus = None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)
