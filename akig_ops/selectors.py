"""Project-wide reads."""
import datetime

from akig_ops.models import Battement

# The runbook's alert "Impayés Critiques": more than 50 debts over 60 days late.
SEUIL_IMPAYES_CRITIQUES = 50


def battements() -> dict[str, datetime.datetime]:
    """Return {job name: its last success} for every job that has run at least once."""
    return dict(Battement.objects.values_list("nom", "dernier_succes"))


def resume_tableau_de_bord() -> dict:
    """Return the directors' headline figures (the /dashboard cards and /api/dashboard/resume):
    the debts' figures of recovery.selectors.impayes_chiffres_cles, the runbook's
    thresholds, the day they are computed for, and nb_agents_sous_5 (today's daily score)."""
    from django.utils import timezone

    from agents.selectors import SEUIL_SCORE, nb_agents_sous_seuil
    from recovery.selectors import RETARD_CRITIQUE, SEUIL_CONTENTIEUX, impayes_chiffres_cles

    jour = timezone.localdate()
    return {
        "jour": jour,
        "retard_critique": RETARD_CRITIQUE,
        "seuil_impayes_critiques": SEUIL_IMPAYES_CRITIQUES,
        "seuil_contentieux": SEUIL_CONTENTIEUX,
        "seuil_score": SEUIL_SCORE,
        **impayes_chiffres_cles(),
        "nb_agents_sous_5": nb_agents_sous_seuil(jour=jour),
    }
