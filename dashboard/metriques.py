"""The directors' headline figures as business gauges of /metrics (see akig_ops.lib.metriques)."""
from decimal import Decimal

from django.utils import timezone

from agents.selectors import SEUIL_SCORE, nb_agents_sous_seuil
from akig_ops.lib.metriques import Jauge, jauges_metier
from recovery.selectors import impayes_critiques_par_site


@jauges_metier
def tableau_de_bord() -> list[Jauge]:
    """Impayés more than 60 days late (count, amount), the series of the runbook's alert
    "Impayés critiques", and the dashboard's count of working agents whose score of the moment
    is under 5 (as /agents/ flags them). Three queries, every minute: the runbook's first one
    (an index range on the due date), and today's missions and actions; not the full summary.""" 
    par_site = impayes_critiques_par_site()
    return [
        Jauge.simple("akig_impayes_critiques", "Impayés de plus de 60 jours de retard", sum(l["nb"] for l in par_site)),
        Jauge.simple(
            "akig_impayes_critiques_montant_euros", "Montant dû sur les impayés de plus de 60 jours (€)",
            sum((l["montant"] for l in par_site), Decimal("0.00")),
        ),
        Jauge.simple(
            "akig_agents_score_sous_5", "Agents dont le score du moment est sous 5",
            nb_agents_sous_seuil(maintenant=timezone.now(), seuil=SEUIL_SCORE),
        ),
    ]
