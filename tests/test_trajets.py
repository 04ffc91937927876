"""agents/trajets.py on a hand-built day: stops, gap, totals, impossible jumps, missions
réelle vs planifiée, data-quality flags."""
import datetime
import math

import pytest
from django.utils import timezone

from agents import trajets
from agents.trajets import ActionLocalisee, MissionPlanifiee, Point

PARIS = timezone.get_default_timezone()
JOUR = datetime.date(2026, 3, 10)  # a Tuesday, winter time (UTC+1)
ORIGINE = (48.85, 2.35)  # site A
# Metres → degrees with the haversine's own Earth radius, so the distances come back exact.
M_PAR_DEG = trajets.RAYON_TERRE_M * math.pi / 180


def a(heure: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(JOUR, datetime.time(heure, minute), tzinfo=PARIS)


def lieu(est_m: float = 0.0, nord_m: float = 0.0) -> tuple[float, float]:
    lat = ORIGINE[0] + nord_m / M_PAR_DEG
    return lat, ORIGINE[1] + est_m / (M_PAR_DEG * math.cos(math.radians(ORIGINE[0])))


def p(heure, minute, est_m=0.0, nord_m=0.0) -> Point:
    return Point(a(heure, minute), *lieu(est_m, nord_m), precision_m=5.0)


SITE_A = lieu()
SITE_B = lieu(nord_m=2000)
SITE_C = lieu(est_m=1000)
SITE_D = lieu(nord_m=-5000)


def journee() -> list[Point]:
    """08:50–09:00 walks 600 m east to A (60 m/min); stays at A 09:00–09:40 (±10 m of jitter
    in between); walks east 100 m/min to C, 09:41–09:50; stays at C 09:50–10:10; no position
    10:10–11:00 (a gap); walks back west to A 11:00–11:10; stays at A 11:10–11:20; one position
    5 km west at 11:21 (an impossible jump) and back at A at 11:22."""
    points = [p(8, 50 + k, est_m=-600 + 60 * k) for k in range(10)]
    points.append(p(9, 0))
    points += [p(9, k, nord_m=10 if k % 2 else -10) for k in range(1, 40)]
    points.append(p(9, 40))
    points += [p(9, 40 + k, est_m=100 * k) for k in range(1, 10)]
    points += [p(9, 50 + k, est_m=1000) for k in range(10)]
    points += [p(10, k, est_m=1000) for k in range(11)]
    points += [p(11, k, est_m=1000 - 100 * k) for k in range(11)]
    points += [p(11, 10 + k) for k in range(1, 11)]
    points += [p(11, 21, est_m=-5000), p(11, 22)]
    return points


def test_analyser_finds_each_stop_with_its_start_and_duration():
    analyse = trajets.analyser(journee())

    debuts_durees = [(s.debut, s.duree) for s in analyse.arrets]
    assert debuts_durees == [
        (a(9, 0), datetime.timedelta(minutes=40)),  # A, 09:00–09:40
        (a(9, 50), datetime.timedelta(minutes=20)),  # C, 09:50–10:10
        (a(11, 10), datetime.timedelta(minutes=10)),  # A again, 11:10–11:20
    ]
    premier = analyse.arrets[0]
    assert premier.nb_positions == 41
    assert trajets.distance_m(premier.latitude, premier.longitude, *SITE_A) < 1.0  # jitter averages out


def test_analyser_finds_the_gap():
    analyse = trajets.analyser(journee())

    assert [(t.debut, t.duree) for t in analyse.trous] == [(a(10, 10), datetime.timedelta(minutes=50))]


def test_analyser_flags_the_impossible_jump_there_and_back():
    analyse = trajets.analyser(journee())

    # 5 000 m in 60 s = 300 km/h, both ways; the 5 m precisions do not save it.
    assert [(s.depart.instant, s.arrivee.instant) for s in analyse.sauts] == [
        (a(11, 20), a(11, 21)), (a(11, 21), a(11, 22)),
    ]
    assert analyse.sauts[0].vitesse_kmh == pytest.approx(300.0, rel=1e-6)
    # The page's day-wide check finds the same two.
    assert trajets.sauts_impossibles(journee()) == analyse.sauts


def test_analyser_totals_count_walking_not_jitter_nor_jumps():
    totaux = trajets.analyser(journee()).totaux

    # Walked: 10 × 60 m (to A) + 100 m + 9 × 100 m (A to C) + 10 × 100 m (C back to A) = 2 600 m,
    # in 10 + 1 + 9 + 10 = 30 one-minute steps; stopped 40 + 20 + 10 = 70 min.
    assert totaux.distance_m == pytest.approx(2600, rel=1e-4)
    assert totaux.en_mouvement == datetime.timedelta(minutes=30)
    assert totaux.a_l_arret == datetime.timedelta(minutes=70)
    assert totaux.nb_arrets == 3


def test_analyser_empty_trail_is_empty():
    analyse = trajets.analyser([])

    assert analyse.arrets == [] and analyse.trous == [] and analyse.totaux.distance_m == 0


def mission(reference, site, debut, fin):
    return MissionPlanifiee(reference, reference, f"Site {reference}", *site, debut, fin)


MISSIONS = [
    mission("A", SITE_A, a(9, 0), a(10, 0)),  # visited 09:00–09:40
    mission("B", SITE_B, a(10, 30), a(11, 30)),  # positions in the window, none near B
    mission("C", SITE_C, a(14, 0), a(15, 0)),  # the trail was at C, but at 09:50
    mission("D", SITE_D, a(16, 30), a(17, 0)),  # no position at all in the window
]


def test_verdicts_visited_skipped_outside_window_and_no_gps():
    verdicts = trajets.verdicts_missions(MISSIONS, journee(), rayon_m=80)

    assert [v.raison for v in verdicts] == ["visitee", "jamais_allee", "hors_fenetre", "pas_de_gps"]
    visite = verdicts[0]
    # 08:59 is 60 m from A (within 80 m) but before the window: arrival counts from 09:00;
    # 09:41 is 100 m away: the last position on site is 09:40.
    assert (visite.arrivee, visite.depart, visite.duree) == (a(9, 0), a(9, 40), datetime.timedelta(minutes=40))
    assert verdicts[2].vue_hors_fenetre == a(9, 50)


def test_verdicts_radius_is_configurable():
    # With 150 m, the 09:49 position (100 m from C) already counts as being at C.
    verdicts = trajets.verdicts_missions(MISSIONS, journee(), rayon_m=150)

    assert verdicts[2].vue_hors_fenetre == a(9, 49)
    assert verdicts[0].arrivee == a(9, 0) and verdicts[0].depart == a(9, 41)


def test_verdicts_a_window_not_over_yet_is_to_come():
    verdicts = trajets.verdicts_missions(MISSIONS, journee(), rayon_m=80, maintenant=a(11, 25))

    assert [v.raison for v in verdicts] == ["visitee", "a_venir", "a_venir", "a_venir"]


def test_flags_action_far_from_its_site_and_on_site_action_without_position():
    actions = [
        ActionLocalisee("PRES", a(9, 10), "visite", *SITE_A, *SITE_A),
        ActionLocalisee("LOIN", a(9, 20), "promesse", *lieu(est_m=500), *SITE_A),
        ActionLocalisee("SANS", a(9, 30), "visite", None, None, *SITE_A),
        ActionLocalisee("APPEL", a(9, 35), "appel", None, None, *SITE_A, sur_place=False),
    ]

    eloignees = trajets.actions_eloignees(actions, distance_max_m=300)
    assert [x.reference for x in eloignees] == ["LOIN"]
    assert eloignees[0].distance_site_m == pytest.approx(500, rel=1e-4)
    assert [x.reference for x in trajets.actions_sans_position(actions)] == ["SANS"]


def test_silences_in_working_hours_include_before_first_and_after_last_position():
    silences = trajets.silences(
        journee(), debut=a(8, 0), fin=a(17, 30), duree_max=datetime.timedelta(minutes=30)
    )

    # 08:00 → 08:50 (50 min), 10:10 → 11:00 (50 min), 11:22 → 17:30 (6 h 08).
    assert [(s.debut, s.fin) for s in silences] == [
        (a(8, 0), a(8, 50)), (a(10, 10), a(11, 0)), (a(11, 22), a(17, 30)),
    ]
