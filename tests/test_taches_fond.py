"""Eager tasks in a background thread (no broker) beside the request that published them: on
SQLite, one connection writes at a time, and the task's connection waits for the request's
write transaction to end (the busy timeout of settings) instead of failing."""
import os
import threading
import time

import pytest
from django.conf import settings
from django.db import connection, transaction

from akig_ops.celery import app
from akig_ops.lib.journal import id_requete_courante
from akig_ops.lib.taches import attendre_fond, tache_apres_commit
from recovery.models import Site
from tests.factories import SiteFactory

TENUE_S = 1.0  # how long the request keeps its write transaction open
_requete_ecrit = threading.Event()
_fin_ecriture_fond: list[float] = []


@app.task(name="tests.ecrire_un_site")
def ecrire_un_site(code: str) -> None:
    _requete_ecrit.wait(10)  # the request holds the write lock from here on
    SiteFactory(code=code)
    _fin_ecriture_fond.append(time.perf_counter())


@pytest.mark.django_db(transaction=True)
def test_a_background_task_waits_for_the_requests_write_transaction_then_writes(monkeypatch):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL verrouille des lignes, pas la base : la tâche n'attend rien de la requête")
    monkeypatch.setattr(app.conf, "task_always_eager", True)  # no broker, as on the embedded defaults
    _requete_ecrit.clear()
    _fin_ecriture_fond.clear()
    # Given a task published while serving a request (it runs in a background thread)…
    jeton = id_requete_courante.set("requete-test")
    try:
        tache_apres_commit(ecrire_un_site, "FOND")
    finally:
        id_requete_courante.reset(jeton)
    # …when the request writes, then keeps its transaction open for TENUE_S (its log, its session).
    with transaction.atomic():
        SiteFactory(code="REQUETE")
        _requete_ecrit.set()
        time.sleep(TENUE_S)
        fin_transaction = time.perf_counter()

    # Then the task waited for the commit and wrote after it, within the busy timeout.
    assert attendre_fond(10)
    assert sorted(Site.objects.values_list("code", flat=True)) == ["FOND", "REQUETE"]
    (fin_ecriture,) = _fin_ecriture_fond
    assert fin_ecriture >= fin_transaction
    assert TENUE_S < connection.settings_dict["OPTIONS"]["timeout"]


def test_the_sqlite_test_database_is_a_file_of_this_process():
    """Not SQLite's in-memory default (its shared cache refuses the task's write at once), and
    not another suite's: several run at once on a developer's machine."""
    reglages = settings.DATABASES["default"]
    if reglages["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("la base de test SQLite seulement")
    nom = str(reglages["TEST"]["NAME"])
    assert nom.endswith(f"_{os.getpid()}.sqlite3") and settings.BASE_DIR.name in nom
