"""Coordinates on the Earth: the WGS 84 bounds every layer checks, and the distance between
two points."""
import math

RAYON_TERRE_M = 6_371_000.0
# Decimal degrees, bounds included: the database constraints, the CSV import, the field
# API's schema and its per-item checks all read these.
LATITUDE_MIN, LATITUDE_MAX = -90.0, 90.0
LONGITUDE_MIN, LONGITUDE_MAX = -180.0, 180.0


def latitude_valide(valeur: float) -> bool:
    """True when `valeur` is a latitude: LATITUDE_MIN <= valeur <= LATITUDE_MAX."""
    return LATITUDE_MIN <= valeur <= LATITUDE_MAX


def longitude_valide(valeur: float) -> bool:
    """True when `valeur` is a longitude: LONGITUDE_MIN <= valeur <= LONGITUDE_MAX."""
    return LONGITUDE_MIN <= valeur <= LONGITUDE_MAX


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Return the great-circle distance in metres between two points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * RAYON_TERRE_M * math.asin(min(1.0, math.sqrt(a)))


def projection_locale(lat: float, lon: float, *, lat0: float, lon0: float) -> tuple[float, float]:
    """Return (x, y): metres east and north of (lat0, lon0) on a local equirectangular projection,
    within a few metres per kilometre of distance_m over a city (a day's trail)."""
    x = RAYON_TERRE_M * math.radians(lon - lon0) * math.cos(math.radians(lat0))
    y = RAYON_TERRE_M * math.radians(lat - lat0)
    return x, y


def longueur_echelle(etendue_m: float) -> int:
    """Return a scale bar's length in metres: the largest 1, 2 or 5 × 10^n not over a quarter of
    `etendue_m` (at least 1 m)."""
    cible = max(etendue_m / 4, 1.0)
    puissance = 10 ** math.floor(math.log10(cible))
    return int(max(m * puissance for m in (1, 2, 5) if m * puissance <= cible))
