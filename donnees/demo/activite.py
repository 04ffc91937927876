"""The demo's field activity, one agent-day at a time: missions, actions, GPS trails."""
from __future__ import annotations

import bisect
import csv
import datetime
import math
import random
from dataclasses import dataclass
from pathlib import Path

from .lexique import (
    JAMAIS,
    M_PAR_DEG_LAT,
    M_PAR_DEG_LON,
    RESULTATS,
    RESULTAT_ANNULEE,
    RESULTAT_PLANIFIEE,
    _HMS,
)
from .monde import Agent, Jour, Locataire, Monde, Site, _distance_segment_m, distance_m
from .profils import AGENT_EVITEMENT, AGENT_SEDENTAIRE, Profil, _ouvrir

# --- Activity: one agent-day at a time.


@dataclass(slots=True)
class Visite:
    """A mission as planned, and what the agent actually did."""

    site: int
    debut: int  # planned window, minutes since midnight
    fin: int
    issue: str = "complete"  # complete | abandon (left early) | evitee (never went) | domicile
    arrivee: int = 0  # actual presence on site, seconds since midnight
    depart: int = 0


def _duree_trajet(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Seconds to go across Paris by metro, bus and on foot: 5 minutes plus 4 m/s."""
    return 300 + int(distance_m(lat1, lon1, lat2, lon2) / 4.0)


def _montant(centimes: int) -> str:
    return f"{centimes // 100}.{centimes % 100:02d}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class _Activite:
    """Writes missions.csv, actions.csv and positions.csv, agent by agent, day by day."""

    def __init__(self, monde: Monde, profil: Profil, *, seed: int, maintenant: datetime.datetime,
                 heure_debut: datetime.time, heure_fin: datetime.time, dossier: Path):
        self.fichiers = [_ouvrir(dossier, nom) for nom in ("missions.csv", "actions.csv", "positions.csv")]
        missions, actions, self.positions = self.fichiers
        self.missions = csv.writer(missions, lineterminator="\n")
        self.actions = csv.writer(actions, lineterminator="\n")
        self.monde = monde
        self.profil = profil
        self.seed = seed
        self.today = maintenant.date()
        self.maintenant_s = maintenant.hour * 3600 + maintenant.minute * 60 + maintenant.second
        self.h0 = heure_debut.hour * 60 + heure_debut.minute
        self.h1 = heure_fin.hour * 60 + heure_fin.minute
        self.comptes = {"missions.csv": 0, "actions.csv": 0, "positions.csv": 0}
        # Each team site's neighbours within the team, nearest first: a day's round.
        self.voisins = {}
        for equipe in monde.equipes:
            for s in equipe.sites:
                a = monde.sites[s]
                self.voisins[s] = sorted(
                    equipe.sites, key=lambda t: distance_m(a.lat, a.lon, monde.sites[t].lat, monde.sites[t].lon)
                )
        # Problem sites need more visits: they weigh double when a round is drawn.
        self.ancres = {
            e: [s for s in equipe.sites for _ in range(2 if monde.sites[s].a_probleme else 1)]
            for e, equipe in enumerate(monde.equipes)
        }

    def ecrire(self) -> dict[str, int]:
        """Write every agent's days; return {file name: data rows}."""
        try:
            for agent in self.monde.agents:
                self._agent(agent)
        finally:
            for f in self.fichiers:
                f.close()
        return self.comptes

    def _agent(self, agent: Agent) -> None:
        rng = random.Random(f"{self.seed}:{agent.code}")
        jours = self.monde.jours
        # The avoided site is surely planned on the last complete day with a trail.
        passes = [j for j in jours if j.positions and j.date < self.today]
        jour_force = passes[-1].date if passes else None
        for jour in jours:
            if agent.parti_le is not None and jour.date >= agent.parti_le:
                break
            absent = rng.random() < 0.04  # leave or sick day
            if absent and agent.code not in (AGENT_SEDENTAIRE, AGENT_EVITEMENT):
                continue
            eviter = agent.site_evite is not None and (rng.random() < 0.4 or jour.date == jour_force)
            self._journee(rng, agent, jour, eviter=eviter)

    # -- Planning

    def _creneaux(self, rng: random.Random) -> list[tuple[int, int]]:
        """3 to 5 mission windows inside working hours, on quarter hours, with a lunch break."""
        n = rng.choice((3, 4, 4, 4, 5))
        durees = (45, 60, 75, 90) if n == 5 else (60, 75, 90, 105, 120)
        t = self.h0 + rng.choice((30, 45, 60))
        creneaux, dejeuner = [], False
        for _ in range(n):
            duree = rng.choice(durees)
            if not dejeuner and t + duree > 12 * 60 + 30:
                t = max(t, 12 * 60) + 60
                dejeuner = True
            creneaux.append((t, t + duree))
            t += duree + rng.choice((15, 30, 30, 45))
        while creneaux and creneaux[-1][1] > self.h1 - 30:
            creneaux.pop()
        return creneaux

    def _tournee(self, rng: random.Random, agent: Agent, n: int) -> list[int]:
        """n sites near each other, in the order of a round starting from home; never the
        agent's avoided site (only `_tournee_evitant` plans it, on a path that keeps away)."""
        ancre = rng.choice(self.ancres[agent.equipe])
        proches = [s for s in self.voisins[ancre] if s != agent.site_evite][: n + 2]
        return self._ordonner(agent, rng.sample(proches, min(n, len(proches))))

    def _ordonner(self, agent: Agent, sites: list[int]) -> list[int]:
        ordre, lat, lon, reste = [], agent.lat, agent.lon, list(sites)
        while reste:
            s = min(reste, key=lambda s: distance_m(lat, lon, self.monde.sites[s].lat, self.monde.sites[s].lon))
            reste.remove(s)
            ordre.append(s)
            lat, lon = self.monde.sites[s].lat, self.monde.sites[s].lon
        return ordre

    def _tournee_evitant(self, rng: random.Random, agent: Agent, n: int) -> list[int] | None:
        """A round that plans the avoided site but whose actual path keeps 400 m away from it."""
        evite = self.monde.sites[agent.site_evite]
        loin = [s for s in self.monde.equipes[agent.equipe].sites
                if distance_m(evite.lat, evite.lon, self.monde.sites[s].lat, self.monde.sites[s].lon) > 600]
        if n == 0 or len(loin) < n - 1:
            return None
        for _ in range(30):
            ancre = rng.choice(loin)
            proches = [s for s in self.voisins[ancre] if s in loin][: n + 1]
            ordre = self._ordonner(agent, rng.sample(proches, n - 1))
            points = [(agent.lat, agent.lon)]
            points += [(self.monde.sites[s].lat, self.monde.sites[s].lon) for s in ordre]
            points.append((agent.lat, agent.lon))
            if all(_distance_segment_m((evite.lat, evite.lon), a, b) > 400 for a, b in zip(points, points[1:])):
                ordre.insert(rng.randrange(n), agent.site_evite)
                return ordre
        return None

    # -- One day

    def _journee(self, rng: random.Random, agent: Agent, jour: Jour, *, eviter: bool) -> None:
        creneaux = self._creneaux(rng)
        sites = self._tournee_evitant(rng, agent, len(creneaux)) if eviter else None
        if sites is None:
            sites = self._tournee(rng, agent, len(creneaux))
        visites = [Visite(s, debut, fin) for s, (debut, fin) in zip(sites, creneaux)]
        for v in visites:
            site = self.monde.sites[v.site]
            if agent.code == AGENT_SEDENTAIRE:
                v.issue = "domicile"
            elif v.site == agent.site_evite:
                v.issue = "evitee"
            elif agent.site_evite is None and rng.random() < (0.3 if site.a_probleme else 0.03):
                v.issue = "abandon"  # tenants hostile or away: the agent gives up early
            v.arrivee = v.debut * 60 + rng.randint(-300, 600)
            v.depart = v.fin * 60 + rng.randint(-600, 300)
            if v.issue == "abandon":
                v.depart = v.arrivee + rng.randint(1_200, 2_400)

        aujourdhui = jour.date == self.today
        limite = self.maintenant_s if aujourdhui else 86_400
        self._ecrire_missions(agent, jour, visites, limite)
        self._ecrire_actions(rng, agent, jour, visites, limite)
        if jour.positions:
            fin = min(self.h1 * 60, limite)
            if fin > self.h0 * 60:
                self._ecrire_trace(rng, agent, jour, visites, self.h0 * 60, fin)

    def _ecrire_missions(self, agent: Agent, jour: Jour, visites: list[Visite], limite: int) -> None:
        lignes = []
        for n, v in enumerate(visites, start=1):
            if v.fin * 60 <= limite:
                status = "complete" if v.issue == "complete" else "non_complete"
            elif v.debut * 60 <= limite:
                status = "en_cours"
            else:
                status = "planifiee"
            lignes.append((
                f"MIS-{agent.code}-{jour.compact}-{n}", agent.code, self.monde.sites[v.site].code,
                jour.date.isoformat(), _hhmm(v.debut), _hhmm(v.fin), status,
            ))
        self.missions.writerows(lignes)
        self.comptes["missions.csv"] += len(lignes)

    # -- Actions

    def _ecrire_actions(self, rng: random.Random, agent: Agent, jour: Jour, visites: list[Visite],
                        limite: int) -> None:
        faites = []  # (seconds, type, site, on_site)
        for v in visites:
            if v.issue not in ("complete", "abandon"):
                continue
            site = self.monde.sites[v.site]
            debut = max(v.arrivee, v.debut * 60) + 60
            fin = min(v.depart, v.fin * 60) - 60
            if v.issue == "complete":
                nb = max(1, round(agent.visites_par_mission * rng.uniform(0.7, 1.3)))
            else:
                nb = rng.randint(1, 3)
            for t in sorted(rng.randint(debut, fin) for _ in range(nb)):
                if v.issue == "abandon":
                    type_action = "absent" if rng.random() < 0.6 else "refus"
                else:
                    type_action = self._issue(rng, agent, site)
                faites.append((t, type_action, v.site, True))
        # Calls and text messages, between visits; the home-bound agent makes a few.
        nb = rng.randint(0, 3) if agent.code == AGENT_SEDENTAIRE else agent.appels_par_jour + rng.randint(-3, 3)
        jour_sites = [v.site for v in visites]
        for _ in range(nb):
            t = rng.randint(self.h0 * 60, self.h1 * 60 - 1)
            site = rng.choice(jour_sites) if rng.random() < 0.7 else rng.choice(self.monde.equipes[agent.equipe].sites)
            faites.append((t, "appel" if rng.random() < 0.65 else "sms", site, False))
        faites.sort()

        lignes = []
        for n, (t, type_action, s, sur_place) in enumerate(faites, start=1):
            ligne = self._action(rng, agent, jour, t, type_action, self.monde.sites[s], sur_place)
            if t <= limite:
                lignes.append((f"ACT-{agent.code}-{jour.compact}-{n:03d}", *ligne))
        self.actions.writerows(lignes)
        self.comptes["actions.csv"] += len(lignes)

    @staticmethod
    def _issue(rng: random.Random, agent: Agent, site: Site) -> str:
        """What came of a knock on a tenant's door."""
        r = rng.random()
        absent = 0.38 if site.a_probleme else 0.28
        if r < absent:
            return "absent"
        if r < absent + 0.22:
            return "visite"
        taux = agent.taux_reussite * (0.6 if site.a_probleme else 1.0)
        if rng.random() < taux:
            return "paiement" if rng.random() < 0.4 else "promesse"
        return "refus"

    def _cible(self, rng: random.Random, site: Site, mois: int) -> tuple[Locataire, int | None]:
        """A tenant of the site who had a lease by then, preferably one who owes; and the
        instalment the action is about (None when it is about none)."""
        r = rng.random()
        if r < 0.6:
            pools = ((site.debiteurs, site.debiteurs_depuis), (site.suivis, site.suivis_depuis))
        elif r < 0.85:
            pools = ((site.suivis, site.suivis_depuis),)
        else:
            pools = ()
        for pool, depuis in (*pools, (site.tous, site.tous_depuis)):
            n = bisect.bisect_right(depuis, mois)
            if n:
                loc = self.monde.locataires[pool[int(rng.random() * n)]]
                break
        else:
            # No lease on the site had started yet: anyone of it (never with the demo's dates).
            loc = self.monde.locataires[rng.choice(site.tous)]
        dus = [m for m in loc.impayes if m <= mois]
        if dus:
            return loc, rng.choice(dus)
        if loc.debut <= mois and rng.random() < 0.6:
            return loc, mois
        return loc, None

    def _action(self, rng: random.Random, agent: Agent, jour: Jour, t: int, type_action: str,
                site: Site, sur_place: bool) -> tuple:
        loc, m = self._cible(rng, site, jour.mois)
        reference = f"IMP-{loc.code}-{self.monde.mois[m]:%Y%m}" if m is not None else ""
        montant = 0
        resultat = rng.choice(RESULTATS[type_action])
        if type_action in ("paiement", "promesse"):
            montant = self._montant_regle(rng, loc, m)
            echeance = jour.date + datetime.timedelta(days=rng.randint(7, 21))
            resultat = resultat.format(m=_montant(montant).replace(".", ","), d=f"{echeance:%d/%m/%Y}")
        statut = "realisee"
        r = rng.random()
        if type_action == "visite" and r < 0.05:
            statut, resultat = "annulee", RESULTAT_ANNULEE
        elif not sur_place and r < 0.04:
            statut, resultat = "planifiee", RESULTAT_PLANIFIEE
        elif not sur_place and r < 0.07:
            statut = "annulee"
        lat = lon = ""
        if sur_place:
            # At one of the site's entrances, give or take the phone's precision.
            lat = f"{site.lat + rng.uniform(-60, 60) / M_PAR_DEG_LAT:.6f}"
            lon = f"{site.lon + rng.uniform(-60, 60) / M_PAR_DEG_LON:.6f}"
        recouvre = montant if type_action == "paiement" else 0  # a promise only names its amount
        return (
            agent.code, loc.code, reference, type_action, statut, resultat, _montant(recouvre),
            f"{jour.prefixe}{_HMS[t]}{jour.decalage}", lat, lon,
        )

    def _montant_regle(self, rng: random.Random, loc: Locataire, m: int | None) -> int:
        """Cents paid or promised: part of what is left for an unpaid instalment,
        the whole of it for one paid late, a round sum when about no instalment."""
        if m is None:
            return rng.randint(5, 30) * 1_000
        du = loc.loyers[self.monde.mois[m].year]
        if m not in loc.impayes:
            return du
        reste = du - loc.impayes[m]
        return max(1_000, int(reste * rng.uniform(0.2, 1.0)) // 1_000 * 1_000)

    # -- GPS trail

    def _etapes(self, agent: Agent, visites: list[Visite]) -> list[tuple]:
        """Where the phone stays, in order: (from s, until s, lat, lon, wander radius m).
        It travels from one stop to the next in between."""
        sur_place = [v for v in visites if v.issue in ("complete", "abandon")]
        maison = (agent.lat, agent.lon, 3.0)
        if not sur_place:
            return [(0, JAMAIS, *maison)]
        sites = [self.monde.sites[v.site] for v in sur_place]
        # Leave home just in time for the first site, go back after the last one.
        depart = sur_place[0].arrivee - _duree_trajet(agent.lat, agent.lon, sites[0].lat, sites[0].lon)
        retour = sur_place[-1].depart + _duree_trajet(sites[-1].lat, sites[-1].lon, agent.lat, agent.lon)
        return [
            (0, depart, *maison),
            *((v.arrivee, v.depart, site.lat, site.lon, 25.0) for v, site in zip(sur_place, sites)),
            (retour, JAMAIS, *maison),
        ]

    def _ecrire_trace(self, rng: random.Random, agent: Agent, jour: Jour, visites: list[Visite],
                      debut: int, fin: int) -> None:
        etapes = self._etapes(agent, visites)
        # Between two stops the agent walks a straight-ish line bowed by up to 60 m.
        segments = []
        for (_, dep, lat0, lon0, _), (arr, _, lat1, lon1, _) in zip(etapes, etapes[1:]):
            dx, dy = (lon1 - lon0) * M_PAR_DEG_LON, (lat1 - lat0) * M_PAR_DEG_LAT
            longueur = math.hypot(dx, dy) or 1.0
            courbe = rng.uniform(-60, 60) / longueur
            segments.append((dep, max(1, arr - dep), lat1 - lat0, lon1 - lon0,
                             courbe * dx / M_PAR_DEG_LAT, -courbe * dy / M_PAR_DEG_LON))
        # Now and then the phone is off for 20 to 60 minutes.
        trou = (-1, -1)
        if rng.random() < 0.3:
            t = rng.randint(debut, debut + 8 * 3600)
            trou = (t, t + rng.randint(1_200, 3_600))

        pas = self.profil.intervalle_gps
        rnd = rng.random
        tete = f"{agent.code},{jour.prefixe}"
        decalage = jour.decalage
        lignes = []
        i, dernier = 0, len(etapes) - 1
        t = debut + int(rnd() * pas)
        while t <= fin:
            if trou[0] <= t < trou[1]:
                t = trou[1]
                continue
            while i < dernier and etapes[i + 1][0] <= t:
                i += 1
            _, dep, lat, lon, rayon = etapes[i]
            if t <= dep:
                lat += (rnd() - 0.5) * 2 * rayon / M_PAR_DEG_LAT
                lon += (rnd() - 0.5) * 2 * rayon / M_PAR_DEG_LON
            else:
                depart, duree, dlat, dlon, courbe_lat, courbe_lon = segments[i]
                f = (t - depart) / duree
                bosse = math.sin(math.pi * f)
                lat += f * dlat + bosse * courbe_lat
                lon += f * dlon + bosse * courbe_lon
            precision = 3 + 27 * rnd() ** 3
            bruit = precision * 0.6
            lat += (rnd() - 0.5) * bruit / M_PAR_DEG_LAT
            lon += (rnd() - 0.5) * bruit / M_PAR_DEG_LON
            lignes.append(f"{tete}{_HMS[t]}{decalage},{lat:.6f},{lon:.6f},{precision:.1f}\n")
            t += pas - 2 + int(rnd() * 5)
        self.positions.write("".join(lignes))
        self.comptes["positions.csv"] += len(lignes)
