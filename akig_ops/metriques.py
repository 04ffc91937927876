"""The directors' headline figures as business gauges of /metrics (see akig_ops.lib.metriques)."""
from akig_ops.lib.metriques import Jauge, jauges_metier
from akig_ops.selectors import resume_tableau_de_bord


@jauges_metier
def tableau_de_bord() -> list[Jauge]:
    """Impayés more than 60 days late (count, amount), the series of the runbook's alert
    "Impayés critiques", and the dashboard's count of agents whose daily score is under 5
    (the alert "Performance agents" reads agents/metriques.py's intraday scores instead)."""
    resume = resume_tableau_de_bord()
    return [
        Jauge.simple("akig_impayes_critiques", "Impayés de plus de 60 jours de retard", resume["nb_critiques"]),
        Jauge.simple(
            "akig_impayes_critiques_montant_euros", "Montant dû sur les impayés de plus de 60 jours (€)",
            resume["montant_critiques"],
        ),
        Jauge.simple("akig_agents_score_sous_5", "Agents dont le score du jour est sous 5", resume["nb_agents_sous_5"]),
    ]
