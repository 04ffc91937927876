"""Reading a GPS trail: stops, gaps, totals, impossible jumps, and whether the planned
missions were really done (mission réelle vs planifiée).

Pure functions over plain values (no database): the agent page, the escalation PDF and
the tests feed them what `agents.selectors.trajet` and `missions_du_jour` return.
Every threshold is an argument; the defaults are the settings' (README).
"""
from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from akig_ops.lib.geo import RAYON_TERRE_M, distance_m

UTC = datetime.timezone.utc
# A stop: the phone stays within RAYON_ARRET_M of where it stopped for DUREE_ARRET or longer.
RAYON_ARRET_M = 50.0
DUREE_ARRET = datetime.timedelta(minutes=5)
# No position for longer than this is a gap in the trail (phone off, no signal).
DUREE_TROU = datetime.timedelta(minutes=10)
VITESSE_MAX_KMH = 130.0
RAYON_MISSION_M = 100.0

# Why a mission was or was not done (Verdict.raison).
VISITEE = "visitee"
JAMAIS_ALLEE = "jamais_allee"
HORS_FENETRE = "hors_fenetre"
PAS_DE_GPS = "pas_de_gps"
A_VENIR = "a_venir"


class Point(NamedTuple):
    """One GPS position (a named tuple: a day's trail builds thousands of them)."""

    instant: datetime.datetime
    latitude: float
    longitude: float
    precision_m: float | None = None


@dataclass(frozen=True)
class Arret:
    """Where the agent stayed put: the centre of the positions, from when, until when."""

    debut: datetime.datetime
    fin: datetime.datetime
    latitude: float
    longitude: float
    nb_positions: int

    @property
    def duree(self) -> datetime.timedelta:
        return self.fin - self.debut


@dataclass(frozen=True)
class Trou:
    """A time without any position between two consecutive ones."""

    debut: datetime.datetime
    fin: datetime.datetime

    @property
    def duree(self) -> datetime.timedelta:
        return self.fin - self.debut


@dataclass(frozen=True)
class SautImpossible:
    """Two consecutive positions too far apart for the time between them."""

    depart: Point
    arrivee: Point
    distance_m: float
    vitesse_kmh: float


@dataclass(frozen=True)
class Totaux:
    distance_m: float
    en_mouvement: datetime.timedelta
    a_l_arret: datetime.timedelta
    nb_arrets: int


@dataclass
class Analyse:
    """What a trail says: its positions (in time order) and what was found in them."""

    points: list[Point]
    arrets: list[Arret] = field(default_factory=list)
    trous: list[Trou] = field(default_factory=list)
    sauts: list[SautImpossible] = field(default_factory=list)
    totaux: Totaux = Totaux(0.0, datetime.timedelta(0), datetime.timedelta(0), 0)


def _troncons(points: Sequence[Point], duree_trou: datetime.timedelta) -> tuple[list[list[Point]], list[Trou]]:
    """Split the trail at its gaps: the runs of positions without a gap, and the gaps."""
    troncons: list[list[Point]] = []
    trous: list[Trou] = []
    for point in points:
        if troncons and point.instant - troncons[-1][-1].instant > duree_trou:
            trous.append(Trou(troncons[-1][-1].instant, point.instant))
            troncons.append([])
        if not troncons:
            troncons.append([])
        troncons[-1].append(point)
    return troncons, trous


def _arrets(troncon: list[Point], rayon_m: float, duree_min: datetime.timedelta) -> list[tuple[int, int]]:
    """Index ranges [i, j] of the stops of one run: from position i, every following
    position up to j stays within `rayon_m` of the running centre, for `duree_min` or longer."""
    arrets = []
    i, n = 0, len(troncon)
    while i < n:
        lat, lon, k = troncon[i].latitude, troncon[i].longitude, 1
        j = i
        while j + 1 < n and distance_m(lat, lon, troncon[j + 1].latitude, troncon[j + 1].longitude) <= rayon_m:
            j += 1
            k += 1
            # The centre follows the positions so far: GPS noise averages out.
            lat += (troncon[j].latitude - lat) / k
            lon += (troncon[j].longitude - lon) / k
        if j > i and troncon[j].instant - troncon[i].instant >= duree_min:
            arrets.append((i, j))
            i = j + 1
        else:
            i += 1
    return arrets


def _saut(a: Point, b: Point, d: float, vitesse_max_kmh: float) -> SautImpossible | None:
    """The jump from a to b (d metres apart) if impossible: once both positions' precision is
    taken off, faster than vitesse_max_kmh (or no time between them)."""
    secondes = (b.instant - a.instant).total_seconds()
    utile = d - (a.precision_m or 0.0) - (b.precision_m or 0.0)
    if utile > 0 and (secondes <= 0 or utile / secondes * 3.6 > vitesse_max_kmh):
        return SautImpossible(a, b, d, math.inf if secondes <= 0 else d / secondes * 3.6)
    return None


def sauts_impossibles(points: Sequence[Point], *, vitesse_max_kmh: float = VITESSE_MAX_KMH) -> list[SautImpossible]:
    """Return the impossible jumps between consecutive positions of a trail in time order."""
    sauts = []
    for a, b in zip(points, points[1:]):
        saut = _saut(a, b, distance_m(a.latitude, a.longitude, b.latitude, b.longitude), vitesse_max_kmh)
        if saut is not None:
            sauts.append(saut)
    return sauts


def analyser(
    points: Sequence[Point],
    *,
    rayon_arret_m: float = RAYON_ARRET_M,
    duree_arret: datetime.timedelta = DUREE_ARRET,
    duree_trou: datetime.timedelta = DUREE_TROU,
    vitesse_max_kmh: float = VITESSE_MAX_KMH,
) -> Analyse:
    """Return the Analyse of a trail given in time order.

    Distance and time moving count only between consecutive positions outside a stop and
    not across a gap (jitter while standing still is not walking); time stopped is the sum
    of the stops' durations. A jump is impossible when, after taking off both positions'
    precision, the speed between them is above `vitesse_max_kmh`.
    """
    points = list(points)
    analyse = Analyse(points=points)
    if not points:
        return analyse
    troncons, analyse.trous = _troncons(points, duree_trou)
    distance, mouvement, arret = 0.0, datetime.timedelta(0), datetime.timedelta(0)
    for troncon in troncons:
        dans_arret = [False] * len(troncon)
        for i, j in _arrets(troncon, rayon_arret_m, duree_arret):
            membres = troncon[i : j + 1]
            analyse.arrets.append(
                Arret(
                    debut=membres[0].instant,
                    fin=membres[-1].instant,
                    latitude=sum(p.latitude for p in membres) / len(membres),
                    longitude=sum(p.longitude for p in membres) / len(membres),
                    nb_positions=len(membres),
                )
            )
            arret += membres[-1].instant - membres[0].instant
            for k in range(i + 1, j + 1):
                dans_arret[k] = True  # the step from k-1 to k stays within the stop
        for k in range(1, len(troncon)):
            a, b = troncon[k - 1], troncon[k]
            d = distance_m(a.latitude, a.longitude, b.latitude, b.longitude)
            saut = _saut(a, b, d, vitesse_max_kmh)
            if saut is not None:
                analyse.sauts.append(saut)
                continue  # a jump is not a distance walked
            if not dans_arret[k]:
                distance += d
                mouvement += b.instant - a.instant
    analyse.arrets.sort(key=lambda a: a.debut)
    analyse.totaux = Totaux(distance, mouvement, arret, len(analyse.arrets))
    return analyse


@dataclass(frozen=True)
class MissionPlanifiee:
    """A mission as planned: the site, where it is, and the window (aware datetimes)."""

    reference: str
    site_code: str
    site_nom: str
    latitude: float
    longitude: float
    debut: datetime.datetime
    fin: datetime.datetime
    status: str = ""


@dataclass(frozen=True)
class Verdict:
    """Whether the trail reached the mission's site during its window: when, for how long,
    or why not (raison: visitee, jamais_allee, hors_fenetre, pas_de_gps, a_venir)."""

    mission: MissionPlanifiee
    raison: str
    arrivee: datetime.datetime | None = None
    depart: datetime.datetime | None = None
    # Outside the window: when the trail was at the site all the same.
    vue_hors_fenetre: datetime.datetime | None = None

    @property
    def atteinte(self) -> bool:
        return self.raison == VISITEE

    @property
    def duree(self) -> datetime.timedelta | None:
        if self.arrivee is None or self.depart is None:
            return None
        return self.depart - self.arrivee


def verdicts_missions(
    missions: Sequence[MissionPlanifiee],
    points: Sequence[Point],
    *,
    rayon_m: float = RAYON_MISSION_M,
    maintenant: datetime.datetime | None = None,
) -> list[Verdict]:
    """Return one Verdict per mission, in the missions' order (mission réelle vs planifiée).

    visitee: a position within `rayon_m` of the site during the window (arrivee = the first,
    depart = the last); hors_fenetre: the trail was at the site, but only outside the window;
    pas_de_gps: no position at all during the window; jamais_allee: positions during the window,
    none at the site; a_venir: the window has not ended yet and the site is not reached so far.
    """
    verdicts = []
    for mission in missions:
        # Same time zone as the positions (UTC from the database): comparing datetimes of
        # two zones costs an offset computation each time, over thousands of positions.
        debut, fin = mission.debut.astimezone(UTC), mission.fin.astimezone(UTC)
        # A box of ±rayon_m around the site first: the haversine only for positions inside it.
        dlat = rayon_m / (RAYON_TERRE_M * math.pi / 180) * 1.01
        dlon = dlat / max(0.01, math.cos(math.radians(mission.latitude)))
        sur_site = [
            p for p in points
            if abs(p.latitude - mission.latitude) <= dlat and abs(p.longitude - mission.longitude) <= dlon
            and distance_m(p.latitude, p.longitude, mission.latitude, mission.longitude) <= rayon_m
        ]
        dedans = [p for p in sur_site if debut <= p.instant <= fin]
        if dedans:
            verdicts.append(Verdict(mission, VISITEE, dedans[0].instant, dedans[-1].instant))
            continue
        if maintenant is not None and maintenant < mission.fin:
            verdicts.append(Verdict(mission, A_VENIR))
        elif sur_site:
            verdicts.append(Verdict(mission, HORS_FENETRE, vue_hors_fenetre=sur_site[0].instant))
        elif not any(debut <= p.instant <= fin for p in points):
            verdicts.append(Verdict(mission, PAS_DE_GPS))
        else:
            verdicts.append(Verdict(mission, JAMAIS_ALLEE))
    return verdicts


# --- Data-quality flags


@dataclass(frozen=True)
class ActionLocalisee:
    """A field action, where it was recorded (None: no position) and where its tenant lives."""

    reference: str
    instant: datetime.datetime
    type_action: str
    latitude: float | None
    longitude: float | None
    site_latitude: float
    site_longitude: float
    sur_place: bool = True

    @property
    def distance_site_m(self) -> float | None:
        if self.latitude is None or self.longitude is None:
            return None
        return distance_m(self.latitude, self.longitude, self.site_latitude, self.site_longitude)


def actions_sans_position(actions: Sequence[ActionLocalisee]) -> list[ActionLocalisee]:
    """Return the on-site actions recorded without a position."""
    return [a for a in actions if a.sur_place and a.latitude is None]


def actions_eloignees(actions: Sequence[ActionLocalisee], *, distance_max_m: float) -> list[ActionLocalisee]:
    """Return the actions recorded farther than `distance_max_m` from their tenant's site."""
    return [a for a in actions if a.distance_site_m is not None and a.distance_site_m > distance_max_m]


def silences(
    points: Sequence[Point],
    *,
    debut: datetime.datetime,
    fin: datetime.datetime,
    duree_max: datetime.timedelta,
) -> list[Trou]:
    """Return the times within [debut, fin] (working hours, up to now) longer than `duree_max`
    without any position, including before the first position and after the last one."""
    debut, fin = debut.astimezone(UTC), fin.astimezone(UTC)  # see verdicts_missions
    bornes = [debut, *(p.instant for p in points if debut <= p.instant <= fin), fin]
    return [Trou(a, b) for a, b in zip(bornes, bornes[1:]) if b - a > duree_max]


# --- What the phone said of itself before it went silent


class Releve(NamedTuple):
    """What a phone said with one position (None: that channel does not tell)."""

    instant: datetime.datetime
    canal: str | None = None
    batterie_pct: int | None = None
    en_charge: bool | None = None
    en_mouvement: bool | None = None
    vitesse_kmh: float | None = None


# Below this speed a phone that does not say whether it moves is taken as still (GPS jitter).
VITESSE_IMMOBILE_KMH = 1.0
BATTERIE = "batterie"
IMMOBILE = "immobile"


@dataclass(frozen=True)
class Explication:
    """Why a phone went silent: BATTERIE (its last position had `batterie_pct` % at `instant`,
    not charging) or IMMOBILE (still since `instant`)."""

    raison: str
    instant: datetime.datetime
    batterie_pct: int | None = None


def _immobile(releve: Releve) -> bool | None:
    """True: still; False: moving; None: the phone did not say."""
    if releve.en_mouvement is not None:
        return not releve.en_mouvement
    if releve.vitesse_kmh is not None:
        return releve.vitesse_kmh < VITESSE_IMMOBILE_KMH
    return None


def explication_silence(releves: Sequence[Releve], *, batterie_faible_pct: int) -> Explication | None:
    """Why the phone whose positions (in time order, up to the silence) are `releves` went
    silent: its last position said a battery at or under `batterie_faible_pct` % and not
    charging (BATTERIE); else it said still (IMMOBILE, since the first still position after the
    last moving one: a phone that stops moving stops sending); None when it said neither."""
    if not releves:
        return None
    dernier = releves[-1]
    if dernier.batterie_pct is not None and dernier.batterie_pct <= batterie_faible_pct and not dernier.en_charge:
        return Explication(BATTERIE, dernier.instant, dernier.batterie_pct)
    if _immobile(dernier) is not True:
        return None
    depuis = dernier.instant
    for releve in reversed(releves):
        etat = _immobile(releve)
        if etat is False:
            break
        if etat is True:
            depuis = releve.instant
    return Explication(IMMOBILE, depuis)
