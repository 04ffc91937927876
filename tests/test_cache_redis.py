"""/api/dashboard/resume cached in the real Redis: MISS then HIT, a new generation after an
import, the business day in the key (skipped without REDIS_URL)."""
import datetime
import os
from io import StringIO

import pytest
import redis
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

pytestmark = [pytest.mark.redis, pytest.mark.django_db]
RESUME = "/api/dashboard/resume"
JETON = "jeton-ops-de-test-0123456789"


@pytest.fixture(autouse=True)
def _cache_vide(settings):
    settings.AKIG_OPS_TOKEN = JETON
    cache.clear()


def lire(client):
    return client.get(RESUME, HTTP_AUTHORIZATION=f"Bearer {JETON}")


def cles_resume() -> list[str]:
    brut = redis.Redis.from_url(os.environ["REDIS_URL"])
    return sorted(cle.decode() for cle in brut.keys("akig:1:resume_tableau_de_bord:*"))


def test_resume_miss_then_hit_from_the_real_redis(client, settings):
    settings.AKIG_VERSION = "2026.12.07-abc123"
    premier, second = lire(client), lire(client)

    assert (premier["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    (cle,) = cles_resume()
    # The release, the business day, then the generation.
    assert cle.startswith(f"akig:1:resume_tableau_de_bord:2026.12.07-abc123:{timezone.localdate():%Y-%m-%d}:")


# transaction=True: the import bumps the cache generation on commit (transaction.on_commit),
# which a test wrapped in one transaction never reaches.
@pytest.mark.django_db(transaction=True)
def test_resume_import_starts_a_new_generation(client, tmp_path):
    assert lire(client).json()["nb_critiques"] == 0
    assert lire(client)["X-Cache"] == "HIT"
    # When import_csv loads one debt of 800.00 € due 70 days ago (> 60: critical)
    echeance = timezone.localdate() - datetime.timedelta(days=70)
    (tmp_path / "sites.csv").write_text("code,nom,adresse,latitude,longitude,sensible\nS1,Alpha,1 rue A,48.85,2.35,0\n")
    (tmp_path / "locataires.csv").write_text("code,nom,telephone,site_code,logement\nL1,Marie Curie,,S1,A-1\n")
    (tmp_path / "impayes.csv").write_text(
        "reference,locataire_code,periode,montant_du,montant_paye,date_echeance\n"
        f"I1,L1,{echeance:%Y-%m},800.00,0,{echeance:%Y-%m-%d}\n"
    )
    call_command("import_csv", str(tmp_path), stdout=StringIO())

    # Then the next read is computed afresh, and cached again.
    apres = lire(client)
    assert apres["X-Cache"] == "MISS"
    assert (apres.json()["nb_critiques"], apres.json()["montant_critiques"]) == (1, "800.00")
    assert lire(client)["X-Cache"] == "HIT"


def test_resume_after_midnight_is_a_new_key(client):
    # 23:59 on the 26th then 00:01 on the 27th in Paris (UTC+1).
    with time_machine.travel(datetime.datetime(2026, 11, 26, 22, 59, tzinfo=datetime.UTC), tick=False):
        assert lire(client)["X-Cache"] == "MISS"
        assert lire(client)["X-Cache"] == "HIT"
    with time_machine.travel(datetime.datetime(2026, 11, 26, 23, 1, tzinfo=datetime.UTC), tick=False):
        assert lire(client)["X-Cache"] == "MISS"

    jours = [cle.split(":")[4] for cle in cles_resume()]  # akig:1:nom:release:day:…
    assert jours == ["2026-11-26", "2026-11-27"]
