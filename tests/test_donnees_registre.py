"""donnees: the registry that collects each app's importers and bench sections, and the
direction of the arrows around it (donnees imports the apps, never the reverse)."""
import ast
from pathlib import Path

import pytest
from django.conf import settings

from donnees import registre
from donnees.registre import importeurs

RACINE = Path(settings.BASE_DIR)
APPS_DU_PROJET = ("akig_ops", "recovery", "agents", "escalations", "dashboard", "donnees")


def modules_importes(chemin: Path) -> set[str]:
    """The project's top-level packages that the file `chemin` imports (anywhere in it)."""
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    noms = set()
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Import):
            noms.update(alias.name.split(".")[0] for alias in noeud.names)
        elif isinstance(noeud, ast.ImportFrom) and noeud.level == 0 and noeud.module:
            noms.add(noeud.module.split(".")[0])
    return noms & set(APPS_DU_PROJET)


def imports_interdits(dossier: Path, interdits: set[str]) -> list[str]:
    """'path: package' for every import of `interdits` in the code (not the migrations) of `dossier`."""
    return [
        f"{chemin.relative_to(dossier)}: {nom}"
        for chemin in sorted(dossier.rglob("*.py"))
        if "migrations" not in chemin.relative_to(dossier).parts
        for nom in sorted(modules_importes(chemin) & interdits)
    ]


def test_importeurs_come_after_the_files_they_depend_on():
    ordre = [cls.fichier for cls in importeurs()]

    assert ordre == [
        "sites.csv", "locataires.csv", "impayes.csv",  # recovery/importers.py
        "equipes.csv", "agents.csv", "missions.csv", "actions.csv", "positions.csv",  # agents/importers.py
    ]
    for position, cls in enumerate(importeurs()):
        assert set(cls.depend_de) <= set(ordre[:position]), cls.fichier


def test_importeurs_refuse_a_dependency_no_app_imports(monkeypatch):
    class Orphelin:
        fichier = "orphelin.csv"
        depend_de = ("inconnu.csv",)

    class Module:
        IMPORTEURS = [Orphelin]

    monkeypatch.setattr(registre, "_modules", lambda nom: [Module])

    with pytest.raises(LookupError, match="Orphelin dépend de inconnu.csv"):
        importeurs()


def test_importeurs_refuse_a_cycle(monkeypatch):
    class A:
        fichier, depend_de = "a.csv", ("b.csv",)

    class B:
        fichier, depend_de = "b.csv", ("a.csv",)

    class Module:
        IMPORTEURS = [A, B]

    monkeypatch.setattr(registre, "_modules", lambda nom: [Module])

    with pytest.raises(LookupError, match="Dépendances circulaires entre : a.csv, b.csv"):
        importeurs()


def test_sections_bench_gather_every_app_that_has_some():
    titres = [titre for titre, _ in registre.sections_bench()]

    for prefixe in ("Agents", "Tableau de bord", "Escalades", "Ops"):
        assert any(t.startswith(prefixe) for t in titres), (prefixe, titres)


def test_no_domain_app_imports_donnees_and_recovery_imports_no_higher_app():
    interdits = imports_interdits(RACINE / "recovery", {"agents", "escalations", "dashboard", "donnees"})
    for app in ("akig_ops", "agents", "escalations", "dashboard"):
        interdits += imports_interdits(RACINE / app, {"donnees"})

    assert interdits == []


def test_bench_helpers_import_nothing_of_the_project():
    assert modules_importes(RACINE / "akig_ops" / "lib" / "bench.py") == set()
    assert modules_importes(RACINE / "akig_ops" / "lib" / "commandes.py") == set()


def test_a_planted_back_import_is_found(tmp_path):
    (tmp_path / "pas_une_migration.py").write_text("def f():\n    from donnees.demo import PROFILS\n")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.py").write_text("import donnees\n")

    trouves = imports_interdits(tmp_path, {"donnees"})

    assert trouves == ["pas_une_migration.py: donnees"]
