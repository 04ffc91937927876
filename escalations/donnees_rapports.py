"""What each PDF report shows, read through the apps' selectors (recovery, agents) and
turned into template context with its figures. Reads only."""
import datetime
from decimal import Decimal

from django.utils import timezone

from agents.models import Agent, ScoreInstantane
from agents.selectors import actions_du_jour, agents_missions_non_complete, performance_recente, positions_depuis
from escalations import graphiques
from escalations.checklists import ACTIONS_AGENT, ACTIONS_IMPAYES, CAUSES_AGENT
from escalations.selectors import contentieux_des_sites
from escalations.models import Escalade, EtatEscalade, EtatMessage, Message, Regle
from recovery.models import StatutAction, TypeAction
from recovery.selectors import (
    RETARD_CRITIQUE,
    SEUIL_CONTENTIEUX,
    impayes_chiffres_cles,
    impayes_par_site,
)

# Bounded tables keep the impayés report within 10 pages on 500 sites.
SITES_MAX, AGENTS_MAX, CONTENTIEUX_MAX = 25, 15, 25


def _retard_min(escalade: Escalade | None) -> int:
    return escalade.regle.retard_min if escalade else RETARD_CRITIQUE


def donnees_impayes(*, escalade: Escalade | None, maintenant: datetime.datetime) -> dict:
    """The impayés report: headline figures, the by-site analysis (runbook query 1, issue 5's
    impayes_par_site), agents with non-complete missions there (query 2), the legal list,
    sensitive sites, ageing of every debt still due on those sites."""
    retard = _retard_min(escalade)
    site_ids = [escalade.site_id] if escalade and escalade.site_id else None
    par_site = impayes_par_site(min_retard=retard, site_ids=site_ids)
    ids = {ligne["site_id"] for ligne in par_site}
    tableau, autres = par_site[:SITES_MAX], par_site[SITES_MAX:]
    nb_total = sum(ligne["nb"] for ligne in par_site)
    montant_total = sum((ligne["montant"] for ligne in par_site), Decimal("0.00"))

    missions = sorted(agents_missions_non_complete(site_ids=ids), key=lambda l: (-l["nb"], l["agent_id"]))
    agents = Agent.objects.select_related("equipe").in_bulk([l["agent_id"] for l in missions[:AGENTS_MAX]])
    contentieux = contentieux_des_sites(site_ids=ids)
    anciennete = [
        {"libelle": tranche["tranche"].libelle,
         "nb": sum(ligne["tranches"][i]["nb"] for ligne in par_site),
         "montant": sum((ligne["tranches"][i]["montant"] for ligne in par_site), Decimal("0.00"))}
        for i, tranche in enumerate(par_site[0]["tranches"] if par_site else [])
    ]
    return {
        "retard_min": retard,
        "chiffres": impayes_chiffres_cles(min_retard=retard),
        "nb_total": nb_total,
        "montant_total": montant_total,
        "nb_sites": len(par_site),
        "tableau": tableau,
        "autres": {"nb_sites": len(autres), "nb": sum(l["nb"] for l in autres),
                   "montant": sum((l["montant"] for l in autres), Decimal("0.00")),
                   "part": sum((l["part"] for l in autres), Decimal("0.0"))},
        "agents": [{"agent": agents[l["agent_id"]], "nb": l["nb"]} for l in missions[:AGENTS_MAX]],
        "nb_agents": len(missions),
        "contentieux": contentieux[:CONTENTIEUX_MAX],
        "nb_contentieux": len(contentieux),
        "montant_contentieux": sum((l["montant"] for l in contentieux), Decimal("0.00")),
        "seuil_contentieux": SEUIL_CONTENTIEUX,
        "sensibles": [l for l in par_site if l["sensible"]],
        "anciennete": anciennete,
        "graphique_anciennete": graphiques.barres_anciennete(
            [(t["libelle"], t["montant"], t["nb"]) for t in anciennete], retard_min=retard
        ) if anciennete else None,
        "actions": ACTIONS_IMPAYES,
    }


def donnees_agent(*, escalade: Escalade, maintenant: datetime.datetime) -> dict:
    """The agent report: 7-day history, today's scores and actions, the last 4 hours'
    trail, and the runbook's causes and actions."""
    agent = Agent.objects.select_related("equipe__chef").get(pk=escalade.agent_id)
    jour = timezone.localdate(maintenant)
    historique = performance_recente(agent_id=agent.pk, jours=7)
    scores = list(
        ScoreInstantane.objects.filter(
            agent=agent, instant__gte=maintenant - datetime.timedelta(hours=10), instant__lte=maintenant
        ).order_by("instant").values_list("instant", "score")
    )
    seuil = float(escalade.regle.seuil)
    depuis = escalade.valeur_declenchement.get("depuis")
    positions = list(reversed(positions_depuis(agent_id=agent.pk, depuis=maintenant - datetime.timedelta(hours=4))))
    actions = actions_du_jour(agent_id=agent.pk, jour=jour)
    types, statuts = dict(TypeAction.choices), dict(StatutAction.choices)
    for action in actions:
        action["type_libelle"] = types.get(action["type_action"], action["type_action"])
        action["statut_libelle"] = statuts.get(action["statut"], action["statut"])
    return {
        "agent": agent,
        "fenetre_debut": datetime.datetime.fromisoformat(depuis) if depuis else None,
        "montant_jour": sum((a["montant_recouvre"] for a in actions), Decimal("0.00")),
        "historique": historique,
        "graphique_historique": graphiques.barres_scores_jours(
            [(l["date_stat"], l["score"]) for l in reversed(historique)], seuil=seuil
        ) if historique else None,
        "graphique_scores": graphiques.courbe_scores(
            [(i, float(s) if s is not None else None) for i, s in scores], seuil=seuil,
            debut_fenetre=datetime.datetime.fromisoformat(depuis) if depuis else None,
        ) if scores else None,
        "actions_jour": actions,
        "positions": positions,
        "graphique_trajet": graphiques.trajet(
            points=[(p["longitude"], p["latitude"]) for p in positions], arrets=[], sites=[]
        ) if positions else None,
        "causes": CAUSES_AGENT,
        "actions": ACTIONS_AGENT,
    }


def donnees_hebdo(*, escalade: None, maintenant: datetime.datetime) -> dict:
    """The directors' weekly digest: the week's escalations (fired, acknowledged, resolved,
    still open) per rule, failed emails, and today's impayés figures."""
    debut = maintenant - datetime.timedelta(days=7)
    semaine = Escalade.objects.filter(declenchee_le__gte=debut).select_related("regle", "site", "agent")
    par_regle = []
    for regle in Regle.objects.order_by("code"):
        lignes = [e for e in semaine if e.regle_id == regle.pk]
        delais = [(e.prise_en_charge_le - e.declenchee_le) for e in lignes if e.prise_en_charge_le]
        par_regle.append({
            "regle": regle,
            "declenchees": len(lignes),
            "resolues": sum(1 for e in lignes if e.etat == EtatEscalade.RESOLUE),
            "delai_moyen_min": round(sum(d.total_seconds() for d in delais) / len(delais) / 60) if delais else None,
        })
    ouvertes = list(
        Escalade.objects.exclude(etat=EtatEscalade.RESOLUE).select_related("regle", "site", "agent")
        .order_by("declenchee_le")
    )
    return {
        "debut": timezone.localtime(debut),
        "par_regle": par_regle,
        "ouvertes": ouvertes,
        "echecs": Message.objects.filter(etat=EtatMessage.ECHEC, cree_le__gte=debut).count(),
        "chiffres": impayes_chiffres_cles(),
        "retard_min": RETARD_CRITIQUE,
    }
