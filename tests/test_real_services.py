"""The real Redis and a real Celery worker, as production runs them (skipped without REDIS_URL)."""
import datetime
import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from agents.models import PerformanceHistorique
from agents.tasks import compute_performance_task
from tests.factories import ActionFactory, AgentFactory


@pytest.mark.redis
def test_cache_round_trips_through_the_real_redis():
    key = f"test-{uuid.uuid4()}"
    cache.set(key, {"impayes": 51}, timeout=30)

    raw = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert raw.exists(f"akig:1:{key}") == 1, "the value lives in Redis, not in process memory"
    assert cache.get(key) == {"impayes": 51}
    cache.delete(key)


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` on a private queue, on the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "akig_ops", "worker", "--pool=solo",
         "-Q", queue, "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    yield queue
    worker.terminate()
    worker.wait(timeout=30)


@pytest.mark.redis
@pytest.mark.postgresql
def test_worker_computes_yesterdays_closed_performance_through_redis(celery_worker_process):
    # The worker reads the real clock: today's score is the score of the moment, which changes
    # with the hour (and is not there yet before ~09:15), so the day checked is yesterday, which
    # beat's task recomputes too and which is closed at any hour (its final score).
    # Given an agent with, yesterday: 4 visits at the door, of which 1 promise, 1 payment of 80 €, 1 refusal.
    agent = AgentFactory()
    hier = timezone.localdate() - datetime.timedelta(days=1)
    hier_midi = timezone.make_aware(datetime.datetime.combine(hier, datetime.time(12)))
    for type_action, montant in [("visite", "0"), ("promesse", "0"), ("paiement", "80.00"), ("refus", "0")]:
        ActionFactory(agent=agent, type_action=type_action, montant_recouvre=Decimal(montant), date_action=hier_midi)

    # When beat's task runs on a real worker
    result = compute_performance_task.apply_async(queue=celery_worker_process)
    result.get(timeout=60)

    # Then (docs/score.md, a closed day: 8 visits expected; 4 pretend answers, half favourable):
    # favourable = 1 promise + 1 payment, answers = 3; score = 4 × min(1, 4/8) + 6 × (2 + 2) / (3 + 4)
    # = 2 + 24/7 = 5.428… → 5.43
    row = PerformanceHistorique.objects.get(agent=agent, date_stat=hier)
    assert (row.visites, row.promesses, row.paiements, row.refus) == (4, 1, 1, 1)
    assert row.score == Decimal("5.43")
    assert row.montant_recouvre == Decimal("80.00")
