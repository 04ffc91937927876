"""Writes about agents."""
import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from agents.models import (
    Agent,
    AgentGeolocalisation,
    Canal,
    JetonTerrain,
    Mission,
    StatutMission,
    PerformanceHistorique,
    ScoreInstantane,
    Tache,
)
from agents.metriques import POSITIONS_ENREGISTREES
from agents.scoring import ScoreDuMoment, score_cloture, score_instantane
from agents.selectors import (
    comptes_du_score,
    debut_du_jour,
    empreinte_jeton,
    fenetres_du_jour,
    heures_de_travail,
    instant_du_releve,
    nom_positions,
    scores_du_moment,
)
from agents.terrain import ErreurElement, LotRefuse, PositionVerifiee, actions_verifiees, positions_verifiees
from akig_ops.lib import valeurs
from akig_ops.lib.cache_donnees import donnees_modifiees, jeton_renouveler
from akig_ops.lib.insertion import inserer_nouvelles, lues
from akig_ops.services import SCORES_INSTANTANES, battement_enregistrer
from recovery.models import Locataire, RecouvrementAction, statut_cle, statuts_non_realises
from recovery.selectors import impayes_locataires

CHAMPS_CALCULES = ["score", "visites", "promesses", "paiements", "refus", "montant_recouvre"]
# Keeps each INSERT bounded when months are recomputed for every agent.
TAILLE_LOT = 1000


def _actions_realisees(
    *, du: datetime.date, au: datetime.date, agent_ids: list[int] | None
) -> QuerySet[RecouvrementAction]:
    """Return the actions that happened (statut not in AKIG_STATUTS_NON_REALISES) of the local days du..au, annotated with `jour`."""
    actions = RecouvrementAction.objects.filter(
        date_action__gte=debut_du_jour(du),
        date_action__lt=debut_du_jour(au + datetime.timedelta(days=1)),
    ).exclude(statut_cle__in=statuts_non_realises())
    if agent_ids is not None:
        actions = actions.filter(agent_id__in=agent_ids)
    return actions.annotate(
        jour=TruncDate("date_action", tzinfo=timezone.get_default_timezone())
    ).order_by()


def _score_de_la_ligne(
    *, agent_id: int, jour: datetime.date, chiffres: dict, maintenant: datetime.datetime, fenetres: dict
) -> ScoreDuMoment:
    """Return the score of one agent's day as the page, the list and the alert judge it: the
    score of the moment while the day's working hours run, the closed day's score after."""
    comptes = {champ: chiffres.get(champ, 0) for champ in ("visites", "promesses", "paiements", "refus")}
    h0, h1 = heures_de_travail(jour)
    if maintenant >= h1:
        return score_cloture(**comptes)
    # An agent working without a planned mission is judged over the working hours.
    return score_instantane(maintenant=maintenant, fenetres=fenetres.get(agent_id) or [(h0, h1)], **comptes)


def performance_compute(
    *,
    du: datetime.date,
    au: datetime.date,
    agent_ids: Iterable[int] | None = None,
    maintenant: datetime.datetime | None = None,
) -> int:
    """(Re)compute performance_historique for each (agent, day) of du..au with a
    mission already begun or a realised action, delete the range's rows left with neither,
    and return the number of rows written.

    Each row's score is the day's score as it stands at `maintenant` (docs/score.md): today's
    is the score of the moment (no row while it is too early to judge), a closed day's is its
    final score, also written as the day's closing snapshot (at the end of working hours) so
    the day's last intraday value is the row. The cached figures start a new generation (the
    agents under 5, the agents list): whoever recomputes, the task, the command or an import."""
    if du > au:
        raise ValueError(f"du ({du}) est postérieure à au ({au}).")
    if agent_ids is not None:
        agent_ids = list(agent_ids)

    chiffres = (
        _actions_realisees(du=du, au=au, agent_ids=agent_ids)
        .values("agent_id", "jour")
        .annotate(**comptes_du_score())
    )
    # Only missions already begun: before the day's first mission an agent has no
    # score yet, not a zero (a zero would look like, and alert as, a bad day).
    maintenant = timezone.localtime(maintenant)
    aujourdhui = maintenant.date()
    missions = (
        Mission.objects.filter(date_prevue__range=(du, au))
        .exclude(date_prevue__gt=aujourdhui)
        .exclude(date_prevue=aujourdhui, heure_debut__gt=maintenant.time())
    )
    if agent_ids is not None:
        missions = missions.filter(agent_id__in=agent_ids)

    # A planned day without any action still gets its row: a low score is what the team lead must see.
    lignes = {
        (agent_id, jour): {}
        for agent_id, jour in missions.values_list("agent_id", "date_prevue").distinct().order_by()
    }
    for ligne in chiffres:
        lignes[ligne.pop("agent_id"), ligne.pop("jour")] = ligne
    fenetres = fenetres_du_jour(jour=aujourdhui, agent_ids=agent_ids) if du <= aujourdhui <= au else {}
    limite_instantanes = maintenant - datetime.timedelta(days=settings.AKIG_SCORES_INSTANTANES_JOURS)
    performances, clotures, trop_tot = [], [], []
    for (agent_id, jour), figures in lignes.items():
        du_jour = _score_de_la_ligne(agent_id=agent_id, jour=jour, chiffres=figures,
                                     maintenant=maintenant, fenetres=fenetres)
        if du_jour.score is None:
            trop_tot.append(agent_id)
            continue
        performances.append(PerformanceHistorique(
            agent_id=agent_id, date_stat=jour, score=du_jour.score,
            visites=figures.get("visites", 0), promesses=figures.get("promesses", 0),
            paiements=figures.get("paiements", 0), refus=figures.get("refus", 0),
            montant_recouvre=figures.get("montant_recouvre") or Decimal("0.00"),
        ))
        cloture = instant_du_releve(heures_de_travail(jour)[1])
        if du_jour.entrees.get("cloture") and cloture >= limite_instantanes:
            clotures.append(ScoreInstantane(agent_id=agent_id, instant=cloture, score=du_jour.score,
                                            entrees=du_jour.entrees))

    perimes = PerformanceHistorique.objects.filter(date_stat__range=(du, au)).filter(
        ~Exists(missions.filter(agent=OuterRef("agent"), date_prevue=OuterRef("date_stat"))),
        ~Exists(
            _actions_realisees(du=du, au=au, agent_ids=agent_ids).filter(
                agent=OuterRef("agent"), jour=OuterRef("date_stat")
            )
        ),
    )
    if agent_ids is not None:
        perimes = perimes.filter(agent_id__in=agent_ids)

    with transaction.atomic():
        perimes.delete()
        PerformanceHistorique.objects.filter(date_stat=aujourdhui, agent_id__in=trop_tot).delete()
        PerformanceHistorique.objects.bulk_create(
            performances,
            batch_size=TAILLE_LOT,
            update_conflicts=True,
            unique_fields=["agent", "date_stat"],
            update_fields=CHAMPS_CALCULES,
        )
        ScoreInstantane.objects.bulk_create(
            clotures, batch_size=TAILLE_LOT, update_conflicts=True,
            unique_fields=["agent", "instant"], update_fields=["score", "entrees"],
        )
    donnees_modifiees()
    return len(performances)


def scores_instantanes_enregistrer(*, maintenant: datetime.datetime | None = None) -> int:
    """Store one ScoreInstantane per working agent (active, with a mission today) at the
    5-minute instant of `maintenant`, inside working hours only; purge the snapshots older
    than AKIG_SCORES_INSTANTANES_JOURS; record the job's heartbeat. Return the rows written."""
    instant = instant_du_releve(maintenant or timezone.now())
    h0, h1 = heures_de_travail(instant.date())
    lignes = []
    if h0 <= instant <= h1:
        lignes = [
            ScoreInstantane(agent_id=agent_id, instant=instant, score=du_moment.score, entrees=du_moment.entrees)
            for agent_id, du_moment in scores_du_moment(maintenant=instant).items()
        ]
    with transaction.atomic():
        ScoreInstantane.objects.bulk_create(
            lignes,
            batch_size=TAILLE_LOT,
            update_conflicts=True,
            unique_fields=["agent", "instant"],
            update_fields=["score", "entrees"],
        )
        purges = scores_instantanes_purger(maintenant=instant)
        battement_enregistrer(
            nom=SCORES_INSTANTANES,
            details={"instant": instant.isoformat(), "agents": len(lignes), "purges": purges},
        )
    if lignes:
        donnees_modifiees()
    return len(lignes)


def scores_instantanes_purger(*, maintenant: datetime.datetime) -> int:
    """Delete the snapshots older than AKIG_SCORES_INSTANTANES_JOURS days; return how many."""
    limite = maintenant - datetime.timedelta(days=settings.AKIG_SCORES_INSTANTANES_JOURS)
    supprimes, _ = ScoreInstantane.objects.filter(instant__lt=limite).delete()
    return supprimes


# --- Field API (agents/api.py)


def jeton_creer(*, agent_id: int) -> str:
    """Revoke the agent's tokens and return a new one (only its SHA-256 is stored)."""
    jeton = secrets.token_urlsafe(32)
    with transaction.atomic():
        JetonTerrain.objects.filter(agent_id=agent_id, revoque_le__isnull=True).update(revoque_le=timezone.now())
        JetonTerrain.objects.create(agent_id=agent_id, empreinte=empreinte_jeton(jeton))
    return jeton


# What the field API answers per item (etat): stored by this request, or already stored
# (resent, or twice in the batch). A refused item refuses the batch: LotRefuse names it.
ENREGISTRE = "enregistre"
DEJA_ENREGISTRE = "deja_enregistre"


def _resultat(cles: list, stockees: set) -> dict:
    """{recues, creees, doublons, elements: [{index, cle, etat}]} for a batch whose items have
    the keys `cles` (in order) and of which the database stored the keys `stockees`: an item is
    stored when its key is and it is the key's first item in the batch."""
    elements, vues = [], set()
    for index, cle in enumerate(cles):
        etat = ENREGISTRE if cle in stockees and cle not in vues else DEJA_ENREGISTRE
        vues.add(cle)
        elements.append({"index": index, "cle": str(cle), "etat": etat})
    creees = sum(e["etat"] == ENREGISTRE for e in elements)
    return {"recues": len(cles), "creees": creees, "doublons": len(cles) - creees, "elements": elements}


def positions_enregistrer(*, agent_id: int, positions: list[dict], canal: str = Canal.API) -> dict:
    """Check and store the agent's positions, all or none, as arrived through `canal` (counted
    by /metrics); one already stored (same agent and timestamp, or earlier in the batch) is a
    duplicate. Return what the database stored: {recues, creees, doublons, elements: [{index,
    cle (the timestamp), etat}]}, etat ENREGISTRE or DEJA_ENREGISTRE; raise LotRefuse (400)
    naming each bad field."""
    lignes = positions_verifiees(positions)
    cles = [ligne.instant for ligne in lignes]
    stockees: set = set()
    if lignes:
        with transaction.atomic():
            stockees = set(_positions_inserer(agent_id, canal, lignes))
            if stockees:  # the agent's page, cached until its positions change (agents.views)
                transaction.on_commit(lambda: jeton_renouveler(nom_positions(agent_id)))
        POSITIONS_ENREGISTREES.ajouter(canal, len(stockees))
    resultat = _resultat(cles, stockees)
    for element, ligne in zip(resultat["elements"], lignes):
        element["cle"] = ligne.instant.isoformat()
    return resultat


# The columns a position's INSERT writes after agent_id and canal, in PositionVerifiee's order,
# with their PostgreSQL array types.
COLONNES_POSITION = [
    ("timestamp", "timestamptz"), ("latitude", "float8"), ("longitude", "float8"), ("precision_m", "float8"),
    ("batterie_pct", "int2"), ("en_charge", "bool"), ("en_mouvement", "bool"), ("vitesse_kmh", "float8"),
]


def _positions_inserer(agent_id: int, canal: str, lignes: list[PositionVerifiee]) -> list:
    """INSERT the positions, skipping an (agent, timestamp) already stored or repeated; return
    the timestamps stored (aware datetimes). PostgreSQL takes one array per column (a fixed
    number of parameters whatever the batch size: nothing to parse per row); elsewhere
    lib.insertion's VALUES lists."""
    if connection.vendor != "postgresql":
        return inserer_nouvelles(
            modele=AgentGeolocalisation,
            lignes=[
                {"agent_id": agent_id, "canal": canal,
                 **{nom: valeur for (nom, _), valeur in zip(COLONNES_POSITION, ligne)}}
                for ligne in lignes
            ],
            conflit=["agent", "timestamp"],
            retour="timestamp",
        )
    noms = ", ".join(nom for nom, _ in COLONNES_POSITION)
    tableaux = ", ".join(f"%s::{type_}[]" for _, type_ in COLONNES_POSITION)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO agent_geolocalisation (agent_id, canal, {noms}) "
            f"SELECT %s, %s, u.* FROM unnest({tableaux}) AS u "
            "ON CONFLICT (agent_id, timestamp) DO NOTHING RETURNING timestamp",
            [agent_id, canal, *(list(colonne) for colonne in zip(*lignes))],
        )
        return lues(modele=AgentGeolocalisation, champ="timestamp", valeurs=[r[0] for r in cursor.fetchall()])


def actions_enregistrer(*, agent_id: int, actions: list[dict]) -> dict:
    """Check and store the agent's actions, all or none, and recompute the days' performance.
    An action whose reference the database already holds for this agent (or earlier in the
    batch) is a duplicate; one it holds for another agent refuses the batch with a 409 naming
    the reference (decided by the INSERT itself, so two phones racing cannot both win).
    Return what the database stored: {recues, creees, doublons, elements: [{index, cle (the
    reference), etat}]}; raise LotRefuse."""
    agent = Agent.objects.only("code").get(pk=agent_id)
    # Only codes that can be looked up (a lone surrogate cannot even be sent to the database):
    # a bad one is refused, named, by actions_verifiees.
    codes = _cles_lisibles(a.get("locataire_code") for a in actions)
    references = _cles_lisibles(a.get("impaye_reference") for a in actions) - {""}
    impayes = impayes_locataires(references)
    lignes = actions_verifiees(
        actions,
        agent_code=agent.code,
        locataires=dict(Locataire.objects.filter(code__in=codes).values_list("code", "id")),
        impayes=impayes,
    )
    premieres: dict[str, dict] = {}
    for ligne in lignes:
        premieres.setdefault(ligne["reference"], ligne)  # twice in the batch: the first
    with transaction.atomic():
        # Sorted: two batches sharing references lock them in the same order (no deadlock).
        stockees = set(inserer_nouvelles(
            modele=RecouvrementAction,
            lignes=[_action(agent_id, premieres[reference]) for reference in sorted(premieres)],
            conflit=["reference"],
            retour="reference",
        ))
        _refuser_references_d_autrui(agent_id, lignes, set(premieres) - stockees)
        if stockees:
            jours = [timezone.localdate(premieres[r]["date_action"]) for r in stockees]
            performance_compute(du=min(jours), au=max(jours), agent_ids=[agent_id])
    if stockees:
        donnees_modifiees()
    return _resultat([ligne["reference"] for ligne in lignes], stockees)


def _cles_lisibles(brutes: Iterable) -> set[str]:
    """The given codes, stripped, that valeurs.code accepts (the others are not looked up)."""
    cles = set()
    for brute in brutes:
        try:
            cles.add(valeurs.code(str(brute or "").strip(), max_length=64))
        except valeurs.ValeurInvalide:
            continue
    return cles


def _action(agent_id: int, ligne: dict) -> dict:
    """The columns of one checked action, as RecouvrementAction stores them."""
    colonnes = {k: v for k, v in ligne.items() if k != "locataire_code"}
    return {**colonnes, "agent_id": agent_id, "statut_cle": statut_cle(ligne["statut"])}


def _refuser_references_d_autrui(agent_id: int, lignes: list[dict], deja: set[str]) -> None:
    """Raise LotRefuse (409) naming the items whose reference, not stored by this request, the
    database holds for another agent (read after the INSERT waited for any concurrent one)."""
    if not deja:
        return
    proprietaires = dict(
        RecouvrementAction.objects.filter(reference__in=deja).values_list("reference", "agent_id")
    )
    autres = [
        ErreurElement(index, "reference", f"référence « {ligne['reference']} » déjà enregistrée pour un autre agent")
        for index, ligne in enumerate(lignes)
        if ligne["reference"] in deja and proprietaires.get(ligne["reference"]) != agent_id
    ]
    if autres:
        raise LotRefuse(autres, statut=409)


def missions_planifiees_transferer(
    *, de_agent_id: int, vers_agent_id: int, site_ids: Iterable[int], depuis: datetime.date,
) -> int:
    """Give `vers_agent_id` the planned missions of `de_agent_id` on these sites dated `depuis`
    or later; return how many moved. The caller starts the cache's new generation."""
    return Mission.objects.filter(
        agent_id=de_agent_id, site_id__in=list(site_ids), status=StatutMission.PLANIFIEE, date_prevue__gte=depuis,
    ).update(agent_id=vers_agent_id)


# A mission the follow-up ladder plans: the morning after the step is reached.
HEURES_MISSION_RELANCE = (datetime.time(9, 0), datetime.time(10, 0))


def mission_relance_assurer(*, agent_id: int, site_id: int, jour: datetime.date) -> tuple[Mission, bool]:
    """Return (mission, created): the agent's mission at the site planned (or under way) from
    `jour` on, reused when there is one; else a new planned mission the day after `jour`
    (reference REL-<site>-<agent>-<day>, unique: two runners create it once)."""
    existante = (
        Mission.objects.filter(agent_id=agent_id, site_id=site_id, date_prevue__gte=jour,
                               status__in=[StatutMission.PLANIFIEE, StatutMission.EN_COURS])
        .order_by("date_prevue", "heure_debut").first()
    )
    if existante is not None:
        return existante, False
    lendemain = jour + datetime.timedelta(days=1)
    debut, fin = HEURES_MISSION_RELANCE
    return Mission.objects.get_or_create(
        reference=f"REL-{site_id}-{agent_id}-{lendemain:%Y%m%d}",
        defaults={"agent_id": agent_id, "site_id": site_id, "date_prevue": lendemain,
                  "heure_debut": debut, "heure_fin": fin, "status": StatutMission.PLANIFIEE},
    )


def tache_creer(*, agent_id: int, locataire_id: int, type_tache: str, jour: datetime.date, motif: str = "") -> Tache:
    """Put a call or an SMS to the tenant on the agent's list for `jour`; return the task."""
    return Tache.objects.create(agent_id=agent_id, locataire_id=locataire_id, type_tache=type_tache,
                                jour=jour, motif=motif)
