"""The business gauges of /metrics: an extension point for every app, computed by a task.

A gauge that needs SQL is never computed on a scrape: the beat task
`akig_ops.tasks.metriques_metier_task` calls every registered function once a minute and
stores the values in the heartbeat row `ops.metriques` (akig_ops.models.Battement), which
any web process reads with one query when Prometheus scrapes `/metrics` (akig_ops.metriques_prometheus).

To add gauges from an app, write `<app>/metriques.py` (found by autodiscovery, like
`admin.py`)::

    from akig_ops.lib.metriques import Jauge, jauges_metier

    @jauges_metier
    def escalades_ouvertes() -> list[Jauge]:
        par_regle = ...  # one query, through the app's selectors
        return [Jauge("akig_escalades_ouvertes", "Escalades ouvertes, par règle",
                      etiquettes=("regle",), valeurs={(regle,): n for regle, n in par_regle})]

Names start with `akig_`, say their unit (`_euros`, `_secondes`) and are documented in
docs/operations.md. A function that raises is logged and skipped (its gauges vanish and
`akig_jauges_metier_en_echec{fonction}` says so); the others are still published.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)

_FONCTIONS: dict[str, Callable[[], list["Jauge"]]] = {}


@dataclass(frozen=True)
class Jauge:
    """One gauge: its name, help text, label names and {label values: value}.

    A gauge without labels has one value under the key `()`; `Jauge.simple` builds it.
    """

    nom: str
    aide: str
    etiquettes: tuple[str, ...] = ()
    valeurs: dict[tuple[str, ...], float] = field(default_factory=dict)

    @classmethod
    def simple(cls, nom: str, aide: str, valeur: float) -> Jauge:
        return cls(nom, aide, valeurs={(): valeur})

    def en_json(self) -> dict:
        return {
            "nom": self.nom,
            "aide": self.aide,
            "etiquettes": list(self.etiquettes),
            "valeurs": [[list(cle), float(valeur)] for cle, valeur in self.valeurs.items()],
        }


def jauges_metier(fonction: Callable[[], list[Jauge]]) -> Callable[[], list[Jauge]]:
    """Register `fonction` (no arguments, returns a list of Jauge) with the metrics task."""
    _FONCTIONS[f"{fonction.__module__}.{fonction.__qualname__}"] = fonction
    return fonction


def jauges_metier_calculer() -> dict:
    """Run every registered gauge function; return {"jauges": [...], "en_echec": [names]},
    the JSON stored in the heartbeat `ops.metriques`."""
    autodiscover_modules("metriques")
    jauges, en_echec = [], []
    for nom, fonction in sorted(_FONCTIONS.items()):
        try:
            jauges.extend(jauge.en_json() for jauge in fonction())
        except Exception:  # one app's broken gauge must not hide the others'
            logger.exception("jauges metier en echec : %s", nom)
            en_echec.append(nom)
    return {"jauges": jauges, "en_echec": en_echec}
