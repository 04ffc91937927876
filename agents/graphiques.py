"""What the agent page's charts and map draw, as JSON-ready dicts (read by static/js/agent.js)."""
from django.conf import settings
from django.utils import timezone

from agents.selectors_pages import Journee
from agents.templatetags.agents_extras import duree


def _ms(instant) -> int:
    return int(instant.timestamp() * 1000)


def _heure(instant) -> str:
    return f"{timezone.localtime(instant):%H:%M}"


def donnees_carte(journee: Journee) -> dict:
    """Return {points: [[ms, lat, lon]], sites, actions, arrets, tuiles, fuseau} for the map and replay."""
    return {
        "points": [[_ms(p.instant), round(p.latitude, 6), round(p.longitude, 6)] for p in journee.points],
        "sites": [
            {"lat": v.mission.latitude, "lon": v.mission.longitude,
             "texte": f"{v.mission.site_code} — {v.mission.site_nom}<br>{_heure(v.mission.debut)}–{_heure(v.mission.fin)}",
             "atteinte": v.atteinte}
            for v in journee.verdicts
        ],
        "actions": [
            {"lat": a["latitude"], "lon": a["longitude"],
             "texte": f"{_heure(a['date_action'])} {a['type_action']} — {a['locataire__code']}"}
            for a in journee.actions if a["latitude"] is not None
        ],
        "arrets": [
            {"lat": s.latitude, "lon": s.longitude, "minutes": int(s.duree.total_seconds() // 60),
             "texte": f"Arrêt {_heure(s.debut)}–{_heure(s.fin)} ({duree(s.duree)})"}
            for s in journee.analyse.arrets
        ],
        "trous": [[_ms(t.debut), _ms(t.fin)] for t in journee.analyse.trous],
        "debut": _ms(journee.debut),
        "fin": _ms(journee.fin),
        "tuiles": settings.AKIG_CARTE_TUILES_URL,
        "fuseau": settings.TIME_ZONE,
    }


def serie_historique(historique: list[dict]) -> dict:
    """Return {jours: [[date, score]]}: the daily scores, oldest first."""
    return {"jours": [[ligne["date_stat"].isoformat(), float(ligne["score"])] for ligne in reversed(historique)]}


def serie_instants(courbe: list[tuple]) -> dict:
    """Return {instants: [[ms, score]], fuseau}: the day's snapshots (None where not judged)."""
    return {
        "instants": [[_ms(instant), None if score is None else float(score)] for instant, score in courbe],
        "fuseau": settings.TIME_ZONE,
    }
