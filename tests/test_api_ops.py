"""/api/health and /api/dashboard/resume: who may read them, what they say, X-Cache."""
import datetime
import json
import logging
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from akig_ops.services import EVALUATION_ESCALADES, SCORES_INSTANTANES, battement_enregistrer
from tests.factories import ImpayeFactory, UserFactory

pytestmark = pytest.mark.django_db
RESUME = "/api/dashboard/resume"
JETON = "jeton-ops-de-test-0123456789"


@pytest.fixture(autouse=True)
def _cache_vide_et_jeton(settings):
    cache.clear()
    settings.AKIG_OPS_TOKEN = JETON


@pytest.fixture
def deux_impayes():
    # One debt 61 days late (critical) of 1,234.56 €, one 10 days late of 100.00 €:
    # 2 debts, 1,334.56 € due, 1 critical for 1,234.56 €.
    ImpayeFactory(retard=61, montant_du=Decimal("1234.56"))
    ImpayeFactory(retard=10, montant_du=Decimal("100.00"))


# --- /api/dashboard/resume


def test_resume_anonymous_gets_401_with_bearer_challenge(client):
    response = client.get(RESUME)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "X-Cache" not in response


def test_resume_team_lead_gets_403(client):
    client.force_login(UserFactory(groups=["Chef d'équipe"]))

    assert client.get(RESUME).status_code == 403


def test_resume_wrong_token_gets_401_even_for_a_director(client):
    client.force_login(UserFactory(groups=["Direction"]))

    assert client.get(RESUME, HTTP_AUTHORIZATION="Bearer mauvais-jeton").status_code == 401


def test_resume_no_token_configured_accepts_no_token(client, settings):
    settings.AKIG_OPS_TOKEN = ""

    assert client.get(RESUME, HTTP_AUTHORIZATION="Bearer ").status_code == 401


def test_resume_director_gets_figures_miss_then_hit(client, deux_impayes):
    client.force_login(UserFactory(groups=["Direction"]))

    premier = client.get(RESUME)
    second = client.get(RESUME)

    assert (premier.status_code, premier["X-Cache"]) == (200, "MISS")
    assert (second.status_code, second["X-Cache"]) == (200, "HIT")
    corps = premier.json()
    # Money travels as a decimal string, never a float.
    assert corps["nb_impayes"] == 2
    assert corps["total_restant_du"] == "1334.56"
    assert (corps["nb_critiques"], corps["montant_critiques"]) == (1, "1234.56")
    assert corps["jour"] == timezone.localdate().isoformat()
    assert second.json() == corps


def test_resume_ops_token_reads_without_session(client, deux_impayes, django_assert_num_queries):
    # No session, no user query: only the figures' 5 queries (the rules' thresholds, 3
    # aggregates of the debts, today's missions for the agents under the threshold), then
    # none on the HIT.
    with django_assert_num_queries(5):
        response = client.get(RESUME, HTTP_AUTHORIZATION=f"Bearer {JETON}")
    with django_assert_num_queries(0):
        hit = client.get(RESUME, HTTP_AUTHORIZATION=f"Bearer {JETON}")

    assert (response.status_code, response["X-Cache"], response.json()["nb_critiques"]) == (200, "MISS", 1)
    assert hit["X-Cache"] == "HIT"


def test_resume_new_business_day_is_a_miss(client):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {JETON}"}
    # 23:59 then 00:01 in Paris (UTC+1 in November): the day is in the cache key.
    with time_machine.travel(datetime.datetime(2026, 11, 26, 22, 59, tzinfo=datetime.UTC), tick=False):
        client.get(RESUME, **auth)
        assert client.get(RESUME, **auth)["X-Cache"] == "HIT"
    with time_machine.travel(datetime.datetime(2026, 11, 26, 23, 1, tzinfo=datetime.UTC), tick=False):
        response = client.get(RESUME, **auth)
    assert response["X-Cache"] == "MISS"
    assert response.json()["jour"] == "2026-11-27"


# --- /api/health


def test_health_reports_services_heartbeats_and_version(client, settings):
    settings.AKIG_VERSION = "2026.11.27-abc123"
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.UTC), tick=False):
        battement_enregistrer(nom=EVALUATION_ESCALADES)
    with time_machine.travel(datetime.datetime(2026, 11, 27, 9, 12, 30, tzinfo=datetime.UTC), tick=False):
        response = client.get("/api/health")

    assert response.status_code == 200
    corps = response.json()
    assert corps["database"] == "connected"
    assert corps["version"] == "2026.11.27-abc123"
    # 09:12:30 − 09:00:00 = 750 s; the score snapshots never ran: shown, with no age.
    assert corps["battements"][EVALUATION_ESCALADES] == {
        "dernier_succes": "2026-11-27T09:00:00+00:00", "age_secondes": 750,
    }
    assert corps["battements"][SCORES_INSTANTANES] == {"dernier_succes": None, "age_secondes": None}
    assert response["Cache-Control"].startswith("max-age=0")
    assert "SECRET" not in json.dumps(corps).upper()


def test_health_states_of_the_embedded_configuration(client, settings):
    # SQLite/PostgreSQL as configured; the cache and the broker as this configuration runs them.
    corps = client.get("/api/health").json()

    if settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
        assert (corps["cache"], corps["broker"], corps["statut"]) == ("connected", "connected", "ok")
    else:
        assert (corps["cache"], corps["broker"], corps["statut"]) == ("local", "eager", "ok")


def test_health_needs_no_login_and_no_session_query(client, django_assert_max_num_queries):
    # SELECT 1 and the heartbeats; nothing about users or sessions.
    with django_assert_max_num_queries(2):
        assert client.get("/api/health").status_code == 200


# --- request id and log line


def test_every_response_carries_a_request_id_and_one_log_line(client, caplog):
    client.force_login(UserFactory(username="dir@akig.local", groups=["Direction"]))
    with caplog.at_level(logging.INFO, logger="akig_ops.requetes"):
        response = client.get(RESUME)

    id_requete = response["X-Request-ID"]
    assert len(id_requete) == 32
    (ligne,) = [r for r in caplog.records if r.name == "akig_ops.requetes"]
    assert (ligne.id_requete, ligne.vue, ligne.statut, ligne.utilisateur, ligne.methode) == (
        id_requete, "api-dashboard-resume", 200, "dir@akig.local", "GET",
    )
    assert ligne.duree_ms > 0


def test_request_id_from_the_proxy_is_kept_when_well_formed(client):
    assert client.get("/api/health", HTTP_X_REQUEST_ID="nginx-5f2a9c01")["X-Request-ID"] == "nginx-5f2a9c01"
    forge = client.get("/api/health", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    assert forge != "<script>" and len(forge) == 32


def test_error_pages_show_the_request_id_in_french(client):
    response = client.get("/nulle-part/", HTTP_X_REQUEST_ID="req-404-0001")

    assert response.status_code == 404
    contenu = response.content.decode()
    assert "Page introuvable" in contenu
    assert "req-404-0001" in contenu


def test_bad_request_page_is_french_with_the_request_id(client):
    # A Host header outside ALLOWED_HOSTS (DisallowedHost) is a 400.
    response = client.get("/connexion/", HTTP_HOST="intrus.example", HTTP_X_REQUEST_ID="req-400-0001")

    assert response.status_code == 400
    assert response["X-Request-ID"] == "req-400-0001"
    contenu = response.content.decode()
    assert "Requête invalide" in contenu and "req-400-0001" in contenu


def test_server_error_page_shows_the_request_id(client, settings):
    settings.ROOT_URLCONF = "tests.urls_ops"
    client.raise_request_exception = False

    response = client.get("/test/panne/", HTTP_X_REQUEST_ID="req-500-0001")

    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-500-0001"
    contenu = response.content.decode()
    assert "Erreur du serveur" in contenu and "req-500-0001" in contenu


def test_resume_recomputed_after_the_performance_task(client):
    from agents.tasks import compute_performance_task

    auth = {"HTTP_AUTHORIZATION": f"Bearer {JETON}"}
    client.get(RESUME, **auth)

    compute_performance_task.apply()

    assert client.get(RESUME, **auth)["X-Cache"] == "MISS"


def test_health_answers_head_and_refuses_post(client):
    assert client.head("/api/health").status_code == 200
    assert client.post("/api/health").status_code == 405


def test_runbook_curl_of_the_resume_sends_the_ops_token_and_reads_the_header():
    from pathlib import Path

    from django.conf import settings

    runbook = (Path(settings.BASE_DIR) / "ops" / "runbooks" / "runbooks-akig.md").read_text(encoding="utf-8")
    # The curl commands of "Valider que cache fonctionne", continuation lines joined.
    commandes = [c for c in runbook.replace("\\\n", " ").splitlines()
                 if c.startswith("curl") and "/api/dashboard/resume" in c]

    assert commandes and all('-H "Authorization: Bearer $AKIG_OPS_TOKEN"' in c for c in commandes)
    # One of them reads the header, not the body.
    assert any("-D -" in c and "x-cache" in c.lower() for c in commandes)
