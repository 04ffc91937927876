"""Project-wide writes."""
from django.utils import timezone

from akig_ops.lib.metriques import jauges_metier_calculer
from akig_ops.models import Battement, EntreeAudit, TypeAudit

# The heartbeats' names, one per periodic job (see Battement).
EVALUATION_ESCALADES = "escalades.evaluation"
SCORES_INSTANTANES = "agents.scores_instantanes"
INSTANTANES_SITES = "recovery.instantanes_sites"
ROULEMENTS = "recovery.roulements"
SAUVEGARDE = "ops.sauvegarde"
# Not a success: the last failed backup (details: "erreur", "echecs" = failures so far),
# so that /metrics can count failures and alert on a backup newer than the last success.
SAUVEGARDE_ECHEC = "ops.sauvegarde.echec"
# The business gauges of /metrics (akig_ops.lib.metriques), computed by a beat task.
METRIQUES_METIER = "ops.metriques"


def battement_enregistrer(*, nom: str, details: dict | None = None) -> Battement:
    """Record that the job `nom` has just succeeded; return its heartbeat row."""
    battement, _ = Battement.objects.update_or_create(
        nom=nom, defaults={"dernier_succes": timezone.now(), "details": details or {}}
    )
    return battement


def metriques_metier_enregistrer() -> Battement:
    """Compute every app's business gauges (akig_ops.lib.metriques) and store them in the
    heartbeat METRIQUES_METIER, where /metrics reads them; return that heartbeat row."""
    return battement_enregistrer(nom=METRIQUES_METIER, details=jauges_metier_calculer())


def audit_enregistrer(*, type: TypeAudit, request=None, user=None, identifiant: str = "", objet: str = "",
                      details: dict | None = None) -> EntreeAudit:
    """Write one line of the audit log (who, from which address, what) and return it. `user`
    defaults to the request's logged-in user; `identifiant` to that user's login."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    if user is not None and not user.is_authenticated:
        user = None
    return EntreeAudit.objects.create(
        type=type, utilisateur=user, identifiant=(identifiant or (user.get_username() if user else ""))[:150],
        adresse=request.META.get("REMOTE_ADDR") or None if request is not None else None,
        objet=objet[:300], details=details or {},
    )
