"""Reads about agents; each of the runbook's queries about an agent has its selector here."""
import datetime
import hashlib
from decimal import Decimal
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connections, router
from django.db.models import Avg, Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from agents.models import (
    Agent,
    AgentGeolocalisation,
    Equipe,
    JetonTerrain,
    Mission,
    StatutMission,
    PerformanceHistorique,
    ScoreInstantane,
    Tache,
)
from agents.scoring import ScoreDuMoment, score_cloture, score_instantane
from agents.trajets import ActionLocalisee, MissionPlanifiee, Point, Releve
from akig_ops import roles
from akig_ops.lib.choix import choix_trouver
from recovery.models import RecouvrementAction, TypeAction, statuts_non_realises


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
        Mission.objects.filter(site_id__in=list(site_ids), status=StatutMission.NON_COMPLETE)
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


def equipes_visibles_filtre(*, user, chemin: str = "") -> Q:
    """Return the filter restricting a query to the teams `user` may see: no restriction for
    Direction, the teams they lead for a team lead, nothing for anyone else. `chemin` leads
    from the queried model to its team ("equipe__" for an agent or an escalation)."""
    if roles.is_direction(user):
        return Q()
    if roles.is_chef_equipe(user):
        return Q(**{f"{chemin}chef": user})
    return Q(pk__in=[])


def agents_visibles(*, user):
    """Return the Agent queryset `user` may see: every agent for Direction, the agents
    of the teams they lead for a team lead, none for anyone else."""
    return Agent.objects.select_related("equipe").filter(equipes_visibles_filtre(user=user, chemin="equipe__"))


# The runbook's "Performance agents très basse": a score under 5. Only the default of the
# score rule (escalations' Regle, edited in the admin): escalations sits above this app, so it
# hands over how to read the rule's threshold when it starts (seuil_score_lecteur_enregistrer).
SEUIL_SCORE = 5
_LECTEUR_SEUIL_SCORE: list[Callable[[], Decimal]] = []


def seuil_score_lecteur_enregistrer(lecteur: Callable[[], Decimal]) -> None:
    """Make seuil_score() read the threshold with `lecteur` (escalations: the score rule's)."""
    _LECTEUR_SEUIL_SCORE[:] = [lecteur]


def seuil_score() -> Decimal:
    """Return the score under which an agent is flagged (the pages' red, their charts' line):
    the score rule's threshold through the registered reader, SEUIL_SCORE without one."""
    return _LECTEUR_SEUIL_SCORE[0]() if _LECTEUR_SEUIL_SCORE else Decimal(SEUIL_SCORE)


def nb_agents_sous_seuil(*, maintenant: datetime.datetime, seuil) -> int:
    """Return how many working agents (active, with a mission today) have a score of the
    moment under `seuil`: the figure `/agents/` flags row by row (scores_du_moment); an agent
    not judged yet (too early) is not counted."""
    return sum(
        1 for du_moment in scores_du_moment(maintenant=maintenant).values()
        if du_moment.score is not None and du_moment.score < seuil
    )


def score_du_jour(*, agent_id: int, jour: datetime.date, maintenant: datetime.datetime) -> ScoreDuMoment | None:
    """Return the agent's score of `jour` with its inputs, as the agent page explains it: today,
    the score of the moment (None: not working today); a past day, the closed day's score
    from its performance_historique row (None: no row that day). Equal to the row's score."""
    if jour >= timezone.localdate(maintenant):
        return scores_du_moment(maintenant=maintenant, agent_ids=[agent_id]).get(agent_id)
    ligne = (
        PerformanceHistorique.objects.filter(agent_id=agent_id, date_stat=jour)
        .values("visites", "promesses", "paiements", "refus").first()
    )
    return score_cloture(**ligne) if ligne else None


def derniers_scores_instantanes(*, depuis: datetime.datetime) -> dict[str, object]:
    """Return {agent code: score} of each active agent whose latest intraday snapshot taken
    at or after `depuis` has a score (a NULL one, "not enough to judge", is left out).

    One query: per active agent, one probe of the (agent_id, instant) unique index."""
    dernier = ScoreInstantane.objects.filter(agent=OuterRef("pk"), instant__gte=depuis).order_by("-instant")
    lignes = Agent.objects.filter(actif=True).annotate(score=Subquery(dernier.values("score")[:1]))
    return {code: score for code, score in lignes.values_list("code", "score") if score is not None}


def instant_local(jour: datetime.date, heure: datetime.time) -> datetime.datetime:
    """Return `heure` of `jour` in settings.TIME_ZONE, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(jour, heure), timezone.get_default_timezone())


def instant_du_releve(maintenant: datetime.datetime) -> datetime.datetime:
    """Return `maintenant` rounded down to the 5-minute grid of the intraday snapshots (a retried
    or doubled beat run rewrites the same (agent, instant) row instead of adding one)."""
    maintenant = timezone.localtime(maintenant)
    return maintenant.replace(minute=maintenant.minute - maintenant.minute % 5, second=0, microsecond=0)


def heures_de_travail(jour: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Return the start and end of the agents' working hours on `jour` (aware)."""
    return (
        instant_local(jour, settings.AKIG_AGENT_HEURE_DEBUT),
        instant_local(jour, settings.AKIG_AGENT_HEURE_FIN),
    )


def nom_positions(agent_id: int) -> str:
    """The name of the agent's positions for cache_donnees.jeton: renewed when some are stored."""
    return f"agent:{agent_id}:positions"


def trajet(*, agent_id: int, debut: datetime.datetime, fin: datetime.datetime) -> list[Point]:
    """Return the agent's GPS positions with debut <= timestamp < fin, oldest first.

    One range scan of the (agent_id, timestamp) unique index: only that agent's window is read.
    """
    lignes = (
        AgentGeolocalisation.objects.filter(agent_id=agent_id, timestamp__gte=debut, timestamp__lt=fin)
        .order_by("timestamp")
        .values_list("timestamp", "latitude", "longitude", "precision_m")
    )
    return [Point(*ligne) for ligne in lignes]


def releves_telephones(
    *, agent_ids: Iterable[int], debut: datetime.datetime, fin: datetime.datetime
) -> dict[int, list[Releve]]:
    """Return {agent_id: [Releve]}: what each agent's phone said with its positions of
    debut <= timestamp < fin (channel, battery, charging, moving, speed), oldest first.
    One query, a range of the (agent_id, timestamp) index per agent."""
    releves: dict[int, list[Releve]] = {}
    lignes = (
        AgentGeolocalisation.objects.filter(agent_id__in=list(agent_ids), timestamp__gte=debut, timestamp__lt=fin)
        .order_by("agent_id", "timestamp")
        .values_list("agent_id", "timestamp", "canal", "batterie_pct", "en_charge", "en_mouvement", "vitesse_kmh")
    )
    for agent_id, *releve in lignes:
        releves.setdefault(agent_id, []).append(Releve(*releve))
    return releves


# How far back an agent's latest position is first looked for: this month's partition and the
# one before it (docs/data-model.md). Older months are read only for an agent silent that long.
RECUL_DERNIERE_POSITION = datetime.timedelta(days=35)


def derniere_position(*, agent, maintenant: datetime.datetime) -> Coalesce:
    """The expression of the timestamp of the agent's latest position at or before `maintenant`
    (`agent`: an id, or OuterRef("pk") in a query of agents), NULL when it has none.

    The last RECUL_DERNIERE_POSITION days are probed first, with literal bounds that leave one or
    two months to read, and the whole history only when they hold nothing (PostgreSQL evaluates
    COALESCE lazily). Why not one `ORDER BY timestamp DESC LIMIT 1`: on the partitioned table
    PostgreSQL answers it with a Merge Append, which takes the first row of every month's index
    before it returns one (LIMIT cannot stop it early); the ordered Append that does stop at the
    first month with a row needs the default partition pruned, which a query without a lower
    bound inside the partitions' range never allows, and such a bound would miss the positions
    that wait in the default partition (an old import, a phone with a wrong clock) until the
    nightly maintenance moves them. Measured on akig_xlarge (41 partitions, 2026-12-07, EXPLAIN
    ANALYZE BUFFERS): an agent seen 3 days ago, 4 buffers (0.19 ms) probed against 150 (0.97 ms);
    one silent since 2024, 121 against 115 (both read every month); `/agents/`'s 600 agents, 4 516
    buffers and 16–24 ms against 67 800 buffers and 338–452 ms."""
    jusqu_a = AgentGeolocalisation.objects.filter(agent_id=agent, timestamp__lte=maintenant).order_by("-timestamp")
    return Coalesce(
        Subquery(jusqu_a.filter(timestamp__gte=maintenant - RECUL_DERNIERE_POSITION).values("timestamp")[:1]),
        Subquery(jusqu_a.values("timestamp")[:1]),
    )


def dernier_releve(*, agent_id: int, maintenant: datetime.datetime | None = None) -> Releve | None:
    """Return what the agent's phone said with its latest position at or before `maintenant`
    (default now: when it last spoke), or None. One query."""
    ligne = (
        AgentGeolocalisation.objects.filter(
            agent_id=agent_id, timestamp=derniere_position(agent=agent_id, maintenant=maintenant or timezone.now())
        )
        .values_list("timestamp", "canal", "batterie_pct", "en_charge", "en_mouvement", "vitesse_kmh")
        .first()
    )
    return None if ligne is None else Releve(*ligne)


def canaux_du_jour(*, agent_id: int, jour: datetime.date) -> list[dict]:
    """Return the channels the agent's positions of `jour` (local day) came through:
    [{canal (None: not recorded), nb, premier, dernier}], the busiest first. One index range."""
    return list(
        AgentGeolocalisation.objects.filter(
            agent_id=agent_id, timestamp__gte=debut_du_jour(jour),
            timestamp__lt=debut_du_jour(jour + datetime.timedelta(days=1)),
        )
        .values("canal")
        .annotate(nb=Count("id"), premier=Min("timestamp"), dernier=Max("timestamp"))
        .order_by("-nb", "canal")
    )


def dernier_jour_avec_positions(*, agent_id: int, maintenant: datetime.datetime) -> datetime.date | None:
    """Return the local day of the agent's latest GPS position at or before `maintenant`, or None
    when the agent has none: the agent page opens on that day.

    A probe of the (agent_id, timestamp) unique index, backwards from `maintenant`
    (`derniere_position`)."""
    dernier = (
        Agent.objects.filter(pk=agent_id)
        .values_list(derniere_position(agent=agent_id, maintenant=maintenant), flat=True)
        .first()
    )
    return timezone.localdate(dernier) if dernier else None


def missions_du_jour(*, agent_id: int, jour: datetime.date) -> list[MissionPlanifiee]:
    """Return the agent's missions planned on `jour`, by start time, with their site's
    position and their window as aware datetimes."""
    missions = (
        Mission.objects.filter(agent_id=agent_id, date_prevue=jour)
        .order_by("heure_debut", "reference")
        .values_list(
            "reference", "site__code", "site__nom", "site__latitude", "site__longitude",
            "heure_debut", "heure_fin", "status",
        )
    )
    return [
        MissionPlanifiee(
            reference=reference, site_code=code, site_nom=nom, latitude=lat, longitude=lon,
            debut=instant_local(jour, debut), fin=instant_local(jour, fin), status=status,
        )
        for reference, code, nom, lat, lon, debut, fin, status in missions
    ]


def actions_detaillees(*, agent_id: int, jour: datetime.date) -> list[dict]:
    """Return the agent's actions of `jour` in time order: {reference, date_action, type_action,
    statut, resultat, montant_recouvre, latitude, longitude, locataire__code, locataire__nom,
    site_latitude, site_longitude, comptee} (comptee: False when the statut says it did not happen)."""
    non_realises = set(statuts_non_realises())
    lignes = list(
        RecouvrementAction.objects.filter(
            agent_id=agent_id,
            date_action__gte=debut_du_jour(jour),
            date_action__lt=debut_du_jour(jour + datetime.timedelta(days=1)),
        )
        .order_by("date_action", "reference")
        .values(
            "reference", "date_action", "type_action", "statut", "statut_cle", "resultat",
            "montant_recouvre", "latitude", "longitude", "locataire__code", "locataire__nom",
            "locataire__site__latitude", "locataire__site__longitude",
        )
    )
    for ligne in lignes:
        ligne["site_latitude"] = ligne.pop("locataire__site__latitude")
        ligne["site_longitude"] = ligne.pop("locataire__site__longitude")
        ligne["comptee"] = ligne.pop("statut_cle") not in non_realises
    return lignes


def actions_localisees(actions: list[dict]) -> list[ActionLocalisee]:
    """Return actions_detaillees rows as the ActionLocalisee the data-quality flags read."""
    return [
        ActionLocalisee(
            reference=a["reference"], instant=a["date_action"], type_action=a["type_action"],
            latitude=a["latitude"], longitude=a["longitude"],
            site_latitude=a["site_latitude"], site_longitude=a["site_longitude"],
            sur_place=a["type_action"] in RecouvrementAction.TYPES_SUR_PLACE,
        )
        for a in actions
    ]


def comptes_actions_par_agent(
    *, debut: datetime.datetime, fin: datetime.datetime, agent_ids: Iterable[int] | None = None,
    sans_position: bool = False,
) -> dict[int, dict]:
    """Return {agent_id: {visites, promesses, paiements, refus, montant_recouvre}} over the
    actions with debut <= date_action < fin that happened (docs/score.md), per agent; with
    `sans_position`, also the on-site actions without a position, whatever their statut (a
    data-quality flag), counted in the same pass. Agents without any action are absent."""
    actions = RecouvrementAction.objects.filter(date_action__gte=debut, date_action__lt=fin)
    realisees = ~Q(statut_cle__in=statuts_non_realises())
    if agent_ids is not None:
        actions = actions.filter(agent_id__in=list(agent_ids))
    if sans_position:
        # Every action is read (the flag counts all); the score's counts keep what happened.
        agregats = {**comptes_du_score(filtre=realisees), "sans_position": Count(
            "id", filter=Q(type_action__in=RecouvrementAction.TYPES_SUR_PLACE, latitude__isnull=True)
        )}
    else:
        # Only what happened is read: the counts need no condition of their own.
        actions, agregats = actions.filter(realisees), comptes_du_score()
    lignes = actions.values("agent_id").order_by().annotate(**agregats)
    return {ligne.pop("agent_id"): ligne for ligne in lignes}


def comptes_du_score(*, filtre: Q | None = None) -> dict:
    """Return the aggregates of the score's inputs, for .annotate() over actions (only
    those `filtre` keeps, when given: the actions that happened)."""

    def et(condition: Q) -> Q:
        return condition if filtre is None else condition & filtre

    return {
        "visites": Count("id", filter=et(Q(type_action__in=RecouvrementAction.TYPES_SUR_PLACE))),
        "promesses": Count("id", filter=et(Q(type_action=TypeAction.PROMESSE))),
        "paiements": Count("id", filter=et(Q(type_action=TypeAction.PAIEMENT))),
        "refus": Count("id", filter=et(Q(type_action=TypeAction.REFUS))),
        "montant_recouvre": Sum("montant_recouvre", filter=filtre),
    }


def fenetres_du_jour(
    *, jour: datetime.date, agent_ids: Iterable[int] | None = None
) -> dict[int, list[tuple[datetime.datetime, datetime.datetime]]]:
    """Return {agent_id: [(debut, fin)]}: the planned mission windows of `jour` of each active
    agent with missions that day (a working agent), cut to working hours, by start time."""
    h0, h1 = heures_de_travail(jour)
    missions = Mission.objects.filter(date_prevue=jour, agent__actif=True)
    if agent_ids is not None:
        missions = missions.filter(agent_id__in=list(agent_ids))
    fenetres: dict[int, list] = {}
    # Missions share a few start and end times: each is made aware once, not once per mission.
    instants: dict[datetime.time, datetime.datetime] = {}
    for agent_id, debut, fin in missions.order_by("agent_id", "heure_debut").values_list(
        "agent_id", "heure_debut", "heure_fin"
    ):
        if debut not in instants:
            instants[debut] = instant_local(jour, debut)
        if fin not in instants:
            instants[fin] = instant_local(jour, fin)
        debut, fin = max(h0, instants[debut]), min(h1, instants[fin])
        if fin > debut:
            fenetres.setdefault(agent_id, []).append((debut, fin))
    return fenetres


def scores_du_moment(
    *, maintenant: datetime.datetime, agent_ids: Iterable[int] | None = None, comptes: dict | None = None
) -> dict[int, ScoreDuMoment]:
    """Return {agent_id: ScoreDuMoment} at `maintenant` for every working agent (active, with a
    mission today), from today's actions up to `maintenant` (two queries whatever the number;
    one when the caller passes comptes_actions_par_agent of the same day and agents)."""
    maintenant = timezone.localtime(maintenant)
    jour = maintenant.date()
    h0, h1 = heures_de_travail(jour)
    # Time after working hours is not judged: the score stays where the day ended.
    juge = min(maintenant, h1)
    fenetres = fenetres_du_jour(jour=jour, agent_ids=agent_ids)
    if comptes is None:
        comptes = comptes_actions_par_agent(debut=debut_du_jour(jour), fin=maintenant, agent_ids=fenetres)
    vide = {"visites": 0, "promesses": 0, "paiements": 0, "refus": 0}
    scores = {}
    for agent_id, agent_fenetres in fenetres.items():
        chiffres = comptes.get(agent_id, vide)
        scores[agent_id] = score_instantane(
            maintenant=juge, fenetres=agent_fenetres, visites=chiffres["visites"],
            promesses=chiffres["promesses"], paiements=chiffres["paiements"], refus=chiffres["refus"],
        )
    return scores


def scores_instantanes(
    *, agent_id: int, debut: datetime.datetime, fin: datetime.datetime
) -> list[tuple[datetime.datetime, object]]:
    """Return the agent's stored snapshots [(instant, score or None)] with debut <= instant < fin,
    oldest first (the intraday curve)."""
    return list(
        ScoreInstantane.objects.filter(agent_id=agent_id, instant__gte=debut, instant__lt=fin)
        .order_by("instant")
        .values_list("instant", "score")
    )


def empreinte_jeton(jeton: str) -> str:
    """Return the SHA-256 (hex) under which a field API token is stored."""
    return hashlib.sha256(jeton.encode()).hexdigest()


def agent_du_jeton(*, jeton: str) -> Agent | None:
    """Return the active agent whose current (unrevoked) token is `jeton`, or None."""
    return (
        Agent.objects.filter(
            actif=True, jetons__empreinte=empreinte_jeton(jeton), jetons__revoque_le__isnull=True
        )
        .only("id", "code")
        .first()
    )


def jeton_actif(*, agent_id: int) -> datetime.datetime | None:
    """Return when the agent's current (unrevoked) phone secret was issued, or None."""
    return (
        JetonTerrain.objects.filter(agent_id=agent_id, revoque_le__isnull=True)
        .order_by("-cree_le").values_list("cree_le", flat=True).first()
    )


def equipes_visibles(*, user) -> list:
    """Return the teams `user` may see (all for Direction, their own for a team lead), by code."""
    return list(Equipe.objects.filter(equipes_visibles_filtre(user=user)).order_by("code"))


def agents_missions_non_complete_par_site(*, site_ids: Iterable[int]) -> dict[int, list[dict]]:
    """Return the runbook's "Quels agents assignés ?" site by site: {site_id: [{agent_id,
    code, nom, nb}]}, each agent's count of non-complete missions on that site, most first.
    One query, on the partial index mission_non_complete_site alone: Count("*"), not of the id,
    which read every mission's row besides (10 ms instead of 1.6 for a page of 25 sites at `xlarge`)."""
    lignes = (
        Mission.objects.filter(site_id__in=list(site_ids), status=StatutMission.NON_COMPLETE)
        .values("site_id", "agent_id", code=F("agent__code"), nom=F("agent__nom"))
        .annotate(nb=Count("*"))
        .order_by("site_id", "-nb", "agent__code")
    )
    par_site: dict[int, list[dict]] = {}
    for ligne in lignes:
        par_site.setdefault(ligne.pop("site_id"), []).append(ligne)
    return par_site


def sites_de_l_equipe(*, equipe_id: int) -> list[int]:
    """Return the ids of the sites where the agents of team `equipe_id` have missions."""
    return sites_des_equipes(equipe_ids=[equipe_id]).get(equipe_id, [])


# Each agent's distinct sites, skipping from one to the next on the index mission_agent_site
# (agent_id, site_id): one index probe per (agent, site) pair (15 000 at `xlarge`) instead of
# reading every mission (922 000 there, 300 ms to 1.7 s).
SQL_SITES_DES_EQUIPES = """
WITH RECURSIVE paires (agent_id, site_id) AS (
    SELECT a.id, (SELECT MIN(m.site_id) FROM {missions} m WHERE m.agent_id = a.id)
    FROM {agents} a WHERE a.equipe_id IN ({equipes})
    UNION ALL
    SELECT p.agent_id,
           (SELECT MIN(m.site_id) FROM {missions} m WHERE m.agent_id = p.agent_id AND m.site_id > p.site_id)
    FROM paires p WHERE p.site_id IS NOT NULL
)
SELECT DISTINCT a.equipe_id, p.site_id FROM paires p JOIN {agents} a ON a.id = p.agent_id
WHERE p.site_id IS NOT NULL ORDER BY a.equipe_id, p.site_id"""


def sites_des_equipes(*, equipe_ids: Iterable[int]) -> dict[int, list[int]]:
    """Return {equipe_id: [site_id]}: for each team, the sites where its agents have missions,
    in one query (SQL_SITES_DES_EQUIPES); a team without any mission is absent."""
    equipe_ids = [int(e) for e in equipe_ids]
    if not equipe_ids:
        return {}
    sql = SQL_SITES_DES_EQUIPES.format(
        missions=Mission._meta.db_table, agents=Agent._meta.db_table, equipes=", ".join(["%s"] * len(equipe_ids))
    )
    par_equipe: dict[int, list[int]] = {}
    with connections[router.db_for_read(Mission)].cursor() as cursor:
        cursor.execute(sql, equipe_ids)
        for equipe_id, site_id in cursor.fetchall():
            par_equipe.setdefault(equipe_id, []).append(site_id)
    return par_equipe


def montant_recouvre_par_semaine(*, semaines: int = 12) -> list[dict]:
    """Return what the field agents recovered (montant_recouvre of their daily figures)
    week by week over the last `semaines` weeks, this week included, oldest first:
    [{semaine (its Monday), montant}]; weeks without any figure are absent.

    One query, summed by day on the (date_stat, montant_recouvre) index; the days are
    folded into weeks here (a date_trunc per row would cost more than the sum)."""
    aujourdhui = timezone.localdate()
    lundi = aujourdhui - datetime.timedelta(days=aujourdhui.weekday() + 7 * (semaines - 1))
    par_jour = (
        PerformanceHistorique.objects.filter(date_stat__gte=lundi, date_stat__lte=aujourdhui)
        .values_list("date_stat")
        .annotate(montant=Sum("montant_recouvre"))
        .order_by("date_stat")
    )
    par_semaine: dict[datetime.date, Decimal] = {}
    for jour, montant in par_jour:
        semaine = jour - datetime.timedelta(days=jour.weekday())
        par_semaine[semaine] = par_semaine.get(semaine, Decimal("0.00")) + montant
    # To the cent: SQLite's sums come back with float digits.
    return [{"semaine": semaine, "montant": montant.quantize(Decimal("0.01"))} for semaine, montant in par_semaine.items()]


def agents_des_equipes_des_sites(*, site_ids: Iterable[int]) -> list[Agent]:
    """Return the active agents (with their team) of the sites' teams, the teams whose agents
    have missions on these sites, by team code then agent code (one query)."""
    equipes = Mission.objects.filter(site_id__in=list(site_ids)).values("agent__equipe_id")
    return list(Agent.objects.filter(actif=True, equipe_id__in=equipes).select_related("equipe")
                .order_by("equipe__code", "code"))


def agents_par_id(*, agent_ids: Iterable[int]) -> dict[int, Agent]:
    """Return {agent id: Agent} for these ids, each with its team and the team's lead (one query)."""
    return Agent.objects.select_related("equipe__chef").in_bulk(list(agent_ids))


# The « score moyen 7 j » the escalation pages judge agents by: today and the 6 days before.
JOURS_SCORE_MOYEN = 7


def scores_moyens_7_jours(*, agent_ids: Iterable[int]) -> dict[int, Decimal]:
    """Return {agent id: average of the daily scores (performance_historique) of today and the
    6 days before} for these agents; an agent without such a day is left out (one query)."""
    depuis = timezone.localdate() - datetime.timedelta(days=JOURS_SCORE_MOYEN)
    return dict(
        PerformanceHistorique.objects.filter(agent_id__in=list(agent_ids), date_stat__gt=depuis)
        .values("agent_id").annotate(moyen=Avg("score")).values_list("agent_id", "moyen")
    )


def scores_instantanes_fenetre(
    *, depuis: datetime.datetime, jusqu_a: datetime.datetime, agents_exclus: Iterable[int] | QuerySet = (),
) -> list[tuple[int, int, datetime.datetime, Decimal]]:
    """Return the active agents' score snapshots taken after `depuis` up to `jusqu_a`, except
    the agents `agents_exclus` (ids, or a query of ids): [(agent_id, equipe_id, instant,
    score)] by agent then instant (one query)."""
    return list(
        ScoreInstantane.objects.filter(instant__gt=depuis, instant__lte=jusqu_a, agent__actif=True)
        .exclude(agent_id__in=agents_exclus)
        .order_by("agent_id", "instant")
        .values_list("agent_id", "agent__equipe_id", "instant", "score")
    )


def equipe_du_choix(*, saisie: str, user=None) -> Equipe | None:
    """Return the team `saisie` names (code, name or a piece of name only one has:
    choix_trouver) among those `user` may see (None: every team); None if none or several."""
    equipes = Equipe.objects.all() if user is None else Equipe.objects.filter(equipes_visibles_filtre(user=user))
    return choix_trouver(equipes, saisie)


def sites_visibles_ids(*, user) -> QuerySet | None:
    """The ids of the sites `user` may pick (a query), or None for every site (Direction): a
    team lead's are the sites where their teams' agents have missions."""
    if roles.is_direction(user):
        return None
    return Mission.objects.filter(agent__in=agents_visibles(user=user)).values("site_id")


# The window over which the agent who covers a site is found.
JOURS_COUVERTURE = 90


def agent_du_site(*, site_id: int, jour: datetime.date) -> int | None:
    """Return the id of the active agent who covers the site: the most missions there over the
    JOURS_COUVERTURE days up to `jour` (ties: the lowest code); None when nobody went."""
    ligne = (
        Mission.objects.filter(site_id=site_id, agent__actif=True,
                               date_prevue__gt=jour - datetime.timedelta(days=JOURS_COUVERTURE),
                               date_prevue__lte=jour)
        .values("agent_id", "agent__code").annotate(n=Count("id")).order_by("-n", "agent__code").first()
    )
    return ligne["agent_id"] if ligne else None


def taches_a_faire(*, agent_id: int, limite: int = 100) -> list[Tache]:
    """Return the agent's calls and SMS still to make (oldest day first), with their tenant."""
    return list(Tache.objects.filter(agent_id=agent_id, faite_le__isnull=True)
                .select_related("locataire").order_by("jour", "id")[:limite])
