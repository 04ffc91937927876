"""The direction of the imports: the contracts of .importlinter hold, and break on a planted
back-import (docs/architecture.md draws the layers)."""
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


def test_a_lower_app_importing_a_higher_one_breaks_the_layers(copie):
    (copie / "recovery" / "retour.py").write_text("from escalations.models import Escalade\n")
    resultat = lint_imports(copie)
    assert resultat.returncode == 1
    assert "recovery is not allowed to import escalations" in resultat.stdout
    assert "recovery.retour -> escalations.models" in resultat.stdout


def test_the_floor_importing_an_app_breaks_the_layers(copie):
    (copie / "akig_ops" / "retour.py").write_text("from agents.selectors import agents_visibles\n")
    resultat = lint_imports(copie)
    assert resultat.returncode == 1
    assert "akig_ops is not allowed to import agents" in resultat.stdout


def test_the_two_sibling_apps_stay_independent(copie):
    (copie / "dashboard" / "retour.py").write_text("from escalations import selectors\n")
    resultat = lint_imports(copie)
    assert resultat.returncode == 1
    assert "dashboard is not allowed to import escalations" in resultat.stdout


def test_lib_importing_the_project_breaks_the_floor(copie):
    (copie / "akig_ops" / "lib" / "retour.py").write_text("from akig_ops.celery import app\n")
    resultat = lint_imports(copie)
    assert resultat.returncode == 1
    assert "akig_ops.lib is not allowed to import akig_ops.celery" in resultat.stdout
