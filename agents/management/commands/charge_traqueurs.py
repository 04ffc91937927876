"""manage.py charge_traqueurs — positions/s through each tracker endpoint, 20 phones at once.

Starts gunicorn (as deployed: 3 sync workers) on a spare loopback port, against the configured
database; creates a throwaway team of agents, each with its secret; then each phone (a thread,
one keep-alive connection) sends its positions as its app does: Traccar Client 9 one JSON
location per request, an older OsmAnd client one query string per request, OwnTracks one
`location` per request, and Traccar Client 9 replaying a buffer in batches. Counts what the
database stored, then deletes the team. Outside `make test`: `make charge-traqueurs`.
"""
import datetime
import http.client
import os
import socket
import subprocess
import sys
import threading
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agents.models import Agent, AgentGeolocalisation, Equipe
from agents.services import jeton_creer
from akig_ops.lib.traqueurs import osmand as _osmand, owntracks as _owntracks, traccar9 as _traccar9

PREFIXE = "CHARGE"


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _instant(depart: datetime.datetime, k: int) -> datetime.datetime:
    return depart + datetime.timedelta(seconds=k)


def telephones_jetables(n: int, prefixe: str = PREFIXE) -> tuple[Equipe, dict[str, str]]:
    """Create a throwaway team of `n` agents (codes PREFIXE00…), each with its phone's secret:
    return the team and {agent code: secret}. `telephones_supprimer` deletes them."""
    chef = get_user_model().objects.create_user(username=f"{prefixe.lower()}@akig.local")
    equipe = Equipe.objects.create(code=prefixe, nom="Charge des traqueurs", chef=chef)
    agents = [Agent.objects.create(code=f"{prefixe}{k:02d}", nom=f"Téléphone {k}", equipe=equipe) for k in range(n)]
    return equipe, {agent.code: jeton_creer(agent_id=agent.id) for agent in agents}


def telephones_supprimer(equipe: Equipe) -> None:
    """Delete the team of `telephones_jetables`, its agents (their positions with them) and its lead."""
    chef = equipe.chef
    Agent.objects.filter(equipe=equipe).delete()
    equipe.delete()
    chef.delete()


class Command(BaseCommand):
    help = "Mesure les positions/s de Traccar Client et d'OwnTracks, 20 téléphones à la fois (gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--telephones", type=int, default=20)
        parser.add_argument("--positions", type=int, default=150, help="Positions par téléphone et par mode.")
        parser.add_argument("--lot", type=int, default=100, help="Taille des lots du tampon de Traccar Client 9.")
        parser.add_argument("--workers", type=int, default=3, help="Processus gunicorn (3 : comme déployé).")

    def handle(self, *args, telephones, positions, lot, workers, **options):
        port = _port_libre()
        equipe, jetons = telephones_jetables(telephones)
        agents = list(equipe.agents.order_by("code"))
        journal = open(os.devnull, "w")
        serveur = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "akig_ops.wsgi", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--timeout", "60"], stdout=journal, stderr=journal)
        try:
            self._attendre(port)
            # A day long ago, one second apart: every position is new; each mode its own hour.
            depart = timezone.now().replace(microsecond=0) - datetime.timedelta(days=400)
            # (label, request maker per agent code, positions per request, positions per phone)
            modes = [
                ("Traccar Client 9, une position par requête", lambda code: _traccar9, 1, positions),
                ("OsmAnd (Traccar Client 8), une position par requête", lambda code: _osmand, 1, positions),
                ("OwnTracks, une position par requête", _owntracks, 1, positions),
                (f"Traccar Client 9, tampon renvoyé par lots de {lot}", lambda code: _traccar9, lot, 10 * lot),
            ]
            for rang, (libelle, fabrique, taille, n) in enumerate(modes):
                debut = depart + datetime.timedelta(hours=rang)
                self._mesurer(port, libelle, agents, jetons, fabrique, taille, n, debut)
        finally:
            serveur.terminate()
            serveur.wait(timeout=30)
            journal.close()
            telephones_supprimer(equipe)

    def _attendre(self, port):
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise CommandError(f"gunicorn ne répond pas sur le port {port}")

    def _mesurer(self, port, libelle, agents, jetons, fabrique, taille, n, debut):
        erreurs = []
        barriere = threading.Barrier(len(agents) + 1)

        def telephone(agent):
            requete = fabrique(agent.code)
            connexion = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            barriere.wait()
            for k in range(0, n, taille):
                instants = [_instant(debut, j) for j in range(k, min(k + taille, n))]
                methode, chemin, corps, entetes = requete(jetons[agent.code], instants)
                connexion.request(methode, chemin, body=corps, headers={"Host": "127.0.0.1", **entetes})
                reponse = connexion.getresponse()
                reponse.read()
                if reponse.status != 200:
                    erreurs.append(reponse.status)
            connexion.close()

        fils = [threading.Thread(target=telephone, args=(agent,)) for agent in agents]
        for fil in fils:
            fil.start()
        barriere.wait()
        chrono = time.perf_counter()
        for fil in fils:
            fil.join()
        duree = time.perf_counter() - chrono
        stockees = AgentGeolocalisation.objects.filter(
            agent__in=agents, timestamp__gte=debut, timestamp__lt=debut + datetime.timedelta(hours=1)).count()
        requetes = len(agents) * -(-n // taille)
        non_200 = f", {len(erreurs)} réponses non 200" if erreurs else ""
        self.stdout.write(
            f"{libelle} : {stockees} positions enregistrées sur {len(agents) * n} envoyées en "
            f"{duree:.1f} s — {_fr(stockees / duree)} positions/s, {_fr(requetes / duree)} requêtes/s{non_200}"
        )


def _fr(nombre: float) -> str:
    """A rate the French way: 16 634 (narrow no-break space)."""
    return f"{nombre:,.0f}".replace(",", "\u202f")
