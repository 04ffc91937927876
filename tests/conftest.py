import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    """Skip tests marked for a service that this configuration does not run."""
    import os

    for item in items:
        if "postgresql" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL)"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            item.add_marker(pytest.mark.skip(reason="needs Redis (REDIS_URL)"))
