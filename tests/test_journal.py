"""Logs: one JSON line per request carrying its id; failures throttled to one per interval."""
import json
import logging
import time

import pytest
from pythonjsonlogger.json import JsonFormatter

from akig_ops.lib.journal import UneFoisParIntervalle


def _enregistrement(message: str = "Exception ignored") -> logging.LogRecord:
    return logging.LogRecord("akig_ops.cache", logging.ERROR, __file__, 1, message, None, None)


def test_une_fois_par_intervalle_counts_what_it_kept_quiet():
    filtre = UneFoisParIntervalle(intervalle=0.2)

    assert filtre.filter(_enregistrement()) is True
    assert [filtre.filter(_enregistrement()) for _ in range(3)] == [False, False, False]
    assert filtre.filter(_enregistrement("autre message")) is True  # each message its own interval
    time.sleep(0.25)
    suivant = _enregistrement()
    assert filtre.filter(suivant) is True
    assert suivant.echecs_non_journalises == 3


@pytest.mark.django_db
def test_request_log_line_is_one_json_object_with_the_request_fields(client, caplog):
    (formateur,) = [h.formatter for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    with caplog.at_level(logging.INFO, logger="akig_ops.requetes"):
        response = client.get("/api/health", HTTP_X_REQUEST_ID="req-json-0001")
    (enregistrement,) = [r for r in caplog.records if r.name == "akig_ops.requetes"]

    ligne = formateur.format(enregistrement)

    assert "\n" not in ligne
    champs = json.loads(ligne)
    assert champs["message"] == "requete"
    assert champs["id_requete"] == response["X-Request-ID"] == "req-json-0001"
    assert (champs["vue"], champs["statut"], champs["methode"], champs["chemin"]) == ("api-health", 200, "GET", "/api/health")
    assert champs["niveau"] == "INFO" and champs["logger"] == "akig_ops.requetes"
