"""The directors' headline figures as business gauges of /metrics (see akig_ops.lib.metriques)."""
from decimal import Decimal

from django.utils import timezone

from agents.selectors import nb_agents_sous_seuil
from akig_ops.lib.metriques import Jauge, jauges_metier
from escalations.selectors import seuils_alertes
from recovery.selectors import impayes_critiques_par_site


@jauges_metier
def tableau_de_bord() -> list[Jauge]:
    """The dashboard's headline figures with the rules' thresholds they are judged against
    (escalations.selectors.seuils_alertes, edited in the admin): impayés more than the overall
    rule's delay late (count, amount; the series of the alert "ImpayesCritiques", compared with
    akig_seuil_impayes_critiques), and the working agents whose score of the moment is under the
    score rule's threshold (as /agents/ flags them). Four queries, every minute: the rules, the
    runbook's first one (an index range on the due date), today's missions and actions."""
    seuils = seuils_alertes()
    par_site = impayes_critiques_par_site(retard_min=seuils["retard_critique"])
    return [
        Jauge.simple(
            "akig_impayes_critiques", "Impayés au-delà du retard de la règle « Impayés critiques »",
            sum(l["nb"] for l in par_site),
        ),
        Jauge.simple(
            "akig_impayes_critiques_montant_euros", "Montant dû sur ces impayés (€)",
            sum((l["montant"] for l in par_site), Decimal("0.00")),
        ),
        Jauge.simple(
            "akig_seuil_impayes_critiques", "Seuil de la règle « Impayés critiques » (nombre à dépasser)",
            seuils["seuil_impayes_critiques"],
        ),
        Jauge.simple(
            "akig_retard_critique_jours", "Retard (jours) de la règle « Impayés critiques »", seuils["retard_critique"],
        ),
        Jauge.simple(
            "akig_agents_score_sous_5", "Agents dont le score du moment est sous le seuil de la règle de score",
            nb_agents_sous_seuil(maintenant=timezone.now(), seuil=seuils["seuil_score"]),
        ),
        Jauge.simple("akig_seuil_score", "Seuil de la règle de score des agents (sur 10)", seuils["seuil_score"]),
    ]
