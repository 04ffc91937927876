"""Eager tasks in a background thread (no broker): a table locked by the request's own SQLite
connection is tried again, a real failure is not."""
import pytest
from django.db import OperationalError

from akig_ops.lib import taches


class TacheFactice:
    name = "factice"

    def __init__(self, erreurs):
        self.erreurs = list(erreurs)
        self.appels = 0

    def apply(self, args, kwargs):
        self.appels += 1
        if self.erreurs:
            raise self.erreurs.pop(0)


@pytest.fixture(autouse=True)
def _sans_attente(monkeypatch):
    monkeypatch.setattr(taches.time, "sleep", lambda s: None)


@pytest.fixture
def echecs(monkeypatch):
    """The failures logged (the logger's own throttling filter aside)."""
    journal = []
    monkeypatch.setattr(taches.logger, "exception", lambda message, **kw: journal.append(message))
    return journal


def test_a_locked_table_is_tried_again_until_the_task_runs(echecs):
    tache = TacheFactice([OperationalError("database table is locked")] * 2)
    taches._executer_en_fond(tache, (), {})
    assert (tache.appels, echecs) == (3, [])


def test_it_gives_up_after_the_last_try(echecs):
    tache = TacheFactice([OperationalError("database table is locked")] * taches.ESSAIS_SI_VERROUILLEE)
    taches._executer_en_fond(tache, (), {})
    assert tache.appels == taches.ESSAIS_SI_VERROUILLEE
    assert echecs == ["tache en arriere-plan en echec"]


def test_any_other_failure_is_not_tried_again(echecs):
    tache = TacheFactice([OperationalError("no such table: escalations_message"), ValueError("x")])
    taches._executer_en_fond(tache, (), {})
    assert tache.appels == 1
    assert echecs == ["tache en arriere-plan en echec"]
