"""What each domain app contributes to the cross-app jobs, found by convention.

An installed app contributes
- its CSV importers: `<app>/importers.py` with `IMPORTEURS = [Importeur subclass, ...]`;
- its bench sections: `<app>/bench.py` with `SECTIONS = [(title, function(banc)), ...]`;
- the columns `reparer_donnees` checks against the bounds: `<app>/importers.py` with
  `REPARATIONS = [akig_ops.lib.reparation.Controle(...), ...]`.

The apps declare, this module collects: a domain app never imports `donnees`, so the
arrows keep pointing down (donnees → escalations, dashboard → agents → recovery → akig_ops).
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType

from django.apps import apps

from akig_ops.lib.csv_import import Importeur


def _modules(nom: str) -> list[ModuleType]:
    """Each installed app's module `<app>.<nom>`, in INSTALLED_APPS order (apps without one skipped)."""
    modules = []
    for config in apps.get_app_configs():
        try:
            modules.append(importlib.import_module(f"{config.name}.{nom}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.{nom}":
                raise  # the module exists and fails to import: say so
    return modules


def importeurs() -> list[type[Importeur]]:
    """Every app's importers, each after the files it depends on (`depend_de`).

    Within what is ready, the order of INSTALLED_APPS and of each app's IMPORTEURS is kept.
    """
    a_placer = [cls for module in _modules("importers") for cls in getattr(module, "IMPORTEURS", [])]
    fichiers = {cls.fichier for cls in a_placer}
    for cls in a_placer:
        inconnus = [f for f in cls.depend_de if f not in fichiers]
        if inconnus:
            raise LookupError(f"{cls.__name__} dépend de {', '.join(inconnus)}, qu'aucune application n'importe.")
    ordre: list[type[Importeur]] = []
    places: set[str] = set()
    while a_placer:
        pret = next((cls for cls in a_placer if set(cls.depend_de) <= places), None)
        if pret is None:
            raise LookupError("Dépendances circulaires entre : " + ", ".join(cls.fichier for cls in a_placer))
        ordre.append(pret)
        places.add(pret.fichier)
        a_placer.remove(pret)
    return ordre


def controles_reparation() -> list:
    """Every app's REPARATIONS (akig_ops.lib.reparation.Controle), in INSTALLED_APPS order."""
    return [controle for module in _modules("importers") for controle in getattr(module, "REPARATIONS", [])]


def sections_bench() -> list[tuple[str, Callable]]:
    """Every app's bench sections [(title, function(banc))], in INSTALLED_APPS order."""
    return [section for module in _modules("bench") for section in module.SECTIONS]
