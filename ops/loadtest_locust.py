"""The load of `make loadtest`, run by locust in its own process (gevent patches the whole process).

Started by ops/loadtest.py with a plan (JSON on standard input) and prints one JSON object, the
measured figures, on its last line. Phases:
- `utilisateurs`: N users, half the direction and half a team lead, each with its own session,
  walking the main pages' mix with a think time; figures over `duree` seconds.
- `saturation`: the same mix without think time, users added step by step; each step's figures
  over `duree` seconds; stops at an error, at a p95 past `p95_arret_ms`, or when more users no
  longer bring more requests (ops/loadtest.py finds the last step within the p95 target).
- `memoire`: the saturation's mix with `utilisateurs` users until `requetes` requests are answered
  (ops/loadtest.py reads the web worker's memory before and after).
- `telephones`: one locust user per phone posting its positions as its tracker app does (Traccar
  Client 9 one at a time or its buffer in batches, OsmAnd's query string, OwnTracks), no think time;
  counts the positions the server answered 200 for (ops/loadtest.py compares them with the database).
Logins are not in the load: a user logs in once a day, and its password hash (PBKDF2, ~0.3 s of
CPU by design) would dominate a minute's figures. ops/loadtest.py logs in for real through the
login page (once per role) and makes the other users' sessions the way a login does.
"""
import datetime
import json
import sys
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, between, constant, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from akig_ops.lib.traqueurs import osmand, owntracks, traccar9  # noqa: E402

PLAN: dict = {}
CONNECTES = {"n": 0}


class Utilisateur(FastHttpUser):
    """A logged-in user: its own session (made by ops/loadtest.py, as a login makes it)."""
    abstract = True
    role = ""
    rangs: dict = {}

    def on_start(self):
        sessions = PLAN["sessions"][self.role]
        rang = Utilisateur.rangs.get(self.role, 0)
        Utilisateur.rangs[self.role] = rang + 1
        self.cookie = {"Cookie": f"sessionid={sessions[rang % len(sessions)]}"}
        CONNECTES["n"] += 1

    def page(self, chemin: str, nom: str):
        """GET `chemin`: anything but a 200 (a redirect to the login included) is an error."""
        with self.client.get(chemin, name=nom, headers=self.cookie, catch_response=True,
                             allow_redirects=False) as reponse:
            if reponse.status_code != 200:
                reponse.failure(f"{reponse.status_code}")


def _page(chemin: str):
    """A task: GET `chemin`."""
    return lambda utilisateur: utilisateur.page(chemin, chemin.split("?")[0])


def _tour(liste: str, modele: str, nom: str):
    """A task: GET `modele` for the next id of the user's `liste` (sites, agents), in turn."""
    def tache(utilisateur):
        ids = getattr(utilisateur, liste)
        utilisateur.page(modele.format(ids[0]), nom)
        ids.append(ids.pop(0))
    return tache


class Direction(Utilisateur):
    """The direction: the dashboard, the analysis, a site, the agents, the escalations, the API."""
    role = "direction"
    tasks = {
        _page("/dashboard/"): 3,
        _page("/dashboard/impayes?filter=retard:60%2B"): 2,
        _tour("sites", "/dashboard/sites/{}/", "/dashboard/sites/<id>/"): 2,
        _page("/agents/"): 1,
        _tour("agents", "/agents/{}/", "/agents/<id>/"): 1,
        _page("/escalations/"): 1,
        _page("/api/dashboard/resume"): 2,
    }

    def on_start(self):
        self.sites, self.agents = list(PLAN["sites"]), list(PLAN["agents_direction"])
        super().on_start()


class Chef(Utilisateur):
    """A team lead: the agents of the team, an agent's page, the escalations."""
    role = "chef"
    tasks = {
        _page("/agents/"): 2,
        _tour("agents", "/agents/{}/", "/agents/<id>/"): 3,
        _page("/escalations/"): 1,
    }

    def on_start(self):
        self.agents = list(PLAN["agents_chef"])
        super().on_start()


ENVOYEES = {"positions": 0, "en_vol": 0, "arret": False}


class Telephone(FastHttpUser):
    """One phone: positions one second apart from its own start instant, never twice the same."""
    wait_time = constant(0)
    network_timeout = connection_timeout = 60.0
    rang = 0

    def on_start(self):
        telephone = PLAN["telephones"][Telephone.rang % len(PLAN["telephones"])]
        Telephone.rang += 1
        self.jeton, self.k = telephone["jeton"], 0
        self.depart = datetime.datetime.fromisoformat(PLAN["depart"])
        mode = telephone["mode"]
        self.taille = PLAN["lot"] if mode == "traccar9-lot" else 1
        self.fabrique = {"traccar9": traccar9, "traccar9-lot": traccar9, "osmand": osmand,
                         "owntracks": owntracks(telephone["code"])}[mode]
        self.nom = {"traccar9": "Traccar Client 9", "traccar9-lot": f"Traccar Client 9, lots de {self.taille}",
                    "osmand": "OsmAnd", "owntracks": "OwnTracks"}[mode]

    @task
    def envoyer(self):
        if ENVOYEES["arret"]:  # the phase is over: no new request, the ones in flight finish
            gevent.sleep(0.5)
            return
        instants = [self.depart + datetime.timedelta(seconds=self.k + j) for j in range(self.taille)]
        self.k += self.taille
        methode, chemin, corps, entetes = self.fabrique(self.jeton, instants)
        ENVOYEES["en_vol"] += 1
        try:
            with self.client.request(methode, chemin, data=corps.encode(), headers=entetes, name=self.nom,
                                     catch_response=True) as reponse:
                if reponse.status_code == 200:
                    ENVOYEES["positions"] += self.taille
                else:
                    reponse.failure(f"{reponse.status_code}")
        finally:
            ENVOYEES["en_vol"] -= 1


def _chiffres(env: Environment, duree: float) -> dict:
    total = env.stats.total
    return {
        "requetes": total.num_requests,
        "erreurs": total.num_failures,
        "rps": total.num_requests / duree,
        "p50": total.get_response_time_percentile(0.5),
        "p95": total.get_response_time_percentile(0.95),
        "p99": total.get_response_time_percentile(0.99),
        "pages": {nom: {"requetes": e.num_requests, "erreurs": e.num_failures,
                        "p50": e.get_response_time_percentile(0.5), "p95": e.get_response_time_percentile(0.95)}
                  for (nom, _methode), e in sorted(env.stats.entries.items())},
        "causes": sorted({str(e.error) for e in env.stats.errors.values()})[:5],
    }


def _palier(env: Environment, utilisateurs: int, duree: float) -> dict:
    """Bring the users to `utilisateurs`, then measure `duree` seconds."""
    env.runner.start(utilisateurs, spawn_rate=max(utilisateurs, 1))
    for _ in range(300):
        if CONNECTES["n"] >= utilisateurs:
            break
        gevent.sleep(0.1)
    gevent.sleep(1)  # the new users' first pages (connections) out of the figures
    print(json.dumps({"debut": utilisateurs}), flush=True)  # ops/loadtest.py reads the servers' CPU
    env.stats.reset_all()
    gevent.sleep(duree)
    return {"utilisateurs": utilisateurs, **_chiffres(env, duree)}


def _jusqu_a(env: Environment, utilisateurs: int, requetes: int) -> dict:
    """`utilisateurs` users until `requetes` requests have been answered."""
    env.runner.start(utilisateurs, spawn_rate=max(utilisateurs, 1))
    print(json.dumps({"debut": utilisateurs}), flush=True)
    debut = time.monotonic()
    while env.stats.total.num_requests < requetes:
        gevent.sleep(0.2)
    env.runner.stop()
    return _chiffres(env, time.monotonic() - debut)


def main() -> None:
    PLAN.update(json.load(sys.stdin))
    phase = PLAN["phase"]
    if phase == "telephones":
        env = Environment(user_classes=[Telephone], host=PLAN["base"])
        env.create_local_runner()
        n = len(PLAN["telephones"])
        env.runner.start(n, spawn_rate=n)
        gevent.sleep(0.5)
        print(json.dumps({"debut": n}), flush=True)
        env.stats.reset_all()
        gevent.sleep(PLAN["duree"])
        ENVOYEES["arret"] = True  # every request sent gets its answer, counted (stored) or failed
        for _ in range(1200):
            if not ENVOYEES["en_vol"]:
                break
            gevent.sleep(0.05)
        env.runner.stop()
        resultat = {**_chiffres(env, PLAN["duree"]), "positions_envoyees": ENVOYEES["positions"]}
    else:
        attente = PLAN.get("attente")
        for classe in (Direction, Chef):
            classe.wait_time = between(*attente) if attente else constant(0)
        env = Environment(user_classes=[Direction, Chef], host=PLAN["base"])
        env.create_local_runner()
        if phase == "utilisateurs":
            resultat = _palier(env, PLAN["utilisateurs"], PLAN["duree"])
        elif phase == "memoire":
            resultat = _jusqu_a(env, PLAN["utilisateurs"], PLAN["requetes"])
        else:
            paliers = []
            for utilisateurs in PLAN["paliers"]:
                paliers.append(_palier(env, utilisateurs, PLAN["duree"]))
                print(json.dumps({"palier": paliers[-1]}), flush=True)
                # Past the target, on to the rate's ceiling: until a request fails, p95 passes
                # p95_arret_ms, or more users no longer bring more requests.
                dernier, meilleur = paliers[-1], max(p["rps"] for p in paliers)
                if dernier["erreurs"] or dernier["p95"] > PLAN["p95_arret_ms"] or dernier["rps"] < 0.95 * meilleur:
                    break
            resultat = {"paliers": paliers}
        env.runner.stop()
    env.runner.quit()
    print(json.dumps(resultat), flush=True)


if __name__ == "__main__":
    main()
