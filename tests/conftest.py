import os

import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Skip tests marked for a service that this configuration does not run."""
    for item in items:
        if "postgresql" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs Redis (REDIS_URL)"))


@pytest.fixture(autouse=True)
def _test_settings(settings):
    """Pages render without `collectstatic` (the manifest storage needs its manifest),
    test logins hash their passwords fast, and the test client's plain HTTP is not redirected
    to HTTPS (production's default, HTTPS=1)."""
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
