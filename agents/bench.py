"""Bench sections of the agent pages, the snapshot round and the field API (make bench).

Each page is timed beside the raw SQL it rests on, in the same run. The trail query's plan
is printed (EXPLAIN ANALYZE): it must read only that agent's window of the (agent_id,
timestamp) index.
"""
import datetime
import http.client
import json
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.db.models import Count, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from agents.models import Agent, AgentGeolocalisation, Mission
from agents.selectors import RECUL_DERNIERE_POSITION, debut_du_jour, derniere_position
from agents.services import jeton_creer, scores_instantanes_enregistrer
from akig_ops.lib.bench import Mesure, chronometrer, sql_brut
from akig_ops.lib.cache_donnees import donnees_modifiees

TAILLE_LOT = 500
NB_LOTS = 20

SQL_TRAJET = (
    "SELECT timestamp, latitude, longitude, precision_m FROM agent_geolocalisation "
    "WHERE agent_id = %s AND timestamp >= %s AND timestamp < %s ORDER BY timestamp"
)
# The list's heaviest read: each agent's last position (one backward index probe per agent).
# On the partitioned table, the last 35 days first (agents.selectors.derniere_position).
SQL_DERNIERES_POSITIONS = (
    "SELECT a.id, COALESCE((SELECT g.timestamp FROM agent_geolocalisation g WHERE g.agent_id = a.id "
    "AND g.timestamp >= %(depuis)s AND g.timestamp <= %(maintenant)s ORDER BY g.timestamp DESC LIMIT 1), "
    "(SELECT g.timestamp FROM agent_geolocalisation g WHERE g.agent_id = a.id AND g.timestamp <= %(maintenant)s "
    "ORDER BY g.timestamp DESC LIMIT 1)) FROM agents a"
)


def _jour_et_agent() -> tuple[datetime.date, int]:
    """The latest day with GPS positions, and its agent with the most missions that day."""
    # Each agent's last position (one backward probe of its index each), not a sort of them all.
    dernier = Agent.objects.annotate(
        derniere=derniere_position(agent=OuterRef("pk"), maintenant=timezone.now())
    ).aggregate(Max("derniere"))["derniere__max"]
    jour = timezone.localdate(dernier)
    agent_id = (
        Mission.objects.filter(date_prevue=jour).values("agent_id").annotate(n=Count("id")).order_by("-n", "agent_id")
    )[0]["agent_id"]
    return jour, agent_id


def liste(banc) -> None:
    client = banc.client_direction()
    url = reverse("agents:liste")

    def sans_cache():
        donnees_modifiees()  # a new generation: the rows are computed again
        return client.get(url)

    banc.resultat(f"GET {url} (tous les agents, Direction), sans cache", chronometrer(sans_cache), cible_ms=250)
    banc.resultat(f"GET {url} (tous les agents, Direction), en cache", chronometrer(lambda: client.get(url)))
    banc.resultat("SQL brut : dernière position de chaque agent", chronometrer(sql_brut(
        SQL_DERNIERES_POSITIONS, {"maintenant": timezone.now(), "depuis": timezone.now() - RECUL_DERNIERE_POSITION})))


def fiche(banc) -> None:
    jour, agent_id = _jour_et_agent()
    client = banc.client_direction()
    url = reverse("agents:detail", args=[agent_id])
    quatre_heures = {"jour": jour.isoformat(), "debut": "14:00", "fin": "18:00"}
    journee = {"jour": jour.isoformat(), "debut": "00:00", "fin": "23:59"}
    banc.ecrire(f"  agent {agent_id}, {jour:%d/%m/%Y}")
    banc.resultat(f"GET {url} trajet de 4 h", chronometrer(lambda: client.get(url, quatre_heures)), cible_ms=200)
    banc.resultat(f"GET {url} journée entière", chronometrer(lambda: client.get(url, journee)), cible_ms=400)
    debut, fin = debut_du_jour(jour), debut_du_jour(jour + datetime.timedelta(days=1))
    banc.resultat("SQL brut : trajet de l'agent sur la journée", chronometrer(sql_brut(SQL_TRAJET, [agent_id, debut, fin])))
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {SQL_TRAJET}", [agent_id, debut, fin])
        for (ligne,) in cursor.fetchall():
            banc.ecrire(f"    {ligne}")


def releve(banc) -> None:
    jour, _ = _jour_et_agent()
    instant = debut_du_jour(jour) + datetime.timedelta(hours=16)
    nb = scores_instantanes_enregistrer(maintenant=instant)
    banc.ecrire(f"  {nb} agents en service le {jour:%d/%m/%Y} à 16:00")
    banc.resultat("relevé des scores instantanés (tous les agents)",
                  chronometrer(lambda: scores_instantanes_enregistrer(maintenant=instant), repetitions=10),
                  cible_ms=2000)


class _Silencieux(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def api_positions(banc) -> None:
    """POST /api/terrain/positions through a real HTTP server on loopback (wsgiref, one process,
    one thread), batches of 500 new positions; the rows are deleted afterwards."""
    _, agent_id = _jour_et_agent()
    jeton = jeton_creer(agent_id=agent_id)
    # A day long before the demo data: every position is new.
    depart = timezone.now().replace(microsecond=0) - datetime.timedelta(days=900)
    lots = [
        json.dumps({"positions": [
            {"timestamp": (depart + datetime.timedelta(seconds=TAILLE_LOT * n + k)).isoformat(),
             "latitude": 48.85 + k * 1e-5, "longitude": 2.35, "precision_m": 5.0}
            for k in range(TAILLE_LOT)
        ]})
        for n in range(NB_LOTS)
    ]
    serveur = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=WSGIServer, handler_class=_Silencieux)
    fil = threading.Thread(target=serveur.serve_forever, daemon=True)
    fil.start()
    durees = []
    try:
        connexion = http.client.HTTPConnection("127.0.0.1", serveur.server_port, timeout=30)
        entetes = {"Authorization": f"Bearer {jeton}", "Content-Type": "application/json", "Host": "127.0.0.1"}
        total = time.perf_counter()
        for corps in lots:
            debut = time.perf_counter()
            connexion.request("POST", "/api/terrain/positions", body=corps, headers=entetes)
            reponse = connexion.getresponse()
            reponse.read()
            durees.append((time.perf_counter() - debut) * 1000)
            assert reponse.status == 200, reponse.status
        total = time.perf_counter() - total
    finally:
        serveur.shutdown()
        AgentGeolocalisation.objects.filter(agent_id=agent_id, timestamp__lt=depart + datetime.timedelta(days=1)).delete()
    debit = TAILLE_LOT * NB_LOTS / total
    banc.resultat(f"POST /api/terrain/positions, lots de {TAILLE_LOT} (serveur HTTP wsgiref)", Mesure.depuis(durees))
    verdict = "OK" if debit >= 5000 else "RATÉ"
    banc.ecrire(f"  débit : {debit:,.0f} positions/s sur {NB_LOTS} lots  cible ≥ 5 000 : {verdict}".replace(",", "\u202f"))


SECTIONS = [
    ("Agents : /agents/ (liste)", liste),
    ("Agents : /agents/<id>/ (trajet 4 h et journée)", fiche),
    ("Agents : relevé des scores instantanés", releve),
    ("Agents : API terrain, positions", api_positions),
]
