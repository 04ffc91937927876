"""Cached figures that follow the data: one generation number for "the business data".

Every cached figure's key carries the business day (TIME_ZONE: retards change at
midnight) and the current generation; anything that changes the figures (an import,
a task, the field API) calls `donnees_modifiees()`, which starts a new generation, so
every old key is simply never read again and expires on its own.

The generation lives in the cache itself: if the cache is emptied or down, a new one
is drawn, which is safe because the old keys are gone with it.
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import partial, wraps
from typing import TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from akig_ops.lib import replique

T = TypeVar("T")
CLE_GENERATION = "donnees:generation"
# A generation is kept as long as any figure computed under it.
DUREE_GENERATION = 7 * 24 * 3600


def _generation() -> str:
    generation = cache.get(CLE_GENERATION)
    if generation is None:
        generation = str(time.time_ns())
        cache.add(CLE_GENERATION, generation, DUREE_GENERATION)
        # Another process may have drawn one first: read back the winner.
        generation = cache.get(CLE_GENERATION) or generation
    return generation


def cle_du_jour(nom: str, *parties: object, generation: str | None = None) -> str:
    """Return the cache key of figure `nom` (with its parameters) for today and this generation,
    under this release (AKIG_VERSION): a deploy never serves a page drawn, or a value pickled, by
    the code before it (while both run side by side, each reads its own)."""
    suffixe = ":".join(str(p) for p in parties)
    return f"{nom}:{settings.AKIG_VERSION}:{timezone.localdate():%Y-%m-%d}:{generation or _generation()}:{suffixe}"


def _age_s(marque: str) -> float:
    """Seconds since a generation or a token was drawn (its first part is time.time_ns(); a token
    never renewed, "0", is as old as the clock)."""
    return time.time() - int(marque.partition("-")[0]) / 1e9


def en_cache(nom: str, calcul: Callable[[], T], *, parties: tuple = (), duree: int = 300,
             jetons: tuple[str, ...] = ()) -> tuple[T, bool]:
    """Return (value, hit): the cached value of `nom` for today, or `calcul()` stored for `duree` s;
    with `jetons`, the names of narrower data (`jeton`) whose change draws it again at once.

    A value read on the streaming replica while the generation or one of the tokens is younger
    than the replica's possible lag may miss the change that started it: it is returned, not
    stored (a stored figure is never older than its generation and tokens, replica or not)."""
    valeur, hit, _cle = en_cache_avec_cle(nom, calcul, parties=parties, duree=duree, jetons=jetons)
    return valeur, hit


def en_cache_avec_cle(nom: str, calcul: Callable[[], T], *, parties: tuple = (), duree: int = 300,
                      jetons: tuple[str, ...] = ()) -> tuple[T, bool, str]:
    """`en_cache`, and the key the value lives under (None when it was not stored): a template
    fragment drawn from that value can be cached on it ({% cache %}), valid exactly as long."""
    generation = _generation()
    marques = [jeton(nom_jeton) for nom_jeton in jetons]
    cle = cle_du_jour(nom, *parties, *marques, generation=generation)
    valeur = cache.get(cle)
    if valeur is not None:
        return valeur, True, cle
    lectures_avant = replique.lectures_sur_replique()
    valeur = calcul()
    if (replique.lectures_sur_replique() == lectures_avant
            or min(_age_s(marque) for marque in (generation, *marques)) >= replique.borne_retard_s()):
        cache.set(cle, valeur, duree)
        return valeur, False, cle
    return valeur, False, None


def en_cache_selon_arguments(nom: str, *, duree: int = 300):
    """Decorate a selector of keyword-only arguments: its value is cached like `en_cache`'s,
    keyed on `nom` and the arguments (their `str`, URL-encoded: a cache key has no spaces).
    The undecorated function stays at `.sans_cache`."""

    def decorateur(selecteur: Callable[..., T]) -> Callable[..., T]:
        @wraps(selecteur)
        def en_cache_de(**arguments) -> T:
            cle = urlencode(sorted((nom_argument, str(valeur)) for nom_argument, valeur in arguments.items()))
            valeur, _hit = en_cache(nom, partial(selecteur, **arguments), parties=(cle,), duree=duree)
            return valeur

        en_cache_de.sans_cache = selecteur
        return en_cache_de

    return decorateur


def donnees_modifiees() -> None:
    """Start a new generation: every figure cached so far is stale from now on."""
    # A random part too: two changes within one clock tick (or under a frozen clock) differ.
    cache.set(CLE_GENERATION, f"{time.time_ns()}-{secrets.token_hex(4)}", DUREE_GENERATION)


def jeton(nom: str) -> str:
    """The current token of the narrower data `nom` (e.g. one agent's positions, which come in
    all day without starting a new generation): a cache key carrying it changes with them."""
    return cache.get(f"jeton:{nom}") or "0"


def jeton_renouveler(nom: str) -> None:
    """The data `nom` changed: keys made with its old token are never read again."""
    cache.set(f"jeton:{nom}", f"{time.time_ns()}-{secrets.token_hex(4)}", DUREE_GENERATION)
