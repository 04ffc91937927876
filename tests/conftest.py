import os
from pathlib import Path

import pytest
from django.db import connection


def pytest_configure(config):
    """Plain HTTP in tests: production's default (HTTPS=1) redirects to HTTPS, and the live
    server's SecurityMiddleware reads the setting once, before any fixture could change it.
    On SQLite, the test databases that crashed runs of this checkout left behind go first."""
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False
    nom = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and nom:
        sqlite_orphelines_supprimer(Path(nom))


def sqlite_orphelines_supprimer(base: Path) -> list[Path]:
    """Remove the test databases (and their -wal, -shm) named as `base` (…_<pid>.sqlite3) whose
    process is gone: a run killed before Django destroyed its database. A live process's file,
    another checkout's, or a name without a pid stay. Return the files removed."""
    prefixe, _, suffixe = base.name.rpartition("_")
    if not suffixe.removesuffix(".sqlite3").isdigit():
        return []
    supprimes = []
    for fichier in sorted(base.parent.glob(f"{prefixe}_*.sqlite3*")):
        pid = fichier.name[len(prefixe) + 1:].split(".sqlite3")[0]
        if not pid.isdigit() or _vivant(int(pid)):
            continue
        fichier.unlink(missing_ok=True)
        supprimes.append(fichier)
    return supprimes


def _vivant(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def pytest_collection_modifyitems(config, items):
    """Skip tests marked for a service that this configuration does not run."""
    for item in items:
        if "postgresql" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs Redis (REDIS_URL)"))


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Pages render without `collectstatic` (the manifest storage needs its manifest) and
    test logins hash their passwords fast (plain HTTP: see pytest_configure)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _cache_vide():
    """Every test starts on an empty cache: cached pages and figures are keyed on ids, which
    SQLite hands out again after a rolled-back test (and sessions live there too, cached_db)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _sequences_a_zero():
    """factory_boy's counters live as long as the process: without this, a code built by a
    factory depended on how many earlier tests had used it, and met a code a test wrote by hand
    (AG007) only in some orders of the files."""
    from tests.factories import sequences_remettre_a_zero

    sequences_remettre_a_zero()
