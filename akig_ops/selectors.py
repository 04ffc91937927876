"""Project-wide reads."""
import datetime

from django.conf import settings
from django.utils import timezone

from akig_ops.lib import sondes
from akig_ops.models import Battement
from akig_ops.services import EVALUATION_ESCALADES, SCORES_INSTANTANES

# The runbook's alert "Impayés Critiques": more than 50 debts over 60 days late.
SEUIL_IMPAYES_CRITIQUES = 50


def battements() -> dict[str, datetime.datetime]:
    """Return {job name: its last success} for every job that has run at least once."""
    return dict(Battement.objects.values_list("nom", "dernier_succes"))


def resume_tableau_de_bord(*, agregats: dict[int, dict] | None = None) -> dict:
    """Return the directors' headline figures (the /dashboard cards and /api/dashboard/resume):
    the debts' figures of recovery.selectors.impayes_chiffres_cles, the runbook's
    thresholds, the day they are computed for, and nb_agents_sous_5 (today's daily score).
    `agregats`: recovery.selectors.impayes_agreges(min_retard=60), if the caller has it."""
    from agents.selectors import SEUIL_SCORE, nb_agents_sous_seuil
    from recovery.selectors import RETARD_CRITIQUE, SEUIL_CONTENTIEUX, impayes_chiffres_cles

    jour = timezone.localdate()
    return {
        "jour": jour,
        "retard_critique": RETARD_CRITIQUE,
        "seuil_impayes_critiques": SEUIL_IMPAYES_CRITIQUES,
        "seuil_contentieux": SEUIL_CONTENTIEUX,
        "seuil_score": SEUIL_SCORE,
        **impayes_chiffres_cles(agregats=agregats),
        "nb_agents_sous_5": nb_agents_sous_seuil(jour=jour),
    }


# Heartbeats /api/health always shows, with a null age until the job first runs: the
# escalation evaluation (the watch on the watcher) and the agents' score snapshots.
BATTEMENTS_SURVEILLES = (EVALUATION_ESCALADES, SCORES_INSTANTANES)


def sante() -> dict:
    """Return /api/health's body: {statut, database, cache, broker, battements, version}.

    statut is "ok", "degrade" (the cache or the broker is down: slower, still serving) or
    "indisponible" (no database); battements maps each job to {dernier_succes, age_secondes}.
    """
    etats = {"database": sondes.etat_base(), "cache": sondes.etat_cache(), "broker": sondes.etat_broker()}
    derniers = dict.fromkeys(BATTEMENTS_SURVEILLES)
    if etats["database"] == sondes.CONNECTE:
        derniers.update(battements())
    maintenant = timezone.now()
    if etats["database"] != sondes.CONNECTE:
        statut = "indisponible"
    elif sondes.INDISPONIBLE in etats.values():
        statut = "degrade"
    else:
        statut = "ok"
    return {
        "statut": statut,
        **etats,
        "battements": {
            nom: {
                "dernier_succes": instant.isoformat() if instant else None,
                "age_secondes": round((maintenant - instant).total_seconds()) if instant else None,
            }
            for nom, instant in sorted(derniers.items())
        },
        "version": settings.AKIG_VERSION or "dev",
    }
