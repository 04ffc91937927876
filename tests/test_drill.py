"""The restore drill (donnees/drill.py): its health poll, its archiving settings, and one
short real run on a throwaway cluster (initdb, pgBackRest) when the machine has them."""
import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from donnees.drill import exercice_executer, sante_attendre, sante_lire
from akig_ops.grappe import archivage_compose, duree_secondes


@pytest.fixture
def sante_serveur():
    """A minimal /api/health: 503 "unavailable" for the first `pannes` requests, then 200 "connected"."""
    etat = {"pannes": 3, "requetes": 0}

    class Sante(BaseHTTPRequestHandler):
        def do_GET(self):
            etat["requetes"] += 1
            panne = etat["requetes"] <= etat["pannes"]
            corps = json.dumps({"status": "ko" if panne else "ok",
                                "database": "unavailable" if panne else "connected"}).encode()
            self.send_response(503 if panne else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(corps)

        def log_message(self, *args):
            pass

    serveur = ThreadingHTTPServer(("127.0.0.1", 0), Sante)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{serveur.server_port}/api/health", etat
    serveur.shutdown()


def test_sante_attendre_waits_for_database_connected(sante_serveur):
    url, etat = sante_serveur

    sante_attendre(url, delai_s=10, pas_s=0.01)

    assert etat["requetes"] == 4  # three 503 "unavailable", then "connected"


def test_sante_lire_is_none_when_nothing_answers():
    assert sante_lire("http://127.0.0.1:9/api/health") is None


def test_sante_attendre_gives_up_after_its_delay(sante_serveur):
    url, etat = sante_serveur
    etat["pannes"] = 10**6

    with pytest.raises(TimeoutError, match="connected"):
        sante_attendre(url, delai_s=0.2, pas_s=0.05)


def test_drill_archives_as_production_with_a_timeout_under_a_minute():
    options = archivage_compose()

    assert options["wal_level"] == "replica"
    assert options["archive_mode"] == "on"
    assert options["archive_command"] == "pgbackrest --stanza=akig archive-push %p"
    assert duree_secondes(options["archive_timeout"]) <= 60
    assert [duree_secondes(v) for v in ("30s", "1min", "45", "500ms")] == [30, 60, 45, 0.5]


def _peut_lancer_une_grappe() -> str | None:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        return "PostgreSQL's server binaries are missing (ops/deploy/drill-prerequis.sh installs them)"
    if not shutil.which("pgbackrest"):
        return "pgBackRest is missing (ops/deploy/drill-prerequis.sh installs it)"
    if os.geteuid() != 0:
        return "initdb must run as the postgres user: the drill needs root to switch to it"
    return None


@pytest.mark.postgresql
def test_drill_restores_the_demo_and_measures_rpo_and_rto(capsys):
    pourquoi = _peut_lancer_une_grappe()
    if pourquoi:
        pytest.skip(pourquoi)

    # 4 s of writes, shorter than archive_timeout (30 s): no WAL segment was full or old
    # enough to be archived since the base backup, so every row written is lost.
    resultat = exercice_executer(secondes=4, ecrire=lambda ligne: None)

    assert resultat.comptes_apres == resultat.comptes_avant
    assert resultat.comptes_avant["locataires"] > 0
    assert resultat.lignes_ecrites > 0
    assert resultat.lignes_perdues == resultat.lignes_ecrites
    assert 3 < resultat.rpo_s < 5  # the whole writing time, less the pause after the last row
    assert 0 < resultat.restauration_s < resultat.ecriture_s <= resultat.rto_s < 60
