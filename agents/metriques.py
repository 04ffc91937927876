"""The agents' business gauges and counters of /metrics (akig_ops.lib.metriques, .compteurs)."""
import datetime

from django.utils import timezone

from agents.models import Canal
from agents.selectors import derniers_scores_instantanes
from akig_ops.lib.compteurs import Compteur
from akig_ops.lib.metriques import Jauge, jauges_metier

# The positions the database stored (new ones), by the channel they came through: the
# field API, the trackers (agents.services.positions_enregistrer) and the CSV import.
POSITIONS_ENREGISTREES = Compteur.declarer(
    "akig_positions_enregistrees", "Positions GPS enregistrées (nouvelles), par canal d'arrivée",
    etiquette="canal", valeurs=tuple(Canal.values),
)
# Snapshots are taken every 5 minutes: one missed run still leaves a fresh one.
FRAICHEUR_INSTANTANE = datetime.timedelta(minutes=10)


@jauges_metier
def scores_instantanes() -> list[Jauge]:
    """Each working agent's intraday score (latest snapshot of the last 10 minutes), the
    series of the runbook's alert "Agent score < 5 pour 2h d'affilée" (AgentScoreBas): one
    series per agent, so Prometheus' `for: 2h` follows the same agent."""
    scores = derniers_scores_instantanes(depuis=timezone.now() - FRAICHEUR_INSTANTANE)
    return [
        Jauge(
            "akig_agent_score_instantane", "Score instantané de chaque agent en service (sur 10)",
            etiquettes=("agent",), valeurs={(code,): score for code, score in scores.items()},
        )
    ]
