"""The escalation workflow's gauges of /metrics (extension point: akig_ops.lib.metriques)."""
from akig_ops.lib.metriques import Jauge, jauges_metier
from escalations.selectors import escalades_ouvertes_par_regle, messages_en_attente, messages_en_echec


@jauges_metier
def escalades() -> list[Jauge]:
    """Open escalations per rule (0 for a quiet rule), emails waiting in the outbox (an
    outbox that grows is an SMTP outage) and emails failed for good (alert EmailsEnEchec)."""
    return [
        Jauge("akig_escalades_ouvertes", "Escalades ouvertes (déclenchées ou prises en charge), par règle",
              etiquettes=("regle",),
              valeurs={(code,): n for code, n in escalades_ouvertes_par_regle().items()}),
        Jauge.simple("akig_outbox_en_attente", "E-mails de la boîte d'envoi pas encore envoyés (hors échecs)",
                     messages_en_attente()),
        Jauge.simple("akig_outbox_en_echec", "E-mails de la boîte d'envoi en échec (toutes tentatives épuisées)",
                     messages_en_echec()),
    ]
