"""What the team leads' agent pages show, composed from agents.selectors and agents.trajets.

Each function runs a fixed number of queries whatever the number of agents or positions.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db.models import Count, OuterRef, Q
from django.utils import timezone

from agents import trajets
from agents.models import Mission, StatutMission, PerformanceHistorique, ScoreInstantane
from agents.selectors import (
    actions_detaillees,
    actions_localisees,
    agents_visibles,
    canaux_du_jour,
    comptes_actions_par_agent,
    debut_du_jour,
    derniere_position,
    dernier_releve,
    heures_de_travail,
    instant_du_releve,
    missions_du_jour,
    releves_telephones,
    scores_du_moment,
    scores_instantanes,
    trajet,
)
from recovery.selectors import taux_promesses_tenues

# The window of the promises' kept rate shown beside the score.
JOURS_TAUX_PROMESSES = 30

# The score trend compares now with the snapshot of one hour ago.
RECUL_TENDANCE = datetime.timedelta(hours=1)
TRIS = {
    "agent": lambda l: l["agent"].code,
    "score": lambda l: (l["score"] is None, l["score"] or 0),
    "visites": lambda l: l["visites"],
    "montant": lambda l: l["montant_recouvre"],
    "missions": lambda l: (l["missions_faites"], l["missions_prevues"]),
    # Latest position first; agents without one last, in their list order (a stable sort).
    "gps": lambda l: (l["derniere_position"] is None,
                      -l["derniere_position"].timestamp() if l["derniere_position"] else 0),
}


class AgentDeLaListe(NamedTuple):
    """What the list says of an agent. Not the model: the rows are cached, and unpickling 1 200
    model instances (the agents and their teams) took ~25 ms of each cached visit at 600 agents."""
    id: int
    code: str
    nom: str
    actif: bool
    equipe_nom: str
    derniere_position: datetime.datetime | None


def tableau_agents(*, user, maintenant: datetime.datetime, equipe_code: str = "") -> list[dict]:
    """Return one row per agent `user` may see (of team `equipe_code` when given), by team and code:
    {agent (AgentDeLaListe), score (intraday, None: not judged or not working), tendance (score − the one an hour
    ago), visites, promesses, paiements, refus, montant_recouvre, missions_faites, missions_prevues,
    derniere_position, age_position (timedelta), silence (no position for AKIG_SILENCE_MAX_MIN in working hours),
    sans_position (today's on-site actions without a position)}: every column the list sorts on.
    What is only shown comes from tableau_detailler, for the rows of the page shown."""
    maintenant = timezone.localtime(maintenant)
    jour = maintenant.date()
    agents = agents_visibles(user=user)
    if equipe_code:
        agents = agents.filter(equipe__code=equipe_code)
    agents = [
        AgentDeLaListe(*valeurs) for valeurs in agents.annotate(
            derniere_position=derniere_position(agent=OuterRef("pk"), maintenant=maintenant)
        ).order_by("equipe__code", "code").values_list("id", "code", "nom", "actif", "equipe__nom", "derniere_position")
    ]
    ids = [agent.id for agent in agents]
    # Today's score inputs and the actions without a position: one pass over today's actions.
    comptes = comptes_actions_par_agent(debut=debut_du_jour(jour), fin=maintenant, agent_ids=ids, sans_position=True)
    scores = scores_du_moment(maintenant=maintenant, agent_ids=ids, comptes=comptes)
    il_y_a_une_heure = instant_du_releve(maintenant - RECUL_TENDANCE)
    anciens = dict(
        ScoreInstantane.objects.filter(agent_id__in=ids, instant=il_y_a_une_heure).values_list("agent_id", "score")
    )
    missions = {
        ligne["agent_id"]: ligne
        for ligne in Mission.objects.filter(agent_id__in=ids, date_prevue=jour)
        .values("agent_id")
        .order_by()
        .annotate(prevues=Count("id"), faites=Count("id", filter=Q(status=StatutMission.COMPLETE)))
    }
    h0, h1 = heures_de_travail(jour)
    lignes = []
    for agent in agents:
        du_moment = scores.get(agent.id)
        score = du_moment.score if du_moment else None
        ancien = anciens.get(agent.id)
        chiffres = comptes.get(agent.id, {})
        prevu = missions.get(agent.id, {})
        lignes.append({
            "agent": agent,
            "score": score,
            "tendance": score - ancien if score is not None and ancien is not None else None,
            "visites": chiffres.get("visites", 0),
            "promesses": chiffres.get("promesses", 0),
            "paiements": chiffres.get("paiements", 0),
            "refus": chiffres.get("refus", 0),
            "montant_recouvre": chiffres.get("montant_recouvre") or 0,
            "missions_faites": prevu.get("faites", 0),
            "missions_prevues": prevu.get("prevues", 0),
            "derniere_position": agent.derniere_position,
            "age_position": maintenant - agent.derniere_position if agent.derniere_position else None,
            "silence": silencieux(derniere=agent.derniere_position, h0=h0, h1=h1, maintenant=maintenant,
                                  missions=bool(prevu)),
            "sans_position": chiffres.get("sans_position", 0),
        })
    return lignes


def tableau_detailler(lignes: list[dict], *, maintenant: datetime.datetime) -> list[dict]:
    """Return tableau_agents rows (a page of them) with what the list shows but never sorts on:
    promesses_tenues (the agent's kept-promise Taux over JOURS_TAUX_PROMESSES days, None when no
    promise was judged) and explication (why a silent phone went silent: trajets.Explication or
    None). Two queries at most for any number of rows, none for no row."""
    if not lignes:
        return []
    maintenant = timezone.localtime(maintenant)
    jour = maintenant.date()
    tenues = taux_promesses_tenues(aujourd_hui=jour, jours=JOURS_TAUX_PROMESSES, par="agent",
                                   agent_ids=[ligne["agent"].id for ligne in lignes])
    # Why the silent phones went silent: what they said with today's positions.
    silencieux_ids = [ligne["agent"].id for ligne in lignes if ligne["silence"]]
    releves = releves_telephones(agent_ids=silencieux_ids, debut=debut_du_jour(jour), fin=maintenant) if silencieux_ids else {}
    return [
        {**ligne,
         "promesses_tenues": tenues.get(ligne["agent"].id),
         "explication": trajets.explication_silence(
             releves.get(ligne["agent"].id, []), batterie_faible_pct=settings.AKIG_BATTERIE_FAIBLE_PCT,
         ) if ligne["silence"] else None}
        for ligne in lignes
    ]


def silencieux(
    *, derniere: datetime.datetime | None, h0: datetime.datetime, h1: datetime.datetime,
    maintenant: datetime.datetime, missions: bool,
) -> bool:
    """Whether a phone is silent: within working hours [h0, h1], an agent with missions today
    and no position for more than AKIG_SILENCE_MAX_MIN minutes (counted from h0 at the latest)."""
    depuis = max(h0, derniere) if derniere else h0
    silence_max = datetime.timedelta(minutes=settings.AKIG_SILENCE_MAX_MIN)
    return h0 <= maintenant <= h1 and missions and maintenant - depuis > silence_max


def telephone_agent(*, agent_id: int, jour: datetime.date, maintenant: datetime.datetime) -> dict:
    """Return what the agent page says of the phone: {dernier (Releve of its latest position, or
    None: when it last spoke), canaux (the channels of `jour`'s positions, canaux_du_jour),
    silence (silent now, as in the list), explication (trajets.Explication or None)}."""
    maintenant = timezone.localtime(maintenant)
    dernier = dernier_releve(agent_id=agent_id)
    h0, h1 = heures_de_travail(maintenant.date())
    silence = silencieux(
        derniere=dernier.instant if dernier else None, h0=h0, h1=h1, maintenant=maintenant,
        missions=bool(missions_du_jour(agent_id=agent_id, jour=maintenant.date())),
    )
    explication = None
    if silence:
        releves = releves_telephones(agent_ids=[agent_id], debut=debut_du_jour(maintenant.date()), fin=maintenant)
        explication = trajets.explication_silence(releves.get(agent_id, []),
                                                  batterie_faible_pct=settings.AKIG_BATTERIE_FAIBLE_PCT)
    return {"dernier": dernier, "canaux": canaux_du_jour(agent_id=agent_id, jour=jour), "silence": silence,
            "explication": explication}


def tableau_trie(lignes: list[dict], *, tri: str, descendant: bool = False) -> list[dict]:
    """Return tableau_agents rows sorted by `tri` (a key of TRIS; unknown: by agent)."""
    return sorted(lignes, key=TRIS.get(tri, TRIS["agent"]), reverse=descendant)


def historique_scores(*, agent_id: int, jours: int, aujourd_hui: datetime.date) -> list[dict]:
    """Return the agent's daily rows of the last `jours` days up to `aujourd_hui`, newest first:
    {date_stat, score, visites, promesses, paiements, refus, montant_recouvre}."""
    return list(
        PerformanceHistorique.objects.filter(
            agent_id=agent_id, date_stat__gt=aujourd_hui - datetime.timedelta(days=jours), date_stat__lte=aujourd_hui
        )
        .order_by("-date_stat")
        .values("date_stat", "score", "visites", "promesses", "paiements", "refus", "montant_recouvre")
    )


@dataclass
class Journee:
    """One agent's day as the agent page shows it."""

    jour: datetime.date
    debut: datetime.datetime  # the map's window
    fin: datetime.datetime
    points: list[trajets.Point]  # the window's positions
    analyse: trajets.Analyse  # of the window
    verdicts: list[trajets.Verdict]  # of the whole day
    actions: list[dict]
    totaux_actions: dict
    sans_position: list[trajets.ActionLocalisee]
    eloignees: list[trajets.ActionLocalisee]
    sauts: list[trajets.SautImpossible]  # of the whole day
    silences: list[trajets.Trou]


def journee_agent(
    *, agent_id: int, jour: datetime.date, debut: datetime.datetime, fin: datetime.datetime,
    maintenant: datetime.datetime,
) -> Journee:
    """Return the agent's Journee: the trail of the window [debut, fin) analysed, the day's
    missions judged against the whole day's trail, the day's actions and data-quality flags.
    Three queries: the day's positions (one index range), missions, actions."""
    jour_debut, jour_fin = debut_du_jour(jour), debut_du_jour(jour + datetime.timedelta(days=1))
    du_jour = trajet(agent_id=agent_id, debut=jour_debut, fin=jour_fin)
    # In the positions' zone (UTC): one offset computation, not one per position.
    debut_utc, fin_utc = debut.astimezone(datetime.timezone.utc), fin.astimezone(datetime.timezone.utc)
    points = [p for p in du_jour if debut_utc <= p.instant < fin_utc]
    verdicts = trajets.verdicts_missions(
        missions_du_jour(agent_id=agent_id, jour=jour), du_jour,
        rayon_m=settings.AKIG_RAYON_MISSION_M, maintenant=maintenant,
    )
    actions = actions_detaillees(agent_id=agent_id, jour=jour)
    localisees = actions_localisees(actions)
    h0, h1 = heures_de_travail(jour)
    return Journee(
        jour=jour, debut=debut, fin=fin, points=points,
        analyse=trajets.analyser(points, vitesse_max_kmh=settings.AKIG_VITESSE_MAX_KMH),
        verdicts=verdicts,
        actions=actions,
        totaux_actions=_totaux_actions(actions),
        sans_position=trajets.actions_sans_position(localisees),
        eloignees=trajets.actions_eloignees(localisees, distance_max_m=settings.AKIG_DISTANCE_ACTION_MAX_M),
        sauts=trajets.sauts_impossibles(du_jour, vitesse_max_kmh=settings.AKIG_VITESSE_MAX_KMH),
        silences=trajets.silences(
            du_jour, debut=h0, fin=min(h1, max(h0, maintenant)),
            duree_max=datetime.timedelta(minutes=settings.AKIG_SILENCE_MAX_MIN),
        ) if verdicts else [],
    )


def _totaux_actions(actions: list[dict]) -> dict:
    """Return {nb, comptees, par_type: {type: n}, montant_recouvre} over the day's actions."""
    par_type: dict[str, int] = {}
    for action in actions:
        par_type[action["type_action"]] = par_type.get(action["type_action"], 0) + 1
    return {
        "nb": len(actions),
        "comptees": sum(1 for a in actions if a["comptee"]),
        "par_type": par_type,
        "montant_recouvre": sum((a["montant_recouvre"] for a in actions if a["comptee"]), 0),
    }


def courbe_du_jour(*, agent_id: int, jour: datetime.date) -> list[tuple[datetime.datetime, object]]:
    """Return the day's stored intraday snapshots [(instant, score or None)], oldest first."""
    return scores_instantanes(
        agent_id=agent_id, debut=debut_du_jour(jour), fin=debut_du_jour(jour + datetime.timedelta(days=1))
    )

