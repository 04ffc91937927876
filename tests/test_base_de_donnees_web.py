"""The database side of the runbooks: statement_timeout on web queries only, a French page
when one is cancelled, and /api/health answering 503 at once when the database is gone."""
import time

import pytest
from django.core.management import call_command
from django.db import connection

from tests.redis_prive import port_libre

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delai_court(settings):
    """A 300 ms web statement timeout, removed from the connection afterwards (the test
    connection is shared with the rest of the suite)."""
    settings.ROOT_URLCONF = "tests.urls_ops"
    settings.AKIG_WEB_STATEMENT_TIMEOUT_MS = 300
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")
    connection.__dict__.pop("_akig_delai_web", None)


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.postgresql
def test_query_over_the_statement_timeout_gives_the_french_error_page(client, delai_court):
    debut = time.perf_counter()
    response = client.get("/test/lente/", HTTP_X_REQUEST_ID="req-lente-0001")  # pg_sleep(2)
    duree = time.perf_counter() - debut

    # Cancelled after 300 ms, not 2 s; a 503 page in French with the request id.
    assert duree < 1.5
    assert response.status_code == 503
    contenu = response.content.decode()
    assert "Délai dépassé" in contenu
    assert "La requête a pris trop de temps et a été interrompue." in contenu
    assert "req-lente-0001" in contenu
    # The connection stays usable for the next request.
    assert client.get("/api/health").status_code == 200


@pytest.mark.postgresql
def test_api_query_over_the_statement_timeout_answers_json(client, delai_court):
    response = client.get("/api/test/lente")

    assert response.status_code == 503
    assert response.json()["erreur"] == "La requête a pris trop de temps et a été interrompue."


@pytest.mark.postgresql
def test_statement_timeout_is_set_by_web_requests_only(client, delai_court):
    connection.close()
    # A management command (import_csv, compute_performance…) on a fresh connection: no limit.
    call_command("metriques_metier", stdout=open("/dev/null", "w"))
    assert _statement_timeout() == "0"

    client.get("/api/health")

    assert _statement_timeout() == "300ms"


@pytest.fixture
def base_injoignable():
    """The default connection pointed at a port where nothing listens, then restored.
    (SQLite's in-memory test database cannot be taken away: PostgreSQL only.)"""
    connection.close()
    reglages = connection.settings_dict
    avant = dict(reglages)
    reglages["PORT"] = port_libre()
    yield
    connection.close()
    reglages.update(avant)


@pytest.mark.postgresql
def test_health_answers_503_quickly_when_the_database_is_unreachable(client, base_injoignable):
    debut = time.perf_counter()
    response = client.get("/api/health")
    duree = time.perf_counter() - debut

    assert response.status_code == 503
    corps = response.json()
    assert (corps["database"], corps["statut"]) == ("unavailable", "indisponible")
    assert corps["battements"]["escalades.evaluation"] == {"dernier_succes": None, "age_secondes": None}
    assert duree < 1.0, f"{duree:.2f} s"


@pytest.mark.postgresql
def test_statement_timeout_is_set_on_a_connection_a_request_opens(client, delai_court):
    connection.close()

    client.get("/api/health")  # opens the connection while serving the request

    assert _statement_timeout() == "300ms"
