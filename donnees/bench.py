"""Bench sections of the ops endpoints (manage.py bench --section Ops): /api/health, /metrics,
and /api/dashboard/resume computed (MISS) and from the cache (HIT), beside the raw SQL they
rest on. Run with REDIS_URL set to time the real Redis cache."""
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from akig_ops.lib.bench import chronometrer, sql_brut
from akig_ops.lib.cache_donnees import donnees_modifiees
from dashboard.selectors import resume_tableau_de_bord
from akig_ops.tasks import metriques_metier_task

RESUME = "/api/dashboard/resume"


def _get(client, url: str, *, x_cache: str | None = None):
    def appel():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        if x_cache is not None:
            assert response["X-Cache"] == x_cache, (url, response["X-Cache"])
        return response

    return appel


def _sql_des_chiffres() -> list[str]:
    """The SQL resume_tableau_de_bord runs, as PostgreSQL receives it."""
    with CaptureQueriesContext(connection) as requetes:
        resume_tableau_de_bord()
    return [q["sql"] for q in requetes.captured_queries]


def sante(banc):
    client = Client()
    banc.resultat("GET /api/health (base, cache, broker, battements)", chronometrer(_get(client, "/api/health")))
    banc.resultat("  SQL brut : SELECT 1", chronometrer(sql_brut("SELECT 1")))
    banc.resultat(
        "  SQL brut : battements", chronometrer(sql_brut("SELECT nom, dernier_succes FROM battements"))
    )


def resume(banc):
    banc.ecrire(f"  cache : {type(caches['default']).__module__}")
    client = banc.client_direction()
    miss = _get(client, RESUME, x_cache="MISS")

    def calcule():
        donnees_modifiees()  # a new generation: one Redis SET, then the MISS
        return miss()

    banc.resultat("GET /api/dashboard/resume MISS (+ donnees_modifiees)", chronometrer(calcule))
    client.get(RESUME)
    banc.resultat("GET /api/dashboard/resume HIT (session direction)", chronometrer(_get(client, RESUME, x_cache="HIT")))
    with override_settings(AKIG_OPS_TOKEN="jeton-du-banc"):
        jeton = Client(HTTP_AUTHORIZATION="Bearer jeton-du-banc")
        banc.resultat("GET /api/dashboard/resume HIT (jeton, comme le runbook)",
                      chronometrer(_get(jeton, RESUME, x_cache="HIT")))
    requetes = _sql_des_chiffres()

    def sql_des_chiffres():
        for sql in requetes:
            sql_brut(sql)()

    banc.resultat(f"  SQL brut des chiffres ({len(requetes)} requêtes)", chronometrer(sql_des_chiffres))


def metriques(banc):
    with override_settings(AKIG_OPS_TOKEN="jeton-du-banc"):
        prometheus = Client(HTTP_AUTHORIZATION="Bearer jeton-du-banc")
        banc.resultat("GET /metrics (scrape : sondes, battements, compteurs)", chronometrer(_get(prometheus, "/metrics")))
    banc.resultat("  SQL brut : battements et jauges stockées",
                  chronometrer(sql_brut("SELECT nom, dernier_succes, details FROM battements")))
    banc.resultat("  tâche metriques_metier_task (SQL des jauges, hors scrape)", chronometrer(metriques_metier_task.apply))


SECTIONS = [
    ("Ops : /api/health", sante),
    ("Ops : /metrics", metriques),
    ("Ops : /api/dashboard/resume (MISS, HIT)", resume),
]
