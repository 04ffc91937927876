"""Reads about agents; each of the runbook's queries about an agent has its selector here."""
import datetime
from collections.abc import Iterable

from django.db.models import Count, F, OuterRef, Subquery, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from agents.models import Agent, AgentGeolocalisation, Mission, MissionStatus, PerformanceHistorique
from recovery.models import RecouvrementAction


def debut_du_jour(jour: datetime.date) -> datetime.datetime:
    """Return midnight of `jour` in settings.TIME_ZONE, as an aware datetime.

    An action's day is its date in the business time zone, not in UTC: bounds
    built from it keep the (agent, date_action) index usable.
    """
    minuit = datetime.datetime.combine(jour, datetime.time.min)
    return timezone.make_aware(minuit, timezone.get_default_timezone())


def agents_missions_non_complete(*, site_ids: Iterable[int]) -> list[dict]:
    """Return [{agent_id, nb}]: each agent's count of non-complete missions on these sites."""
    return list(
        Mission.objects.filter(site_id__in=list(site_ids), status=MissionStatus.NON_COMPLETE)
        .values("agent_id")
        .annotate(nb=Count("id"))
        .order_by("agent_id")
    )


def performance_recente(*, agent_id: int, jours: int = 7) -> list[dict]:
    """Return the agent's last `jours` daily rows {date_stat, score, visites, promesses,
    paiements, refus}, newest first."""
    return list(
        PerformanceHistorique.objects.filter(agent_id=agent_id)
        .order_by("-date_stat")
        .values("date_stat", "score", "visites", "promesses", "paiements", "refus")[:jours]
    )


def positions_depuis(*, agent_id: int, depuis: datetime.datetime) -> list[dict]:
    """Return the agent's GPS positions {timestamp, latitude, longitude} after `depuis`,
    newest first."""
    return list(
        AgentGeolocalisation.objects.filter(agent_id=agent_id, timestamp__gt=depuis)
        .order_by("-timestamp")
        .values("timestamp", "latitude", "longitude")
    )


def actions_du_jour(*, agent_id: int, jour: datetime.date) -> list[dict]:
    """Return the agent's actions of `jour` (local date), whatever their statut:
    {type_action, statut, resultat, montant_recouvre}, in the order they happened."""
    return list(
        RecouvrementAction.objects.filter(
            agent_id=agent_id,
            date_action__gte=debut_du_jour(jour),
            date_action__lt=debut_du_jour(jour + datetime.timedelta(days=1)),
        )
        .order_by("date_action")
        .values("type_action", "statut", "resultat", "montant_recouvre")
    )


def agents_visibles(*, user):
    """Return the Agent queryset `user` may see: every agent for Direction, the agents
    of the teams they lead for a team lead, none for anyone else."""
    from akig_ops import roles

    agents = Agent.objects.select_related("equipe")
    if roles.is_direction(user):
        return agents
    if roles.is_chef_equipe(user):
        return agents.filter(equipe__chef=user)
    return agents.none()


def agents_et_derniere_performance(*, user) -> list[Agent]:
    """Return the agents `user` may see, by team then code, each annotated with its last
    complete day before today (dernier_jour, dernier_score, dernieres_visites) and
    today's score so far (score_du_jour, None without a row)."""
    today = timezone.localdate()
    lignes = PerformanceHistorique.objects.filter(agent=OuterRef("pk"))
    derniere = lignes.filter(date_stat__lt=today).order_by("-date_stat")
    return list(
        agents_visibles(user=user)
        .annotate(
            dernier_jour=Subquery(derniere.values("date_stat")[:1]),
            dernier_score=Subquery(derniere.values("score")[:1]),
            dernieres_visites=Subquery(derniere.values("visites")[:1]),
            score_du_jour=Subquery(lignes.filter(date_stat=today).values("score")[:1]),
        )
        .order_by("equipe__code", "code")
    )


# The runbook's "Performance agents très basse": a score under 5.
SEUIL_SCORE = 5


def nb_agents_sous_seuil(*, jour: datetime.date, seuil: int = SEUIL_SCORE) -> int:
    """Return how many active agents have a daily score (performance_historique) under
    `seuil` on `jour`; an agent without a row that day (no mission begun) is not counted."""
    return PerformanceHistorique.objects.filter(
        date_stat=jour, score__lt=seuil, agent__actif=True
    ).count()


def agents_missions_non_complete_par_site(*, site_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Return the runbook's "Quels agents assignés ?" site by site: {site_id: [{agent_id,
    code, nom, nb}]}, each agent's count of non-complete missions on that site, most first.
    One query (the partial index mission_non_complete_site)."""
    lignes = (
        Mission.objects.filter(site_id__in=list(site_ids), status=MissionStatus.NON_COMPLETE)
        .values("site_id", "agent_id", code=F("agent__code"), nom=F("agent__nom"))
        .annotate(nb=Count("id"))
        .order_by("site_id", "-nb", "agent__code")
    )
    par_site: dict[int, list[dict]] = {}
    for ligne in lignes:
        par_site.setdefault(ligne.pop("site_id"), []).append(ligne)
    return par_site


def sites_de_l_equipe(*, equipe_id: int) -> list[int]:
    """Return the ids of the sites where the agents of team `equipe_id` have missions."""
    return list(
        Mission.objects.filter(agent__equipe_id=equipe_id).values_list("site_id", flat=True).distinct()
    )


def montant_recouvre_par_semaine(*, semaines: int = 12) -> list[dict]:
    """Return what the field agents recovered (montant_recouvre of their daily figures)
    week by week over the last `semaines` weeks, this week included, oldest first:
    [{semaine (its Monday), montant}]; weeks without any figure are absent."""
    aujourdhui = timezone.localdate()
    lundi = aujourdhui - datetime.timedelta(days=aujourdhui.weekday() + 7 * (semaines - 1))
    return list(
        PerformanceHistorique.objects.filter(date_stat__gte=lundi, date_stat__lte=aujourdhui)
        .annotate(semaine=TruncWeek("date_stat"))
        .values("semaine")
        .annotate(montant=Sum("montant_recouvre"))
        .order_by("semaine")
    )
