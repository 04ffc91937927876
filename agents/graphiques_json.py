"""What the agent page's charts and map draw, as JSON-ready dicts (read by static/js/agent.js)."""
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from agents.selectors_pages import Journee
from agents.templatetags.agents_extras import duree, verdict_carte


def _ms(instant) -> int:
    return int(instant.timestamp() * 1000)


def _heure(instant) -> str:
    return f"{timezone.localtime(instant):%H:%M}"


def _trous(journee: Journee) -> list[dict]:
    """Return the window's gaps as {debut, fin (ms), de, a ([lat, lon] of the last position before
    and the first after), texte}: a gap always lies between two of the window's positions."""
    par_instant = {p.instant: p for p in journee.points}
    trous = []
    for trou in journee.analyse.trous:
        avant, apres = par_instant[trou.debut], par_instant[trou.fin]
        trous.append({
            "debut": _ms(trou.debut), "fin": _ms(trou.fin),
            "de": [round(avant.latitude, 6), round(avant.longitude, 6)],
            "a": [round(apres.latitude, 6), round(apres.longitude, 6)],
            # The words of the list under the map (templates/agents/partials/_trajet.html).
            "texte": gettext("Aucune position de %(de)s à %(a_)s (%(d)s)")
            % {"de": _heure(trou.debut), "a_": _heure(trou.fin), "d": duree(trou.duree)},
        })
    return trous


def donnees_carte(journee: Journee) -> dict:
    """Return {points: [[ms, lat, lon]], sites, actions, arrets, trous, legende, tuiles, attribution,
    fuseau} for the Leaflet map and replay. Sites are numbered in visiting order (the missions' start
    times), each with its label and its verdict's class; stops carry their minutes and times."""
    return {
        "points": [[_ms(p.instant), round(p.latitude, 6), round(p.longitude, 6)] for p in journee.points],
        "sites": [
            {"n": n, "lat": v.mission.latitude, "lon": v.mission.longitude,
             "nom": f"{v.mission.site_code} {v.mission.site_nom}",
             "texte": f"{n}. {v.mission.site_code} — {v.mission.site_nom} · "
                      f"{_heure(v.mission.debut)}–{_heure(v.mission.fin)}",
             "verdict": verdict_carte(v.raison)}
            for n, v in enumerate(journee.verdicts, start=1)
        ],
        "actions": [
            {"lat": a["latitude"], "lon": a["longitude"],
             "texte": f"{_heure(a['date_action'])} {a['type_action']} — {a['locataire__code']}"}
            for a in journee.actions if a["latitude"] is not None
        ],
        "arrets": [
            {"lat": s.latitude, "lon": s.longitude, "minutes": int(s.duree.total_seconds() // 60),
             "heures": f"{_heure(s.debut)}–{_heure(s.fin)}",
             "texte": gettext("Arrêt %(de)s–%(a_)s (%(d)s)")
             % {"de": _heure(s.debut), "a_": _heure(s.fin), "d": duree(s.duree)}}
            for s in journee.analyse.arrets
        ],
        "trous": _trous(journee),
        # The layers' names (the legend under the map is the template's, in words).
        "legende": {
            "trajet": gettext("trajet"), "sites": gettext("sites prévus"), "actions": gettext("actions"),
            "arrets": gettext("arrêts"), "trous": gettext("trous sans position"), "ici": gettext("position rejouée"),
        },
        "debut": _ms(journee.debut),
        "fin": _ms(journee.fin),
        "tuiles": settings.AKIG_CARTE_TUILES_URL,
        "attribution": settings.AKIG_CARTE_TUILES_ATTRIBUTION,
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
