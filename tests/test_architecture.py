"""The direction of the imports: the contracts of .importlinter hold, and break on a planted
back-import (docs/architecture.md draws the layers)."""
import ast
import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parent.parent
CONFIG = RACINE / ".importlinter"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def paquets_du_contrat() -> list[str]:
    config = configparser.ConfigParser()
    config.read(CONFIG)
    return config["importlinter"]["root_packages"].split()


def lint_imports(dossier: Path) -> subprocess.CompletedProcess:
    """Run the contracts on the packages found in `dossier` (its own copy first on the path)."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(dossier / ".importlinter"), "--no-cache", "--no-logo"],
        cwd=dossier, env={"PYTHONPATH": str(dossier), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def copie(tmp_path) -> Path:
    """A copy of the project's packages and contracts, to plant an import in."""
    for paquet in paquets_du_contrat():
        shutil.copytree(RACINE / paquet, tmp_path / paquet, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    return tmp_path


def test_every_app_is_under_the_contracts():
    apps = sorted(p.parent.name for p in RACINE.glob("*/apps.py"))
    assert sorted(paquets_du_contrat()) == apps


def test_the_imports_point_down():
    resultat = lint_imports(RACINE)
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "0 broken" in resultat.stdout


@pytest.mark.parametrize(("fichier", "import_plante", "message"), [
    # A lower app importing a higher one.
    ("recovery/retour.py", "from escalations.models import Escalade", "recovery is not allowed to import escalations"),
    # The floor importing an app (its urls.py aside).
    ("akig_ops/retour.py", "from agents.selectors import agents_visibles", "akig_ops is not allowed to import agents"),
    # The dashboard reads the rules' thresholds from escalations; escalations never reads the dashboard.
    ("escalations/retour.py", "from dashboard import selectors", "escalations is not allowed to import dashboard"),
    # An app reading another's models instead of its selectors and services.
    ("dashboard/retour.py", "from agents.models import Agent", "dashboard is not allowed to import agents.models"),
    # A domain app importing the cross-app jobs above it.
    ("agents/retour.py", "from donnees import registre", "agents is not allowed to import donnees"),
    # lib importing the project.
    ("akig_ops/lib/retour.py", "from akig_ops.celery import app", "akig_ops.lib is not allowed to import akig_ops.celery"),
])
def test_a_planted_back_import_breaks_the_contracts(copie, fichier, import_plante, message):
    (copie / fichier).write_text(f"{import_plante}\n")
    resultat = lint_imports(copie)
    assert resultat.returncode == 1
    assert message in resultat.stdout
    assert f"{fichier[:-3].replace('/', '.')} -> " in resultat.stdout


def imports_dans_les_fonctions() -> list[str]:
    """Every import inside a function of the project without a comment saying why, on its line
    or the line above: "path:line"."""
    trouves = []
    for paquet in paquets_du_contrat():
        for fichier in sorted((RACINE / paquet).rglob("*.py")):
            chemin = fichier.relative_to(RACINE).as_posix()
            if "migrations" in fichier.parts:
                continue
            lignes = fichier.read_text().splitlines()
            for fonction in ast.walk(ast.parse("\n".join(lignes))):
                if not isinstance(fonction, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for noeud in ast.walk(fonction):
                    if isinstance(noeud, (ast.Import, ast.ImportFrom)):
                        autour = lignes[noeud.lineno - 2:noeud.lineno]
                        if not any("#" in ligne for ligne in autour):
                            trouves.append(f"{chemin}:{noeud.lineno}")
    return trouves


def test_an_import_inside_a_function_says_why():
    assert imports_dans_les_fonctions() == []
