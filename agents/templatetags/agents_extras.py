"""Display helpers of the agent pages: durations and distances the French way."""
import datetime

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext

from agents.models import Canal

register = template.Library()


@register.filter
def instant_ms(ms) -> datetime.datetime:
    """An instant of the charts' JSON (milliseconds since the epoch, agents/graphiques_json.py)
    as an aware datetime, for `|date` (shown in the current time zone)."""
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)


@register.filter
def duree(delta) -> str:
    """A timedelta as '2 j 3 h', '1 h 05' or '12 min'."""
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    if minutes >= 24 * 60:
        return f"{minutes // 1440} j {minutes % 1440 // 60} h"
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"


@register.filter
def distance(metres) -> str:
    """Metres as '850 m' or '2,6 km'."""
    if metres is None:
        return "—"
    if metres < 1000:
        return f"{round(metres)} m"
    return f"{number_format(metres / 1000, decimal_pos=1, use_l10n=True)} km"


# A verdict's colour class on the map, in its legend and in the missions' table: reached, late
# (outside its window), never, no GPS, still to come.
VERDICT_CARTE = {"visitee": "atteint", "hors_fenetre": "en-retard", "jamais_allee": "jamais",
                 "pas_de_gps": "sans-gps", "a_venir": "a-venir"}


@register.filter
def verdict_carte(raison: str) -> str:
    """A mission verdict's raison as its map class ('visitee' → 'atteint')."""
    return VERDICT_CARTE.get(raison, "a-venir")


@register.filter
def canal(valeur) -> str:
    """A position's channel in words (« Traccar Client »); the rows stored before channels were
    recorded have none."""
    return Canal(valeur).label if valeur in Canal.values else gettext("canal non enregistré")
