"""What one request of each page of `make loadtest`'s mix costs, in process: queries, CPU, bytes.

`.venv/bin/python ops/profil_pages.py` (configured database, the small demo loaded; DEBUG off):
each page once to warm the cache, then N=20 times, printing its queries (connection.queries), the
median CPU milliseconds of this process (time.process_time: the machine's load hardly moves it)
and its size. `ops/profil_pages.py --profil PAGE` prints pyinstrument's profile of N requests of
one page (its path as listed, e.g. /agents/1/). The figures are in docs/scaling.md ("Débit").
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(DEBUG="0", HTTPS="0", ALLOWED_HOSTS="testserver", LOG_LEVEL="WARNING")
os.environ.setdefault("SECRET_KEY", "profil-only")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akig_ops.settings")
N = int(os.environ.get("N", "20"))


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agents.models import Agent
    from donnees.demo.profils import CHEF_PREMIERE_EQUIPE as chef
    from recovery.models import Site

    agent = Agent.objects.filter(actif=True, equipe__chef__username=chef).order_by("code").first().pk
    site = Site.objects.order_by("code").first().pk
    pages = [("direction", "/dashboard/"), ("direction", "/dashboard/impayes?filter=retard:60%2B"),
             ("direction", f"/dashboard/sites/{site}/"), ("direction", "/agents/"), ("direction", f"/agents/{agent}/"),
             ("direction", "/escalations/"), ("direction", "/api/dashboard/resume"),
             (chef, "/agents/"), (chef, f"/agents/{agent}/"), (chef, "/escalations/")]
    clients = {}
    for login in ("direction", chef):
        clients[login] = Client()
        clients[login].force_login(get_user_model().objects.get(username=login),
                                   backend="django.contrib.auth.backends.ModelBackend")
    if "--profil" in sys.argv:
        from pyinstrument import Profiler

        chemin = sys.argv[sys.argv.index("--profil") + 1]
        client = clients[chef if chemin.startswith("/agents/") else "direction"]
        client.get(chemin)
        profil = Profiler(interval=0.0005)
        with profil:
            for _ in range(N):
                client.get(chemin)
        print(profil.output_text(unicode=True, color=False))
        return
    print(f"{'rôle':18} {'page':42} {'requêtes SQL':>12} {'CPU (ms)':>9} {'octets':>8}")
    for login, chemin in pages:
        client = clients[login]
        client.get(chemin)
        cpu = []
        for _ in range(N):
            with CaptureQueriesContext(connection) as requetes:
                debut = time.process_time()
                reponse = client.get(chemin)
                cpu.append(1000 * (time.process_time() - debut))
        assert reponse.status_code == 200, (chemin, reponse.status_code)
        print(f"{login:18} {chemin:42} {len(requetes.captured_queries):>12} {statistics.median(cpu):9.1f} "
              f"{len(reponse.content):>8}")


if __name__ == "__main__":
    main()
