"""The demo's world: sites, tenants and their debts, teams and agents, the working days."""
from __future__ import annotations

import bisect
import datetime
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field

from akig_ops.lib.calendrier import jours_feries

from .lexique import (
    ARRONDISSEMENTS,
    LAT_MAX,
    LAT_MIN,
    LON_MAX,
    LON_MIN,
    M_PAR_DEG_LAT,
    M_PAR_DEG_LON,
    NOMS,
    NOMS_RESIDENCE,
    PRENOMS,
    SECTEURS,
    TYPES_ENSEMBLE,
)
from .profils import AGENT_EVITEMENT, CHEF_PREMIERE_EQUIPE, JOUR_ECHEANCE, MOIS_ECHEANCES, Profil

# --- The world: sites, tenants and their debts, teams and agents.


@dataclass(slots=True)
class Locataire:
    code: str
    nom: str
    telephone: str
    logement: str
    site: int
    debut: int  # index of the first instalment in the 24 months
    loyers: dict[int, int]  # year -> monthly rent in cents
    impayes: dict[int, int] = field(default_factory=dict)  # outstanding: month index -> paid cents
    suivi: bool = False  # paid late in the past, still followed by the agents


@dataclass(slots=True)
class Site:
    code: str
    nom: str
    adresse: str
    lat: float
    lon: float
    equipe: int
    a_probleme: bool
    sensible: bool = False
    locataires: list[int] = field(default_factory=list)
    # Tenant pools for the actions, each sorted by the month from which it applies.
    debiteurs: list[int] = field(default_factory=list)
    debiteurs_depuis: list[int] = field(default_factory=list)
    suivis: list[int] = field(default_factory=list)
    suivis_depuis: list[int] = field(default_factory=list)
    tous: list[int] = field(default_factory=list)
    tous_depuis: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Equipe:
    code: str
    nom: str
    chef_email: str
    lat: float
    lon: float
    sites: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Agent:
    code: str
    nom: str
    email: str
    telephone: str
    equipe: int
    lat: float  # home
    lon: float
    parti_le: datetime.date | None  # left the company that day: no activity from then on
    visites_par_mission: float
    appels_par_jour: int
    taux_reussite: float  # share of promises and payments among the tenants who answer
    site_evite: int | None = None


@dataclass
class Monde:
    mois: list[datetime.date]  # first day of the 24 billed months, oldest first
    echeances: list[datetime.date]
    sites: list[Site]
    locataires: list[Locataire]
    equipes: list[Equipe]
    agents: list[Agent]
    jours: list[Jour]  # working days with missions, oldest first


def _ascii(texte: str) -> str:
    sans_accents = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode()
    return "".join(c for c in sans_accents.lower() if c.isalnum() or c in ".-")


def _telephone(rng: random.Random) -> str:
    chiffres = [rng.randrange(100) for _ in range(4)]
    return "+33 6 " + " ".join(f"{c:02d}" for c in chiffres)


def _nom_personne(rng: random.Random) -> str:
    return f"{rng.choice(PRENOMS)} {rng.choice(NOMS)}"


def _dans_paris(lat: float, lon: float) -> tuple[float, float]:
    return min(max(lat, LAT_MIN + 0.001), LAT_MAX - 0.001), min(max(lon, LON_MIN + 0.001), LON_MAX - 0.001)


def _autour(rng: random.Random, lat: float, lon: float, sigma_m: float) -> tuple[float, float]:
    return _dans_paris(
        lat + rng.gauss(0, sigma_m) / M_PAR_DEG_LAT, lon + rng.gauss(0, sigma_m) / M_PAR_DEG_LON
    )


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres (flat-earth approximation, exact enough within Paris)."""
    return math.hypot((lat2 - lat1) * M_PAR_DEG_LAT, (lon2 - lon1) * M_PAR_DEG_LON)


def _distance_segment_m(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres from point p to segment ab, points as (lat, lon)."""
    ax, ay = a[1] * M_PAR_DEG_LON, a[0] * M_PAR_DEG_LAT
    bx, by = b[1] * M_PAR_DEG_LON, b[0] * M_PAR_DEG_LAT
    px, py = p[1] * M_PAR_DEG_LON, p[0] * M_PAR_DEG_LAT
    dx, dy = bx - ax, by - ay
    longueur2 = dx * dx + dy * dy
    f = 0.0 if not longueur2 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / longueur2))
    return math.hypot(px - ax - f * dx, py - ay - f * dy)


def _mois_factures(today: datetime.date) -> list[datetime.date]:
    """First days of the 24 latest months whose instalment (the 5th) is due by today."""
    annee, mois = today.year, today.month
    if today.day < JOUR_ECHEANCE:
        annee, mois = (annee, mois - 1) if mois > 1 else (annee - 1, 12)
    premiers = []
    for _ in range(MOIS_ECHEANCES):
        premiers.append(datetime.date(annee, mois, 1))
        annee, mois = (annee, mois - 1) if mois > 1 else (annee - 1, 12)
    return premiers[::-1]


def _rue_et_code_postal(rng: random.Random, lat: float, lon: float) -> tuple[str, str]:
    """A street of the arrondissement whose centre is nearest, and its postal code."""
    code_postal, _, _, rues = min(ARRONDISSEMENTS, key=lambda a: distance_m(lat, lon, a[1], a[2]))
    return rng.choice(rues), code_postal


def _nom_site(rng: random.Random, rue: str, pris: set[str]) -> str:
    """A residence name not yet taken: "Résidence Les Tilleuls", or after its street, "Cité Marcadet"."""
    # "rue de la Tombe-Issoire" -> "Tombe-Issoire", "rue d'Alésia" -> "Alésia".
    voie = re.sub(r"^(de la |de l'|du |des |de |d')", "", rue.split(" ", 1)[1])
    for _ in range(20):
        if rng.random() < 0.5:
            nom = f"Résidence {rng.choice(NOMS_RESIDENCE)}"
        else:
            nom = f"{rng.choice(TYPES_ENSEMBLE)} {voie}"
        if nom not in pris:
            break
    else:
        nom = f"{nom} {len(pris)}"
    pris.add(nom)
    return nom


def _creer_equipes_et_sites(rng: random.Random, profil: Profil) -> tuple[list[Equipe], list[Site]]:
    equipes = []
    for i, (slug, nom, lat, lon) in enumerate(SECTEURS[: profil.equipes]):
        chef = CHEF_PREMIERE_EQUIPE if i == 0 else f"chef.{slug}@akig.local"
        equipes.append(Equipe(f"EQ-{slug.upper()}", f"Équipe {nom}", chef, lat, lon))

    # Problem sites: big estates, one in the first team's sector (the demo lead's).
    problemes = {0} | set(rng.sample(range(1, profil.sites), profil.sites_a_probleme - 1))
    sigma = 700 if profil.equipes <= 4 else 550
    sites, noms = [], set()
    for i in range(profil.sites):
        equipe = i % profil.equipes
        lat, lon = _autour(rng, equipes[equipe].lat, equipes[equipe].lon, sigma)
        rue, code_postal = _rue_et_code_postal(rng, lat, lon)
        site = Site(
            code=f"S{i + 1:03d}",
            nom=_nom_site(rng, rue, noms),
            adresse=f"{rng.randint(1, 180)} {rue}, {code_postal} Paris",
            lat=round(lat, 6),
            lon=round(lon, 6),
            equipe=equipe,
            a_probleme=i in problemes,
        )
        sites.append(site)
        equipes[equipe].sites.append(i)
    # The PDG follows the worst estate and a few prestige buildings himself.
    nb_sensibles = max(2, profil.sites // 30)
    for i in [0, *rng.sample(range(1, profil.sites), nb_sensibles - 1)]:
        sites[i].sensible = True
    return equipes, sites


def _creer_locataires(
    rng: random.Random, profil: Profil, sites: list[Site], annees: list[int]
) -> list[Locataire]:
    # Problem sites are large estates: four times the tenants of an ordinary site.
    poids = [4.0 if s.a_probleme else rng.uniform(0.5, 1.5) for s in sites]
    total = sum(poids)
    tailles = [max(5, round(profil.locataires * p / total)) for p in poids]
    tailles[tailles.index(max(tailles))] += profil.locataires - sum(tailles)
    affectation = [i for i, n in enumerate(tailles) for _ in range(n)]
    rng.shuffle(affectation)  # tenant codes interleave sites, as in the accounting system

    loyer_site = [rng.randint(450, 1_100) for _ in sites]
    locataires = []
    for numero, s in enumerate(affectation, start=1):
        site = sites[s]
        rang = len(site.locataires)
        batiment = chr(ord("A") + rang // 60 % 26) * (1 + rang // (60 * 26))
        # Leases start all along the 24 months (10 rows a tenant on average); ~10 % are older.
        debut = MOIS_ECHEANCES - min(MOIS_ECHEANCES, 1 + int(rng.expovariate(1 / 10.5)))
        loyer = min(1_400.0, max(450.0, loyer_site[s] * rng.uniform(0.8, 1.3)))
        # Rents are revised each January (IRL), about 2.5 % a year.
        loyers = {a: int(loyer * 100 / 1.025 ** (annees[-1] - a)) for a in set(annees)}
        locataire = Locataire(
            code=f"L{numero:06d}",
            nom=_nom_personne(rng),
            telephone=_telephone(rng),
            logement=f"{batiment}-{rang % 60 // 6}{rang % 6 + 1}",
            site=s,
            debut=debut,
            loyers=loyers,
        )
        _tirer_impayes(rng, locataire, annees, a_probleme=site.a_probleme)
        site.locataires.append(len(locataires))
        locataires.append(locataire)
    return locataires


def _tirer_impayes(rng: random.Random, loc: Locataire, annees: list[int], *, a_probleme: bool) -> None:
    """Decide which of the tenant's instalments are still (partly) unpaid."""
    dernier = MOIS_ECHEANCES - 1
    r = rng.random()
    arrieres = 0.32 if a_probleme else 0.003
    recents = arrieres + (0.10 if a_probleme else 0.08)
    if r < arrieres:
        # Arrears: a run of unpaid months, usually still running today.
        fin = max(loc.debut, dernier - rng.choice((0, 0, 0, 0, 1, 2)))
        mois = range(max(loc.debut, fin - 1 - int(rng.expovariate(1 / 4.5))), fin + 1)
        partiel = 0.3
    elif r < recents:
        # Late this month (sometimes last month too): not yet in the 60-day alert.
        depuis = dernier - 1 if rng.random() < 0.25 else dernier
        mois = range(max(loc.debut, depuis), dernier + 1)
        partiel = 0.4
    else:
        loc.suivi = rng.random() < (0.25 if a_probleme else 0.12)
        return
    for m in mois:
        du = loc.loyers[annees[m]]
        paye = 0
        if rng.random() < partiel:
            # A partial payment, in round tens of euros, leaving at least 10 € due.
            paye = min(du - 1_000, max(1_000, int(du * rng.uniform(0.2, 0.8)) // 1_000 * 1_000))
        loc.impayes[m] = paye


def _ranger_pools(sites: list[Site], locataires: list[Locataire]) -> None:
    """Sort each site's tenants into the pools the agents draw from, by the month they join it."""
    for site in sites:
        membres = [(i, locataires[i]) for i in site.locataires]
        site.debiteurs_depuis, site.debiteurs = _trier([(min(l.impayes), i) for i, l in membres if l.impayes])
        site.suivis_depuis, site.suivis = _trier([(l.debut, i) for i, l in membres if l.suivi])
        site.tous_depuis, site.tous = _trier([(l.debut, i) for i, l in membres])


def _trier(paires: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    paires.sort()
    return [depuis for depuis, _ in paires], [i for _, i in paires]


def _creer_agents(
    rng: random.Random, profil: Profil, equipes: list[Equipe], sites: list[Site], jours: list[Jour]
) -> list[Agent]:
    par_equipe = profil.agents // profil.equipes
    # Agents who left during the year; never in the first team, the demo lead's.
    partis = set(rng.sample(range(par_equipe, profil.agents), profil.agents_partis))
    agents, emails = [], set()
    for i in range(profil.agents):
        code = f"AG{i + 1:03d}"
        e = min(i // par_equipe, profil.equipes - 1)
        prenom, nom = rng.choice(PRENOMS), rng.choice(NOMS)
        email = f"{_ascii(prenom)}.{_ascii(nom)}@akig.local"
        if email in emails:
            email = email.replace("@", f"{i + 1}@")
        emails.add(email)
        site_evite = 0 if code == AGENT_EVITEMENT else None  # site 0: the first team's problem site
        while True:
            lat, lon = _autour(rng, equipes[e].lat, equipes[e].lon, 1_500)
            if site_evite is None or distance_m(lat, lon, sites[0].lat, sites[0].lon) > 1_200:
                break
        agents.append(
            Agent(
                code=code,
                nom=f"{prenom} {nom}",
                email=email,
                telephone=_telephone(rng),
                equipe=e,
                lat=lat,
                lon=lon,
                parti_le=jours[rng.randrange(len(jours) // 4, len(jours))].date if i in partis else None,
                visites_par_mission=rng.uniform(6.0, 10.5),
                appels_par_jour=rng.randint(9, 17),
                taux_reussite=rng.uniform(0.3, 0.8),
                site_evite=site_evite,
            )
        )
    return agents


# --- Calendar


@dataclass(frozen=True, slots=True)
class Jour:
    """A working day, with what the CSV lines of that day share."""

    date: datetime.date
    prefixe: str  # "2026-11-26T"
    decalage: str  # "+01:00"
    compact: str  # "20261126", for references
    mois: int  # index of the latest instalment due by that day
    positions: bool  # the phones' trails of that day are exported


def _jours_ouvres(today: datetime.date, profil: Profil, tz, echeances: list[datetime.date]) -> list[Jour]:
    debut = today - datetime.timedelta(days=profil.jours_missions - 1)
    feries = jours_feries(debut.year) | jours_feries(today.year)
    calendrier = (debut + datetime.timedelta(days=n) for n in range(profil.jours_missions))
    dates = [d for d in calendrier if d.weekday() < 5 and d not in feries]
    avec_positions = set(dates[-profil.jours_positions :])
    jours = []
    for d in dates:
        midi = datetime.datetime.combine(d, datetime.time(12), tzinfo=tz).isoformat()
        jours.append(
            Jour(
                date=d,
                prefixe=f"{d.isoformat()}T",
                decalage=midi[-6:],
                compact=d.strftime("%Y%m%d"),
                mois=bisect.bisect_right(echeances, d) - 1,
                positions=d in avec_positions,
            )
        )
    return jours
