"""Configuration comes from the environment; a bad value stops the start-up, naming the variable."""
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from akig_ops.lib import env


def start_django(**overrides):
    """Imports the settings in a fresh interpreter, as `manage.py` would."""
    return run_django("import django; django.setup()", **overrides)


def run_django(code: str, **overrides):
    """Runs `code` in a fresh interpreter with only the overrides of the service settings."""
    services = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
    environ = {k: v for k, v in os.environ.items() if k not in services}
    environ.update({"DJANGO_SETTINGS_MODULE": "akig_ops.settings", "SECRET_KEY": "x", **overrides})
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environ, cwd=settings.BASE_DIR, capture_output=True, text=True,
    )


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DEBUG", "peut-etre", "DEBUG='peut-etre' is not a boolean"),
        ("TIME_ZONE", "Europe/Lutece", "TIME_ZONE='Europe/Lutece' is not a known time zone"),
        ("AKIG_AGENT_HEURE_DEBUT", "8h", "AKIG_AGENT_HEURE_DEBUT='8h' is not a time HH:MM"),
        ("AKIG_AGENT_HEURE_FIN", "07:00", "AKIG_AGENT_HEURE_FIN must be after AKIG_AGENT_HEURE_DEBUT"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a redis:// URL"),
        ("CELERY_BROKER_URL", "amqp://rabbit//", "CELERY_BROKER_URL='amqp://rabbit//' is not a redis:// URL"),
        ("CELERY_RESULT_BACKEND", "db+sqlite://", "CELERY_RESULT_BACKEND='db+sqlite://' is not a redis:// URL"),
        ("DATABASE_URL", "nimportequoi://x", "DATABASE_URL is not a valid database URL"),
        # Without DATABASE_URL the primary is SQLite: no standby to read from.
        ("DATABASE_REPLICA_URL", "postgres://akig@replique/akig", "DATABASE_REPLICA_URL needs PostgreSQL on both sides"),
        ("EMAIL_PORT", "vingt-cinq", "EMAIL_PORT='vingt-cinq' is not an integer"),
    ],
)
def test_bad_setting_fails_at_start_with_its_name(variable, value, message):
    result = start_django(**{variable: value})

    assert result.returncode != 0
    assert message in result.stderr


def test_secret_key_is_required_outside_debug():
    environ = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**environ, "DJANGO_SETTINGS_MODULE": "akig_ops.settings"},
        cwd=settings.BASE_DIR, capture_output=True, text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


# Celery's configuration as the worker reads it, and the cache's location.
LIRE_REDIS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "from akig_ops.celery import app; "
    "print(json.dumps({'cache': s.CACHES['default'].get('LOCATION'), 'broker': app.conf.broker_url, "
    "'resultats': app.conf.result_backend, 'eager': app.conf.task_always_eager}))"
)


def lire_redis(**overrides) -> dict:
    result = run_django(LIRE_REDIS, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_celery_broker_url_splits_the_queue_from_the_cache():
    # Production: the queue on its own Redis (noeviction), the cache on the LRU one.
    assert lire_redis(REDIS_URL="redis://cache:6379/0", CELERY_BROKER_URL="redis://broker:6379/0") == {
        "cache": "redis://cache:6379/0", "broker": "redis://broker:6379/0",
        "resultats": "redis://broker:6379/0", "eager": False,
    }
    # Results may go elsewhere again.
    assert lire_redis(REDIS_URL="redis://cache:6379/0", CELERY_BROKER_URL="redis://broker:6379/0",
                      CELERY_RESULT_BACKEND="redis://resultats:6379/2")["resultats"] == "redis://resultats:6379/2"


def test_redis_url_alone_serves_cache_and_celery_as_before():
    assert lire_redis(REDIS_URL="redis://cache:6379/0") == {
        "cache": "redis://cache:6379/0", "broker": "redis://cache:6379/0",
        "resultats": "redis://cache:6379/0", "eager": False,
    }
    # Neither: local-memory cache, tasks run in-process, no result backend.
    assert lire_redis() == {"cache": None, "broker": "memory://", "resultats": None, "eager": True}


def test_defaults_are_the_embedded_configuration():
    result = start_django()
    assert result.returncode == 0, result.stderr


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("FLAG", "Yes")
    assert env.env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "0")
    assert env.env_bool("FLAG", True) is False
    monkeypatch.delenv("FLAG")
    assert env.env_bool("FLAG", True) is True


def test_env_int_enforces_its_minimum(monkeypatch):
    monkeypatch.setenv("N", "-1")
    with pytest.raises(ImproperlyConfigured, match="N=-1 must be at least 0"):
        env.env_int("N", 5, minimum=0)
