"""Celery task counters of /metrics count what a real worker (another process) ran."""
import time

import pytest
from django.core.cache import cache

from akig_ops.celery import app as celery_app
from akig_ops.lib.metriques_celery import compteurs_taches
from akig_ops.models import Battement
from akig_ops.services import METRIQUES_METIER
from akig_ops.tasks import metriques_metier_task
from tests.test_real_services import celery_worker_process  # noqa: F401 (fixture)

TACHE = "akig_ops.tasks.metriques_metier_task"


def compteurs_apres_le_signal(*, succes_attendus: int, delai_s: float = 15.0) -> dict:
    """Return compteurs_taches() once the worker has counted `succes_attendus` successes
    (or after `delai_s`). Celery stores a task's result BEFORE it sends task_success,
    so `result.get()` may return while the worker has not counted the run yet: on a
    loaded machine the web would read one run too few."""
    limite = time.monotonic() + delai_s
    while ((compteurs := compteurs_taches(app=celery_app) or {}).get((TACHE, "succes"), 0) < succes_attendus
           and time.monotonic() < limite):
        time.sleep(0.05)
    return compteurs


@pytest.mark.redis
@pytest.mark.postgresql
def test_worker_runs_are_counted_for_the_web(celery_worker_process):  # noqa: F811
    cache.delete_many([f"metriques:celery:succes:{TACHE}", f"metriques:celery:echec:{TACHE}"])

    # When beat's metrics task runs twice on a real worker
    for _ in range(2):
        metriques_metier_task.apply_async(queue=celery_worker_process).get(timeout=60)

    # Then this (web) process reads 2 successes, 0 failures, and the stored gauges.
    compteurs = compteurs_apres_le_signal(succes_attendus=2)
    assert (compteurs[(TACHE, "succes")], compteurs[(TACHE, "echec")]) == (2, 0)
    assert {j["nom"] for j in Battement.objects.get(nom=METRIQUES_METIER).details["jauges"]} == {
        "akig_impayes_critiques", "akig_impayes_critiques_montant_euros", "akig_agents_score_sous_5",
        "akig_escalades_ouvertes", "akig_outbox_en_attente", "akig_outbox_en_echec",
        "akig_agent_score_instantane",
        # The rules' thresholds, which the Prometheus alerts compare against.
        "akig_seuil_impayes_critiques", "akig_retard_critique_jours", "akig_seuil_score",
    }
