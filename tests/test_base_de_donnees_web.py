"""The database side of the runbooks: statement_timeout on web queries only, a French page
when one is cancelled, and /api/health answering 503 at once when the database is gone."""
import logging
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection

from akig_ops.lib.journal import UneFoisParIntervalle
from akig_ops.middleware import base_injoignable as erreur_de_base_injoignable
from tests.factories import UserFactory
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


@pytest.mark.postgresql
def test_connections_run_without_jit():
    # PostgreSQL's JIT compiled the legal list's subqueries for 0.8 s to save 0.1 s.
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


# --- The database unreachable: a French 503 with Retry-After, one log line, then recovery.

@pytest.fixture
def coupure(settings):
    """`coupure.couper()` points the default connection at a port where nothing listens,
    `coupure.retablir()` back at the test database; the throttled log starts afresh."""
    for filtre in logging.getLogger("akig_ops.base").filters:
        if isinstance(filtre, UneFoisParIntervalle):
            filtre._derniers.clear()
    reglages = connection.settings_dict
    avant = dict(reglages)

    class Coupure:
        def couper(self):
            connection.close()
            reglages["PORT"] = port_libre()

        def retablir(self):
            connection.close()
            reglages.update(avant)

    coupure = Coupure()
    yield coupure
    coupure.retablir()


def _lignes(caplog, niveau=logging.WARNING):
    return [r for r in caplog.records if r.levelno >= niveau]


@pytest.mark.postgresql
def test_database_unreachable_pages_answer_503_in_french_with_one_log_line_then_recover(client, coupure, caplog):
    client.force_login(UserFactory(groups=["Direction"]))
    assert client.get("/dashboard/").status_code == 200
    coupure.couper()
    caplog.clear()

    reponses = [client.get("/dashboard/", HTTP_X_REQUEST_ID=f"req-coupure-{n:04d}") for n in range(5)]

    assert [r.status_code for r in reponses] == [503] * 5
    assert all(r["Retry-After"] == "30" for r in reponses)
    contenu = reponses[0].content.decode()
    assert "Service momentanément indisponible" in contenu
    assert "La base de données est momentanément indisponible." in contenu
    assert "req-coupure-0000" in contenu
    # One line for five requests, without a traceback; django.request writes none.
    (ligne,) = _lignes(caplog)
    assert (ligne.name, ligne.getMessage(), ligne.exc_info) == ("akig_ops.base", "base de donnees injoignable", None)
    assert ligne.chemin == "/dashboard/"

    coupure.retablir()
    assert client.get("/dashboard/").status_code == 200  # no restart needed


@pytest.mark.postgresql
def test_database_unreachable_api_answers_json_503(client, coupure):
    client.force_login(UserFactory(groups=["Direction"]))
    coupure.couper()

    reponse = client.get("/api/dashboard/resume")

    assert reponse.status_code == 503 and reponse["Retry-After"] == "30"
    assert reponse.json()["erreur"] == (
        "La base de données est momentanément indisponible. Réessayez dans quelques instants.")


@pytest.mark.postgresql
def test_database_unreachable_during_the_login_form_is_a_503(client, coupure):
    coupure.couper()

    reponse = client.post("/connexion/", {"username": "dir@akig.local", "password": "x"})

    assert reponse.status_code == 503


@pytest.mark.postgresql
def test_query_errors_are_not_taken_for_an_unreachable_database():
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError) as contrainte, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE t (x int primary key); "
                           "INSERT INTO t VALUES (1), (1)")
    assert not erreur_de_base_injoignable(contrainte.value)
    with pytest.raises(OperationalError) as annulee, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = '10ms'; SELECT pg_sleep(1)")
    assert not erreur_de_base_injoignable(annulee.value)
