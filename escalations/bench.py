"""Bench sections of the escalation workflow (manage.py bench, akig_ops/lib/bench.py).

Everything runs inside a transaction that is rolled back: the bench database keeps no
escalation, no snapshot and sends no email (on_commit never fires). The large seed has no
intraday score snapshots (the scores_instantanes task writes them): the section adds one every 5 minutes
for the last 2 h 15 of a working morning for every active agent, a third of them under 5,
inside the same rolled-back transaction.
"""
import datetime
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agents.models import Agent, AgentGeolocalisation, ScoreInstantane
from akig_ops.lib.bench import Banc, chronometrer, sql_brut
from escalations.models import Escalade
from escalations.rapports import pdf_rendre
from escalations.selectors import seuils_alertes
from escalations.services import escalades_evaluer

SQL_IMPAYES_PAR_SITE = """
SELECT site_id, COUNT(*), SUM(montant) FROM impayes
WHERE EXTRACT(DAY FROM CURRENT_DATE - date_echeance) > %(retard)s
GROUP BY site_id ORDER BY 3 DESC"""
SQL_AGENTS_ASSIGNES = """
SELECT agent_id, COUNT(*) FROM missions
WHERE site_id IN (SELECT site_id FROM impayes WHERE EXTRACT(DAY FROM CURRENT_DATE - date_echeance) > %(retard)s)
AND status = 'non_complete' GROUP BY agent_id"""
SQL_CONTENTIEUX = """
SELECT locataire_id, SUM(montant) FROM impayes GROUP BY locataire_id HAVING SUM(montant) > %(seuil)s"""
SQL_SCORES_FENETRE = """
SELECT agent_id, instant, score FROM scores_instantanes
WHERE instant > %s AND instant <= %s ORDER BY agent_id, instant"""
SQL_HISTORIQUE = """
SELECT date_stat, score, visites, promesses, paiements, refus FROM performance_historique
WHERE agent_id = %s ORDER BY date_stat DESC LIMIT 7"""
SQL_POSITIONS = """
SELECT timestamp, latitude, longitude FROM agent_geolocalisation
WHERE agent_id = %s AND timestamp > %s ORDER BY timestamp DESC"""
SQL_ACTIONS = """
SELECT type_action, statut, resultat, montant_recouvre FROM recouvrement_actions
WHERE agent_id = %s AND date_action >= %s AND date_action < %s"""


class _Annuler(Exception):
    pass


def _cpu(banc: Banc, nom: str, fonction, repetitions: int = 5) -> None:
    """The worker's own CPU time (process_time) per run: what the PDF costs the worker,
    whatever the other processes sharing the machine's cores are doing."""
    durees = []
    for _ in range(repetitions):
        debut = time.process_time()
        fonction()
        durees.append((time.process_time() - debut) * 1000)
    durees.sort()
    banc.ecrire(f"  {nom:<58} CPU du worker p50 {durees[len(durees) // 2]:8.1f} ms  max {durees[-1]:8.1f} ms")


def _matin_ouvre() -> datetime.datetime:
    """11:00 (business time) on the last working day up to today."""
    jour = timezone.localdate()
    while jour.isoweekday() > 5:
        jour -= datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(11)), timezone.get_default_timezone())


def _instantanes(maintenant: datetime.datetime) -> int:
    """Snapshots every 5 min for 2 h 15 for every active agent; one agent in three under 5."""
    lignes = []
    for i, agent_id in enumerate(Agent.objects.filter(actif=True).values_list("pk", flat=True)):
        score = Decimal("3.50") if i % 3 == 0 else Decimal("6.50")
        for pas in range(28):
            lignes.append(ScoreInstantane(agent_id=agent_id, instant=maintenant - datetime.timedelta(minutes=5 * pas),
                                          score=score))
    ScoreInstantane.objects.bulk_create(lignes, batch_size=5000, ignore_conflicts=True)
    return len(lignes)


def escalades(banc: Banc) -> None:
    maintenant = _matin_ouvre()
    try:
        with transaction.atomic():
            nb = _instantanes(maintenant)
            banc.ecrire(f"  ({nb} scores instantanés ajoutés dans la transaction annulée, à {maintenant:%d/%m %H:%M})")
            debut = time.perf_counter()
            bilan = escalades_evaluer(maintenant=maintenant)
            banc.ecrire(f"  première évaluation (déclenche) : {(time.perf_counter() - debut) * 1000:.0f} ms, {bilan}")
            banc.resultat("évaluation de toutes les règles (régime établi)",
                          chronometrer(lambda: escalades_evaluer(maintenant=maintenant), repetitions=10, echauffement=1),
                          cible_ms=1000)
            fenetre = (maintenant - datetime.timedelta(minutes=130), maintenant)
            # The runbook's SQL with the rules' delay and legal threshold (its 60 and 10000 by default).
            seuils = seuils_alertes()
            parametres = {"retard": seuils["retard_critique"], "seuil": seuils["seuil_contentieux"]}
            banc.resultat("  SQL : runbook impayés par site",
                          chronometrer(sql_brut(SQL_IMPAYES_PAR_SITE, parametres), repetitions=10))
            banc.resultat("  SQL : scores instantanés de la fenêtre",
                          chronometrer(sql_brut(SQL_SCORES_FENETRE, fenetre), repetitions=10))

            globale = Escalade.objects.filter(regle__code="impayes-critiques").first()
            if globale is not None:
                banc.resultat("PDF impayés critiques (ensemble des sites)", chronometrer(
                    lambda: pdf_rendre(type_rapport="impayes", escalade=globale), repetitions=10, echauffement=1),
                    cible_ms=3000)
                _, pages = pdf_rendre(type_rapport="impayes", escalade=globale)
                banc.ecrire(f"  ({pages} pages)")
                _cpu(banc, "PDF impayés critiques", lambda: pdf_rendre(type_rapport="impayes", escalade=globale))
                for titre, sql in (("  SQL : runbook impayés par site", SQL_IMPAYES_PAR_SITE),
                                   ("  SQL : runbook agents assignés", SQL_AGENTS_ASSIGNES),
                                   ("  SQL : liste juridique", SQL_CONTENTIEUX)):
                    banc.resultat(titre, chronometrer(sql_brut(sql, parametres), repetitions=5))

            agent_esc = Escalade.objects.filter(regle__code="score-agent-bas").order_by("agent_id").first()
            if agent_esc is not None:
                # The agent's report at the time of their latest position (the seed's last trail).
                dernier = (AgentGeolocalisation.objects.filter(agent_id=agent_esc.agent_id)
                           .order_by("-timestamp").values_list("timestamp", flat=True).first()) or maintenant
                banc.resultat("PDF performance agent", chronometrer(
                    lambda: pdf_rendre(type_rapport="agent", escalade=agent_esc, maintenant=dernier),
                    repetitions=10, echauffement=1), cible_ms=2000)
                _cpu(banc, "PDF performance agent",
                     lambda: pdf_rendre(type_rapport="agent", escalade=agent_esc, maintenant=dernier))
                jour = timezone.localdate(dernier)
                bornes = [timezone.make_aware(datetime.datetime.combine(j, datetime.time()))
                          for j in (jour, jour + datetime.timedelta(days=1))]
                for titre, sql, params in (
                    ("  SQL : runbook historique 7 jours", SQL_HISTORIQUE, [agent_esc.agent_id]),
                    ("  SQL : runbook positions 4 h", SQL_POSITIONS,
                     [agent_esc.agent_id, dernier - datetime.timedelta(hours=4)]),
                    ("  SQL : runbook actions du jour", SQL_ACTIONS, [agent_esc.agent_id, *bornes]),
                ):
                    banc.resultat(titre, chronometrer(sql_brut(sql, params), repetitions=5))
            raise _Annuler
    except _Annuler:
        pass


SECTIONS = [("Escalades", escalades)]
