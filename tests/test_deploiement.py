"""docker-compose.yml against the runbooks' names and the settings the app reads.

No Docker engine runs here: the compose file is parsed, its variables interpolated as
compose does, and the app's settings are loaded in a subprocess with its environment.
"""
import configparser
import json
import re
import subprocess
import sys
from pathlib import Path

import environ
import pytest
import yaml
from django.conf import settings

from tests.redis_prive import RedisPrive, sans_redis_server

RACINE = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((RACINE / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
APP = ("backend", "worker", "beat")
# What an operator puts in .env; every other value comes from the compose file.
SECRETS = {"AKIG_DB_PASSWORD": "mot-de-passe-db", "SECRET_KEY": "cle-de-production", "AKIG_OPS_TOKEN": "jeton-ops"}


def interpoler(valeur: str) -> str:
    """Compose's `${VAR:?}` (required: from SECRETS) and `${VAR:-default}`."""
    def remplacer(trouve):
        nom, operateur, defaut = trouve.groups()
        return SECRETS[nom] if operateur == ":?" else defaut

    return re.sub(r"\$\{(\w+)(:\?|:-)([^}]*)\}", remplacer, valeur)


def environnement(service: str) -> dict[str, str]:
    return {nom: interpoler(str(valeur)) for nom, valeur in SERVICES[service]["environment"].items()}


def settings_lus() -> set[str]:
    """The environment variables akig_ops/settings.py reads (through akig_ops/lib/env.py)."""
    source = (RACINE / "akig_ops" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env_\w+\(\s*"([A-Z0-9_]+)"', source))


def test_compose_uses_the_runbooks_container_names():
    noms = {service: definition["container_name"] for service, definition in SERVICES.items()}

    # `psql -h postgres`, `docker-compose up -d redis`: the services keep those host names.
    assert noms == {
        "postgres": "akig-db", "redis": "akig-cache", "broker": "akig-broker", "backend": "akig-backend",
        "worker": "akig-worker", "beat": "akig-beat",
    }


def test_every_service_has_a_healthcheck_and_the_app_waits_for_healthy_services():
    assert all(definition["healthcheck"]["test"] for definition in SERVICES.values())
    for service in APP:
        assert SERVICES[service]["depends_on"] == {
            "postgres": {"condition": "service_healthy"}, "redis": {"condition": "service_healthy"},
            "broker": {"condition": "service_healthy"},
        }
    # Beat only needs its broker: its healthcheck pings that server, not the cache.
    assert "os.environ['CELERY_BROKER_URL']" in " ".join(SERVICES["beat"]["healthcheck"]["test"])
    sante = " ".join(SERVICES["backend"]["healthcheck"]["test"])
    assert "http://127.0.0.1:4000/api/health" in sante and "'connected'" in sante


def test_akig_db_is_postgres_16_alpine_on_the_volume_the_runbook_mounts():
    db = SERVICES["postgres"]
    dockerfile = (RACINE / "ops" / "deploy" / db["build"]["dockerfile"]).read_text(encoding="utf-8")

    assert re.search(r"^FROM postgres:16-alpine$", dockerfile, flags=re.MULTILINE)
    assert "postgres_data:/var/lib/postgresql/data" in db["volumes"]
    # Without `name:`, compose would call it akig_postgres_data and the runbook's
    # `docker run -v postgres_data:…` would open an empty volume.
    assert COMPOSE["volumes"]["postgres_data"] == {"name": "postgres_data"}
    # The runbook's `psql -U akig_user -d akig`.
    assert (environnement("postgres")["POSTGRES_USER"], environnement("postgres")["POSTGRES_DB"]) == ("akig_user", "akig")


def test_akig_db_archives_its_wal_to_the_pgbackrest_stanza_it_is_configured_for():
    conf = configparser.ConfigParser(interpolation=None)
    conf.read(RACINE / "ops" / "deploy" / "pgbackrest.conf", encoding="utf-8")
    commande = SERVICES["postgres"]["command"]
    options = dict(valeur.split("=", 1) for precedent, valeur in zip(commande, commande[1:]) if precedent == "-c")

    (stanza,) = [section for section in conf.sections() if section != "global"]
    assert options["archive_command"] == f"pgbackrest --stanza={stanza} archive-push %p"
    assert options["archive_mode"] == "on"
    assert conf[stanza]["pg1-path"] == "/var/lib/postgresql/data"
    assert conf[stanza]["pg1-user"] == environnement("postgres")["POSTGRES_USER"]
    assert f"pgbackrest_repo:{conf['global']['repo1-path']}" in SERVICES["postgres"]["volumes"]


def test_akig_cache_is_a_bounded_lru_redis():
    commande = SERVICES["redis"]["command"]

    assert commande[commande.index("--maxmemory") + 1] == "512mb"
    assert commande[commande.index("--maxmemory-policy") + 1] == "allkeys-lru"


def options_redis(service: str) -> list[str]:
    """The service's redis-server arguments, as its container runs them."""
    commande = SERVICES[service]["command"]
    assert commande[0] == "redis-server"
    return commande[1:]


def test_akig_broker_never_evicts_and_keeps_its_queue_on_a_volume():
    commande = options_redis("broker")

    assert commande[commande.index("--maxmemory-policy") + 1] == "noeviction"
    assert commande[commande.index("--appendonly") + 1] == "yes"
    # The image's working directory (/data) is where the append-only file goes: on a named volume.
    assert "broker_data:/data" in SERVICES["broker"]["volumes"]
    assert "broker_data" in COMPOSE["volumes"]


@sans_redis_server
@pytest.mark.parametrize("service, file_apres_redemarrage", [("broker", 1), ("redis", 0)])
def test_a_queued_task_survives_a_restart_of_the_broker_not_of_the_cache(tmp_path, service, file_apres_redemarrage):
    # The service's own arguments, run by a real redis-server on a spare port.
    serveur = RedisPrive(options=options_redis(service), dossier=tmp_path)
    serveur.demarrer()
    try:
        # One message in Celery's default queue (a list named "celery"), then a restart.
        serveur.client().lpush("celery", b'{"task": "escalations.tasks.escalade_notifier_task"}')
        serveur.arreter()
        serveur.demarrer()
        assert serveur.client().llen("celery") == file_apres_redemarrage
    finally:
        serveur.arreter()


def test_akig_backend_serves_gunicorn_on_port_4000():
    backend = SERVICES["backend"]

    assert backend["ports"] == ["4000:4000"]
    assert "exec gunicorn akig_ops.wsgi --bind 0.0.0.0:4000" in backend["command"][-1]
    assert SERVICES["worker"]["command"][:4] == ["celery", "-A", "akig_ops", "worker"]
    assert SERVICES["beat"]["command"][:4] == ["celery", "-A", "akig_ops", "beat"]


def test_app_environment_names_only_settings_the_app_reads():
    for service in APP:
        inconnus = set(environnement(service)) - settings_lus()
        assert not inconnus, f"{service} sets variables no setting reads: {inconnus}"


def test_app_environment_points_at_the_compose_services():
    env = environnement("backend")
    base = environ.Env.db_url_config(env["DATABASE_URL"])
    db = environnement("postgres")

    assert (base["HOST"], base["PORT"], base["NAME"], base["USER"], base["PASSWORD"]) == (
        "postgres", 5432, db["POSTGRES_DB"], db["POSTGRES_USER"], db["POSTGRES_PASSWORD"],
    )
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    # Celery's queue on akig-broker, not on the cache that evicts.
    assert env["CELERY_BROKER_URL"] == "redis://broker:6379/0"
    # The worker runs beat's 02:00 dump: the backup directory is on the host, as the runbook lists it.
    assert f"/backups/postgres:{env['AKIG_BACKUP_DIR']}" in SERVICES["worker"]["volumes"]


@pytest.mark.parametrize("service", APP)
def test_settings_load_from_the_compose_environment(service):
    # The app's settings, loaded in a fresh interpreter with only the compose environment.
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'host': s.DATABASES['default']['HOST'], "
        "'cache': s.CACHES['default']['LOCATION'], 'broker': s.CELERY_BROKER_URL, "
        "'resultats': s.CELERY_RESULT_BACKEND, "
        "'static': s.STORAGES['staticfiles']['BACKEND'], 'backups': str(s.AKIG_BACKUP_DIR), "
        "'retention': s.AKIG_BACKUP_RETENTION_JOURS, 'tz': s.TIME_ZONE, 'https': s.HTTPS, "
        "'jeton': s.AKIG_OPS_TOKEN, 'multiproc': s.PROMETHEUS_MULTIPROC_DIR}))"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "akig_ops.settings", **environnement(service)}
    sortie = subprocess.run([sys.executable, "-c", code], cwd=RACINE, env=env, capture_output=True, text=True,
                            check=True)

    assert json.loads(sortie.stdout) == {
        "debug": False, "host": "postgres", "cache": "redis://redis:6379/0",
        "broker": "redis://broker:6379/0", "resultats": "redis://broker:6379/0",
        # Compressed static files (WhiteNoise serves the .gz collected into the image).
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "backups": "/backups/postgres", "retention": 30, "tz": "Europe/Paris", "https": False,
        "jeton": "jeton-ops", "multiproc": "/tmp/prometheus" if service == "backend" else "",
    }
