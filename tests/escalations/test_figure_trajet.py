"""The agent PDF's trail figure in metres: a local projection, a scale bar, sites numbered and labelled."""
import base64
import math

import pytest

from akig_ops.lib.geo import distance_m, longueur_echelle, projection_locale
from escalations import figures_svg


def test_local_projection_reads_distances_as_the_haversine_does():
    # 1 km east and 2 km north of Paris's centre: within 2 m per km of the great-circle distance.
    lat0, lon0 = 48.8566, 2.3522
    for lat, lon in [(48.8566, 2.3522 + 1000 / (111_195 * math.cos(math.radians(48.8566)))),
                     (48.8566 + 2000 / 111_195, 2.3522)]:
        x, y = projection_locale(lat, lon, lat0=lat0, lon0=lon0)
        assert math.hypot(x, y) == pytest.approx(distance_m(lat0, lon0, lat, lon), rel=0.002)
    x, y = projection_locale(48.8566, 2.3522 + 0.01, lat0=lat0, lon0=lon0)
    assert (round(x), round(y)) == (732, 0)  # 0.01° of longitude at 48.86° N: 732 m east


@pytest.mark.parametrize("etendue, longueur", [
    (3.99, 1), (4, 1), (7.99, 1), (8, 2), (19.99, 2), (20, 5), (39.99, 5), (40, 10), (4000, 1000), (7999, 1000),
    (8000, 2000),
])
def test_scale_bar_is_the_largest_1_2_5_step_within_a_quarter_of_the_width(etendue, longueur):
    assert longueur_echelle(etendue) == longueur


def _svg(uri: str) -> str:
    return base64.b64decode(uri.split(",", 1)[1]).decode()


def test_trail_figure_is_in_metres_with_a_scale_bar_and_labelled_sites():
    # Given a walk of 1 km due east from S-A to S-B (S-A reached, S-B not).
    pas = 1000 / (111_195 * math.cos(math.radians(48.85))) / 10
    points = [(2.35 + k * pas, 48.85) for k in range(11)]

    svg = _svg(figures_svg.trajet(points=points, arrets=[(2.35, 48.85, "09:00–09:30")],
                                  sites=[(2.35, 48.85, "S-A Les Vergers", True),
                                         (2.35 + 10 * pas, 48.85, "S-B Marcadet", False)]))

    # Then the axes are in metres, the sites numbered in visiting order with their names, the stop
    # with its times, and a scale bar: the figure is ~1.24 km wide (12 % margins), a quarter is 310 m → 200 m.
    assert "mètres vers l'est" in svg and "mètres vers le nord" in svg and "longitude" not in svg
    assert "1. S-A Les Vergers" in svg and "2. S-B Marcadet" in svg and "09:00–09:30" in svg
    assert ">200 m<" in svg
