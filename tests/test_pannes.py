"""Redis or the broker down is "performances dégradées", not an outage (the runbook).

Each test starts its own redis-server on a spare port and stops it; the machine's Redis
is never touched. Every request must answer within 1 s while it is down.
"""
import logging
import socket
import time
from types import SimpleNamespace

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from django.conf import settings as django_settings
from django.core.cache import cache

from akig_ops.celery import app as celery_app
from akig_ops.lib import redis_coupe_circuit
from akig_ops.lib.journal import UneFoisParIntervalle
from tests.factories import UserFactory
from tests.redis_prive import RedisPrive, sans_redis_server

pytestmark = [pytest.mark.django_db, sans_redis_server]
RESUME = "/api/dashboard/resume"
UNE_SECONDE = 1.0
PAUSE = 0.3  # REDIS_PAUSE_APRES_ECHEC_S of these tests


@pytest.fixture
def redis_prive():
    serveur = RedisPrive()
    serveur.demarrer()
    yield serveur
    serveur.arreter()


def _nouvel_intervalle(nom: str) -> None:
    """Forget the failures already logged by `nom`'s throttling filter(s)."""
    for filtre in logging.getLogger(nom).filters:
        if isinstance(filtre, UneFoisParIntervalle):
            filtre._derniers.clear()


@pytest.fixture
def cache_sur_redis_prive(settings, redis_prive):
    """The cache as production configures it (django-redis), on the private server."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": redis_prive.url,
            "KEY_PREFIX": "akig",
            "OPTIONS": django_settings.REDIS_CACHE_OPTIONS,
        }
    }
    _nouvel_intervalle("akig_ops.cache")
    settings.REDIS_PAUSE_APRES_ECHEC_S = PAUSE
    redis_coupe_circuit._en_panne_jusqu_a.clear()
    yield redis_prive


def _chronometre(client, url, **kwargs):
    debut = time.perf_counter()
    response = client.get(url, **kwargs)
    return response, time.perf_counter() - debut


def _chronometre_avec_publication(client, url, capture_on_commit):
    """Time a request and the tasks it publishes on commit: in production (autocommit) they
    are published inside the request; under the test's transaction, when the capture ends."""
    debut = time.perf_counter()
    with capture_on_commit(execute=True):
        response = client.get(url)
    return response, time.perf_counter() - debut


def test_redis_down_pages_and_apis_answer_within_1s_then_caching_resumes(client, cache_sur_redis_prive, caplog):
    redis_prive = cache_sur_redis_prive
    client.force_login(UserFactory(groups=["Direction"]))
    # Given Redis up: MISS then HIT, the figures stored in that Redis.
    assert client.get(RESUME)["X-Cache"] == "MISS"
    assert client.get(RESUME)["X-Cache"] == "HIT"
    assert any(b"resume_tableau_de_bord" in cle for cle in redis_prive.client().keys("*"))

    # When Redis stops
    redis_prive.arreter()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        # "/" sends a director to the dashboard: its home is /dashboard/.
        for url in [RESUME, RESUME, "/dashboard/", "/dashboard/impayes?filter=retard:60+", "/connexion/", "/api/health"]:
            response, duree = _chronometre(client, url)
            # Then every page and API answers, within 1 s, uncached.
            assert response.status_code == 200, url
            assert duree < UNE_SECONDE, f"{url} : {duree:.2f} s"
            if url == RESUME:
                assert response["X-Cache"] == "MISS"
    sante = client.get("/api/health").json()
    assert (sante["cache"], sante["database"], sante["statut"]) == ("unavailable", "connected", "degrade")
    # and the failure is logged once for the interval, not once per request (each request
    # above made several cache calls that all failed).
    pannes = [r for r in caplog.records if r.name == "akig_ops.cache"]
    assert len(pannes) == 1

    # When Redis is back (same port, empty), caching resumes by itself (once the
    # circuit breaker's pause is over).
    redis_prive.demarrer()
    time.sleep(PAUSE)
    assert client.get(RESUME)["X-Cache"] == "MISS"
    assert client.get(RESUME)["X-Cache"] == "HIT"
    assert client.get("/api/health").json()["cache"] == "connected"


@pytest.fixture
def broker_prive(redis_prive, monkeypatch):
    """Celery publishing to the private server (not eager), as production does."""
    _nouvel_intervalle("akig_ops.broker")
    # Celery reads the CELERY_BROKER_URL variable before its configuration (settings read
    # it too): unset here, so that the configuration below is the broker.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    conf = celery_app.conf
    avant = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = redis_prive.url, False
    celery_app._after_fork()  # forget the producer pools of the previous broker
    try:
        yield redis_prive
    finally:
        conf.broker_url, conf.task_always_eager = avant
        celery_app._after_fork()


def test_page_enqueuing_a_task_publishes_it_after_commit(client, settings, broker_prive, django_capture_on_commit_callbacks):
    settings.ROOT_URLCONF = "tests.urls_ops"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/test/enfiler/")

    assert response.status_code == 200
    # The message is in the broker's default queue, for a worker to take.
    assert broker_prive.client().llen("celery") == 1


def test_broker_down_page_enqueuing_a_task_answers_within_1s(client, settings, broker_prive, caplog,
                                                             django_capture_on_commit_callbacks):
    settings.ROOT_URLCONF = "tests.urls_ops"
    broker_prive.arreter()

    with caplog.at_level(logging.WARNING, logger="akig_ops.broker"):
        for _ in range(3):
            response, duree = _chronometre_avec_publication(
                client, "/test/enfiler/", django_capture_on_commit_callbacks
            )
            assert response.status_code == 200
            assert duree < UNE_SECONDE, f"{duree:.2f} s"
        sante, duree = _chronometre(client, "/api/health")

    assert duree < UNE_SECONDE
    assert sante.status_code == 200 and sante.json()["broker"] == "unavailable"
    # Three lost publications, one log line for the interval.
    assert len([r for r in caplog.records if r.name == "akig_ops.broker"]) == 1


def test_circuit_breaker_does_not_retry_a_dead_redis_during_the_pause(settings, monkeypatch):
    # A pause far longer than starting redis-server takes on a loaded machine; its end is
    # reached by moving the breaker's clock, not by waiting.
    settings.REDIS_PAUSE_APRES_ECHEC_S = 30.0
    serveur = RedisPrive()  # not started yet
    pool = redis.ConnectionPool(host="127.0.0.1", port=serveur.port,
                                connection_class=redis_coupe_circuit.ConnexionCoupeCircuit,
                                retry=Retry(NoBackoff(), 0))
    client = redis.Redis(connection_pool=pool)
    with pytest.raises(redis.ConnectionError):
        client.ping()  # refused: the circuit opens for 1 s
    serveur.demarrer()
    try:
        # The server answers now, but no connect is attempted during the pause…
        with pytest.raises(redis.ConnectionError, match="pas de nouvel essai"):
            client.ping()
        # …and the first connect after it (31 s later) reaches the server again.
        monkeypatch.setattr(redis_coupe_circuit, "time", SimpleNamespace(monotonic=lambda: time.monotonic() + 31))
        assert client.ping() is True
    finally:
        pool.disconnect()
        serveur.arreter()


def test_redis_down_metrics_leave_out_the_task_counters_rather_than_zeros(client, settings, cache_sur_redis_prive):
    from prometheus_client.parser import text_string_to_metric_families

    from akig_ops.tasks import metriques_metier_task

    settings.AKIG_OPS_TOKEN = jeton = "jeton-ops-de-test-0123456789"

    def compteurs_publies() -> dict:
        corps = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {jeton}").content.decode()
        return {
            (s.labels["tache"], s.labels["etat"]): s.value
            for famille in text_string_to_metric_families(corps) if famille.name == "akig_celery_taches"
            for s in famille.samples if s.name == "akig_celery_taches_total"
        }

    # Given one run of the metrics task counted in Redis
    metriques_metier_task.apply()
    assert compteurs_publies()[("akig_ops.tasks.metriques_metier_task", "succes")] == 1

    # When Redis stops, the counters cannot be read: a scrape publishing 0 would be a
    # counter reset for Prometheus, and the true values' return a burst of runs (and of
    # failures: TachesCeleryEnEchec would fire for any task that ever failed).
    cache_sur_redis_prive.arreter()

    assert compteurs_publies() == {}


@pytest.fixture
def redis_muet(settings):
    """A port that accepts connections and never answers: a hung or paused Redis (the kernel
    completes the handshake; nothing reads). Cache and broker both pointed at it."""
    with socket.socket() as ecoute:
        ecoute.bind(("127.0.0.1", 0))
        ecoute.listen(128)
        url = f"redis://127.0.0.1:{ecoute.getsockname()[1]}/0"
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "akig",
                "OPTIONS": django_settings.REDIS_CACHE_OPTIONS,
            }
        }
        settings.REDIS_PAUSE_APRES_ECHEC_S = 30.0
        redis_coupe_circuit._en_panne_jusqu_a.clear()
        _nouvel_intervalle("akig_ops.cache")
        _nouvel_intervalle("akig_ops.broker")
        conf = celery_app.conf
        avant = conf.broker_url, conf.task_always_eager
        conf.broker_url, conf.task_always_eager = url, False
        celery_app._after_fork()
        try:
            yield url
        finally:
            conf.broker_url, conf.task_always_eager = avant
            celery_app._after_fork()
            redis_coupe_circuit._en_panne_jusqu_a.clear()


def test_hung_redis_pages_health_and_enqueuing_answer_within_1s(client, settings, redis_muet,
                                                               django_capture_on_commit_callbacks):
    settings.ROOT_URLCONF = "tests.urls_ops"
    client.force_login(UserFactory(groups=["Direction"]))

    # A request makes several cache calls: the first read timeout (REDIS_TIMEOUT_MS) opens the
    # circuit, the others fail at once; the health probes and publishing a task are bounded too.
    for url in [RESUME, RESUME, "/dashboard/", "/dashboard/impayes?filter=retard:60+", "/api/health", "/test/enfiler/"]:
        response, duree = _chronometre_avec_publication(client, url, django_capture_on_commit_callbacks)
        assert response.status_code == 200, url
        assert duree < UNE_SECONDE, f"{url} : {duree:.2f} s"

    sante, duree = _chronometre(client, "/api/health")
    assert duree < UNE_SECONDE, f"{duree:.2f} s"
    assert (sante.json()["cache"], sante.json()["broker"]) == ("unavailable", "unavailable")
