"""Timing helpers for `manage.py bench` (make bench).

Each app may have a `bench.py` module with `SECTIONS = [(title, function)]`; the bench
command (donnees) runs every section on the loaded data, after the import benchmark. A section
receives a `Banc` and measures pages, tasks or queries beside the raw SQL they rest on,
in the same run, so the two figures are comparable.
"""
from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import override_settings


@dataclass(frozen=True)
class Mesure:
    """Timings of `n` runs of one thing, in milliseconds."""

    n: int
    p50: float
    p95: float
    maximum: float

    @classmethod
    def depuis(cls, durees_ms: list[float]) -> Mesure:
        ordonnees = sorted(durees_ms)
        # Nearest-rank p95 (rank ⌈0.95 n⌉): with 20 runs, the 19th fastest. (round(19.5) is 20
        # in Python, which made it the slowest: the maximum.)
        rang = max(0, min(len(ordonnees) - 1, math.ceil(0.95 * len(ordonnees)) - 1))
        return cls(len(ordonnees), statistics.median(ordonnees), ordonnees[rang], ordonnees[-1])


def chronometrer(fonction: Callable[[], object], *, repetitions: int = 20, echauffement: int = 2) -> Mesure:
    """Run `fonction` `echauffement` times unmeasured, then `repetitions` times; return the timings."""
    for _ in range(echauffement):
        fonction()
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        fonction()
        durees.append((time.perf_counter() - debut) * 1000)
    return Mesure.depuis(durees)


def sql_brut(sql: str, params: list | tuple | dict | None = None) -> Callable[[], list]:
    """Return a function that runs `sql` and fetches every row (the raw query a figure rests on)."""

    def executer():
        with connection.cursor() as cursor:
            cursor.execute(sql, params or [])
            return cursor.fetchall()

    return executer


class Banc:
    """What a bench section gets: a way to print a result line and logged-in clients."""

    def __init__(self, ecrire: Callable[[str], None], *, groupe_direction: str):
        # The directors' group name comes from the caller: this module knows no app's roles.
        self.ecrire = ecrire
        self.groupe_direction = groupe_direction

    def resultat(self, nom: str, mesure: Mesure, *, cible_ms: float | None = None) -> None:
        """Print one line: p50 / p95 / max, and the target with OK / RATÉ when there is one."""
        verdict = ""
        if cible_ms is not None:
            verdict = f"  cible p95 ≤ {cible_ms:g} ms : {'OK' if mesure.p95 <= cible_ms else 'RATÉ'}"
        self.ecrire(
            f"  {nom:<58} p50 {mesure.p50:8.1f} ms  p95 {mesure.p95:8.1f} ms  max {mesure.maximum:8.1f} ms"
            f"  (n={mesure.n}){verdict}"
        )

    def client(self, *, username: str) -> Client:
        """A test client logged in as `username` (which must exist)."""
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        return client

    def client_direction(self) -> Client:
        """A test client logged in as a director (the login `bench-direction`, created if needed)."""
        user, _ = get_user_model().objects.get_or_create(username="bench-direction")
        user.groups.add(Group.objects.get(name=self.groupe_direction))
        return self.client(username=user.username)

    @staticmethod
    def hotes():
        """Settings under which the test client's host is accepted, over plain HTTP (the bench
        times the pages, not the redirect to HTTPS that HTTPS=1, production's default, answers)."""
        return override_settings(ALLOWED_HOSTS=["testserver", "127.0.0.1", "localhost"], SECURE_SSL_REDIRECT=False)
