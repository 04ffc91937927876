"""Project-wide writes."""
from django.utils import timezone

from akig_ops.models import Battement

# The heartbeats' names, one per periodic job (see Battement).
EVALUATION_ESCALADES = "escalades.evaluation"
SCORES_INSTANTANES = "agents.scores_instantanes"
INSTANTANES_SITES = "recovery.instantanes_sites"
SAUVEGARDE = "ops.sauvegarde"
# Not a success: the last failed backup (details: "erreur", "echecs" = failures so far),
# so that /metrics can count failures and alert on a backup newer than the last success.
SAUVEGARDE_ECHEC = "ops.sauvegarde.echec"


def battement_enregistrer(*, nom: str, details: dict | None = None) -> Battement:
    """Record that the job `nom` has just succeeded; return its heartbeat row."""
    battement, _ = Battement.objects.update_or_create(
        nom=nom, defaults={"dernier_succes": timezone.now(), "details": details or {}}
    )
    return battement
