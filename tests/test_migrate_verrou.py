"""`manage.py migrate` under a PostgreSQL advisory lock: hosts started together migrate one at
a time (akig_ops/management/commands/migrate.py)."""
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection

from tests.test_sauvegarde import _verrou_tenu_ailleurs


@pytest.mark.postgresql
def test_migrate_waits_for_the_host_that_migrates_then_finds_nothing_to_do(transactional_db):
    fini = threading.Event()

    def migrer():
        try:
            call_command("migrate", verbosity=0)
        finally:
            connection.close()  # this thread's own connection
            fini.set()

    autre_hote = _verrou_tenu_ailleurs("akig:migrate")
    fil = threading.Thread(target=migrer)
    fil.start()
    try:
        assert not fini.wait(2)  # waits for the lock while another host migrates
    finally:
        autre_hote.close()  # that host is done: its session, and its lock, end
    assert fini.wait(60)
    fil.join()
