"""Project-wide reads: the jobs' heartbeats and /api/health."""
import datetime

from django.conf import settings
from django.utils import timezone

from akig_ops.celery import app
from akig_ops.lib import replique, sondes
from akig_ops.models import Battement, EntreeAudit
from akig_ops.services import EVALUATION_ESCALADES, SCORES_INSTANTANES

def battements() -> dict[str, datetime.datetime]:
    """Return {job name: its last success} for every job that has run at least once."""
    return dict(Battement.objects.values_list("nom", "dernier_succes"))


# Heartbeats /api/health always shows, with a null age until the job first runs: the
# escalation evaluation (the watch on the watcher) and the agents' score snapshots.
BATTEMENTS_SURVEILLES = (EVALUATION_ESCALADES, SCORES_INSTANTANES)


def sante() -> dict:
    """Return /api/health's body: {statut, database, cache, broker, replica, battements, version}.

    statut is "ok", "degrade" (the cache or the broker is down, or the replica cannot take the
    analytics: slower, still serving) or "indisponible" (no database); replica is
    {etat, retard_secondes, retard_max_secondes} (akig_ops.lib.replique.etat_pour_sante);
    battements maps each job to {dernier_succes, age_secondes}.
    """
    etats = {"database": sondes.etat_base(), "cache": sondes.etat_cache(), "broker": sondes.etat_broker(app=app)}
    etat_replique = replique.etat_pour_sante()
    derniers = dict.fromkeys(BATTEMENTS_SURVEILLES)
    if etats["database"] == sondes.CONNECTE:
        derniers.update(battements())
    maintenant = timezone.now()
    if etats["database"] != sondes.CONNECTE:
        statut = "indisponible"
    elif sondes.INDISPONIBLE in etats.values() or etat_replique["etat"] not in (replique.CONNECTE, replique.ABSENTE):
        statut = "degrade"
    else:
        statut = "ok"
    return {
        "statut": statut,
        **etats,
        "replica": etat_replique,
        "battements": {
            nom: {
                "dernier_succes": instant.isoformat() if instant else None,
                "age_secondes": round((maintenant - instant).total_seconds()) if instant else None,
            }
            for nom, instant in sorted(derniers.items())
        },
        "version": settings.AKIG_VERSION or "dev",
    }


def journal_audit(*, type: str = "", identifiant: str = "", jour: datetime.date | None = None):
    """Return the audit log's lines, newest first, filtered by type, login (contains, any
    case) and business day; a queryset, for the page's paginator."""
    entrees = EntreeAudit.objects.select_related("utilisateur")
    if type:
        entrees = entrees.filter(type=type)
    if identifiant:
        entrees = entrees.filter(identifiant__icontains=identifiant)
    if jour is not None:
        debut = timezone.make_aware(datetime.datetime.combine(jour, datetime.time.min))
        entrees = entrees.filter(instant__gte=debut, instant__lt=debut + datetime.timedelta(days=1))
    return entrees.order_by("-instant", "-id")
