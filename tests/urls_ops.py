"""Test-only routes: the project's URLs plus views that fail on purpose."""
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from akig_ops.lib.taches import tache_apres_commit
from akig_ops.tasks import metriques_metier_task
from akig_ops.urls import handler500  # noqa: F401 (Django reads it from the URLconf)
from akig_ops.urls import urlpatterns as urls_projet


def enfiler(request):
    """A page that enqueues a task, as a form that triggers a recomputation would."""
    tache_apres_commit(metriques_metier_task)
    return HttpResponse("enfilée")


def panne(request):
    raise RuntimeError("panne volontaire")


def requete_lente(request):
    """One query of 2 s (longer than the statement timeout the test sets)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2)")
    return HttpResponse("fini")


urlpatterns = [
    *urls_projet,
    path("test/enfiler/", enfiler),
    path("test/panne/", panne),
    path("test/lente/", requete_lente),
    path("api/test/lente", requete_lente),
]
