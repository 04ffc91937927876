"""Demo data for AKIG Ops, written as AKIG's CSV exports (loaded by `seed_demo`).

`write_demo_csv` builds a coherent world relative to `now`: residences in
Paris and their tenants with 24 months of rent instalments, teams of field
agents with their daily missions, the recovery actions they logged and the
GPS trails of their phones. It only writes CSV files; `import_csv` loads them.

The figures follow the business's story: most rent is paid on time, a tail
stays unpaid on three or four problem sites (enough to raise the runbook's
"> 50 impayés à plus de 60 jours" alert), agents visit tenants who owe during
their mission windows, and two agents misbehave for the team lead to spot —
one never leaves home, one never goes to the site he is afraid of.

Everything is drawn from seeded `random.Random` generators (one for the world,
one per agent), so a seed and a day give the same files. The activity files
are streamed one agent-day at a time: the large profile (20 million GPS
positions) never holds them in memory.
"""
from __future__ import annotations

import bisect
import csv
import datetime
import math
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from akig_ops.lib.calendrier import jours_feries

# --- The files, as AKIG exports them (import_csv reads these names and columns).

COLONNES = {
    "sites.csv": ["code", "nom", "adresse", "latitude", "longitude", "sensible"],
    "equipes.csv": ["code", "nom", "chef_email"],
    "agents.csv": ["code", "nom", "email", "telephone", "equipe_code", "actif"],
    "locataires.csv": ["code", "nom", "telephone", "site_code", "logement"],
    "impayes.csv": [
        "reference", "locataire_code", "periode", "montant_du", "montant_paye", "date_echeance",
    ],
    "missions.csv": [
        "reference", "agent_code", "site_code", "date_prevue", "heure_debut", "heure_fin", "status",
    ],
    "actions.csv": [
        "reference", "agent_code", "locataire_code", "impaye_reference", "type_action", "statut",
        "resultat", "montant_recouvre", "date_action", "latitude", "longitude",
    ],
    "positions.csv": ["agent_code", "timestamp", "latitude", "longitude", "precision_m"],
}


@dataclass(frozen=True)
class Profil:
    """How big the demo is."""

    sites: int
    locataires: int
    sites_a_probleme: int
    equipes: int
    agents: int
    agents_partis: int  # agents who left during the year: actif = 0, no activity after
    jours_missions: int  # calendar days of missions and actions, today included
    jours_positions: int  # working days with GPS trails, today included
    intervalle_gps: int  # seconds between two positions of a phone


PROFILS = {
    "small": Profil(
        sites=20, locataires=600, sites_a_probleme=3, equipes=2, agents=8, agents_partis=0,
        jours_missions=30, jours_positions=10, intervalle_gps=30,
    ),
    "large": Profil(
        sites=500, locataires=100_000, sites_a_probleme=4, equipes=20, agents=200, agents_partis=8,
        jours_missions=365, jours_positions=77, intervalle_gps=25,
    ),
}

# The two agents of the first team whose behaviour the team lead should spot.
AGENT_SEDENTAIRE = "AG003"  # never leaves home: all missions non_complete, score ~0
AGENT_EVITEMENT = "AG004"  # never goes to one problem site: those missions non_complete
CHEF_PREMIERE_EQUIPE = "chef@akig.local"

MOIS_ECHEANCES = 24
JOUR_ECHEANCE = 5

# --- Paris. Sites stay in this box (the dashboard map's bounds).

LAT_MIN, LAT_MAX = 48.815, 48.900
LON_MIN, LON_MAX = 2.25, 2.42
M_PAR_DEG_LAT = 111_320.0
M_PAR_DEG_LON = M_PAR_DEG_LAT * math.cos(math.radians(48.857))

# (postal code, centre, a few streets) of each arrondissement: a site's address
# is on a street of the arrondissement whose centre is nearest.
ARRONDISSEMENTS = [
    ("75001", 48.8625, 2.3364, ["rue Saint-Honoré", "rue du Louvre", "rue de Richelieu"]),
    ("75002", 48.8683, 2.3428, ["rue Montorgueil", "rue Réaumur", "rue d'Aboukir"]),
    ("75003", 48.8630, 2.3600, ["rue de Bretagne", "rue Charlot", "rue de Turbigo"]),
    ("75004", 48.8543, 2.3576, ["rue Saint-Antoine", "rue du Temple", "rue des Archives"]),
    ("75005", 48.8445, 2.3496, ["rue Mouffetard", "rue Monge", "boulevard Saint-Marcel"]),
    ("75006", 48.8491, 2.3328, ["rue de Rennes", "rue du Cherche-Midi", "rue d'Assas"]),
    ("75007", 48.8562, 2.3122, ["rue de Grenelle", "rue Cler", "avenue de Suffren"]),
    ("75008", 48.8727, 2.3125, ["rue de Rome", "boulevard Malesherbes", "rue de Miromesnil"]),
    ("75009", 48.8771, 2.3375, ["rue des Martyrs", "rue La Fayette", "rue de Maubeuge"]),
    ("75010", 48.8761, 2.3607, ["rue du Faubourg-Saint-Denis", "rue de Paradis", "quai de Valmy",
                                "rue Louis-Blanc"]),
    ("75011", 48.8590, 2.3800, ["rue Oberkampf", "boulevard Voltaire", "rue de la Roquette",
                                "rue de Charonne"]),
    ("75012", 48.8400, 2.3880, ["avenue Daumesnil", "rue de Charenton", "boulevard Poniatowski",
                                "rue de Picpus"]),
    ("75013", 48.8283, 2.3623, ["avenue d'Italie", "rue de Tolbiac", "boulevard Masséna",
                                "rue Nationale", "avenue de Choisy", "rue du Château-des-Rentiers"]),
    ("75014", 48.8292, 2.3265, ["rue d'Alésia", "avenue du Maine", "rue Didot", "boulevard Brune",
                                "rue de la Tombe-Issoire"]),
    ("75015", 48.8401, 2.2931, ["rue de Vaugirard", "rue de la Convention", "rue Lecourbe",
                                "boulevard Victor", "rue Balard"]),
    ("75016", 48.8600, 2.2750, ["avenue Mozart", "rue de Passy", "boulevard Exelmans",
                                "rue d'Auteuil"]),
    ("75017", 48.8873, 2.3067, ["avenue de Clichy", "rue Legendre", "boulevard Bessières",
                                "rue Cardinet", "rue de la Jonquière"]),
    ("75018", 48.8925, 2.3484, ["rue Ordener", "rue Marcadet", "rue de Clignancourt",
                                "boulevard Ney", "rue Championnet", "rue Myrha"]),
    ("75019", 48.8871, 2.3848, ["rue de Crimée", "avenue Jean-Jaurès", "rue de Flandre",
                                "rue Manin", "rue d'Hautpoul", "boulevard Macdonald"]),
    ("75020", 48.8634, 2.4012, ["rue de Belleville", "rue des Pyrénées", "rue de Bagnolet",
                                "rue de Ménilmontant", "boulevard Mortier", "rue Saint-Blaise"]),
]

# One team per sector; the small profile takes the first two. (slug, name, centre)
SECTEURS = [
    ("nord", "Nord", 48.8910, 2.3560),
    ("sud", "Sud", 48.8240, 2.3700),
    ("est", "Est", 48.8630, 2.4030),
    ("ouest", "Ouest", 48.8420, 2.2820),
    ("centre", "Centre", 48.8600, 2.3500),
    ("montmartre", "Montmartre", 48.8890, 2.3330),
    ("batignolles", "Batignolles", 48.8880, 2.3100),
    ("villette", "La Villette", 48.8890, 2.3850),
    ("belleville", "Belleville", 48.8720, 2.3820),
    ("republique", "République", 48.8700, 2.3620),
    ("bastille", "Bastille", 48.8530, 2.3750),
    ("nation", "Nation", 48.8460, 2.4000),
    ("bercy", "Bercy", 48.8350, 2.3850),
    ("italie", "Italie", 48.8320, 2.3450),
    ("alesia", "Alésia", 48.8280, 2.3250),
    ("montparnasse", "Montparnasse", 48.8420, 2.3200),
    ("vaugirard", "Vaugirard", 48.8360, 2.2990),
    ("passy", "Passy", 48.8570, 2.2750),
    ("ternes", "Ternes", 48.8800, 2.2950),
    ("opera", "Opéra", 48.8720, 2.3350),
]

NOMS_RESIDENCE = [
    "Les Tilleuls", "Les Acacias", "Les Lilas", "Bellevue", "Les Peupliers", "du Parc",
    "Les Marronniers", "Les Glycines", "Les Cèdres", "Le Belvédère", "Les Iris", "Les Érables",
    "du Moulin", "Les Platanes", "Le Clos Fleuri", "Les Charmilles", "Les Mimosas", "du Verger",
    "Les Hortensias", "Les Magnolias", "Le Panorama", "Les Capucines", "L'Orangerie",
    "Les Sablons", "Les Rosiers", "Les Bleuets", "Les Saules", "Les Jardins", "La Roseraie",
    "Les Lavandières", "Le Square", "Les Terrasses", "Les Vergers", "La Fontaine", "Les Mésanges",
]
TYPES_ENSEMBLE = ["Cité", "Îlot", "Ensemble", "Résidence", "Square"]

PRENOMS = [
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Sandrine", "Céline", "Julie",
    "Camille", "Léa", "Chloé", "Manon", "Inès", "Sarah", "Fatima", "Aïcha", "Aminata", "Mariam",
    "Yasmina", "Nadia", "Sofia", "Emma", "Louise", "Amandine", "Christine", "Valérie", "Sophie",
    "Jean", "Pierre", "Michel", "Philippe", "Alain", "Nicolas", "Christophe", "Laurent",
    "Stéphane", "Julien", "Thomas", "Antoine", "Maxime", "Lucas", "Hugo", "Mohamed", "Karim",
    "Youssef", "Mamadou", "Moussa", "Ibrahim", "Rachid", "Samir", "Kevin", "Franck", "David",
    "Olivier", "Patrick", "Éric", "Frédéric", "Sébastien", "Thierry", "Bruno", "Mehdi", "Bilal",
    "Ousmane", "Adama", "Tiago", "Paulo", "Minh", "Wei", "Ana", "Elena",
]
NOMS = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert",
    "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc",
    "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément",
    "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Benali", "Haddad",
    "Mansouri", "Bouzid", "Diallo", "Traoré", "Koné", "Camara", "Cissé", "Sow", "Ndiaye",
    "Diop", "Nguyen", "Tran", "Pereira", "Da Silva", "Ferreira", "Rodrigues", "Kaya", "Yilmaz",
    "Cohen", "Lévy", "Rossi", "Bianchi", "Popescu", "Nowak", "Renard", "Barbier", "Arnaud",
    "Marchand", "Colin", "Lemoine", "Brunet", "Masson", "Meunier", "Boyer", "Caron", "Giraud",
]

# Outcome texts per action type; "{m}" is an amount, "{d}" a date.
RESULTATS = {
    "visite": [
        "Locataire rencontré, situation expliquée",
        "Échéancier proposé, réponse attendue",
        "Courrier de relance remis en main propre",
        "Orienté vers le FSL pour une aide au paiement",
        "Locataire rencontré, dossier APL en cours",
    ],
    "promesse": [
        "Promesse de régler {m} € avant le {d}",
        "S'engage à verser {m} € le {d}",
        "Accord sur un échéancier, premier versement de {m} € le {d}",
    ],
    "paiement": [
        "Paiement de {m} € par chèque",
        "Paiement de {m} € en espèces, reçu remis",
        "Paiement de {m} € par carte bancaire",
        "Virement de {m} € confirmé sur place",
    ],
    "refus": [
        "Refus de payer, conteste le montant",
        "Refus, invoque des travaux non réalisés",
        "Locataire refuse le dialogue",
        "Refus, dit avoir déjà payé",
    ],
    "absent": [
        "Absent, avis de passage déposé",
        "Personne au domicile",
        "Absent, voisin prévenu",
        "Pas de réponse à l'interphone",
    ],
    "appel": [
        "Appel abouti, rappel de l'échéance",
        "Messagerie, message laissé",
        "Numéro injoignable",
        "Appel abouti, rendez-vous fixé",
    ],
    "sms": [
        "SMS de relance envoyé",
        "SMS suite à l'avis de passage",
        "SMS de rappel de rendez-vous",
    ],
}
RESULTAT_ANNULEE = "Rendez-vous annulé par le locataire"
RESULTAT_PLANIFIEE = "Rappel programmé"

JAMAIS = 10**9  # seconds: a stop that lasts past the end of the day
_HMS = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]


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


# --- Entry point


def _ouvrir(dossier: Path, nom: str):
    """The file `nom` in `dossier`, open for writing, its header row written."""
    f = (dossier / nom).open("w", encoding="utf-8", newline="", buffering=1 << 20)
    f.write(",".join(COLONNES[nom]) + "\n")
    return f


def _ecrire_csv(dossier: Path, nom: str, lignes) -> int:
    """Write the batches of rows `lignes` to the file `nom`; return the number of rows."""
    with _ouvrir(dossier, nom) as f:
        writer = csv.writer(f, lineterminator="\n")
        n = 0
        for lot in lignes:
            writer.writerows(lot)
            n += len(lot)
    return n


def construire_monde(*, profil: Profil, seed: int, today: datetime.date, tz) -> Monde:
    """The demo's sites, tenants (with their unpaid instalments), teams and agents."""
    rng = random.Random(seed)
    mois = _mois_factures(today)
    echeances = [m.replace(day=JOUR_ECHEANCE) for m in mois]
    equipes, sites = _creer_equipes_et_sites(rng, profil)
    locataires = _creer_locataires(rng, profil, sites, [m.year for m in mois])
    _ranger_pools(sites, locataires)
    jours = _jours_ouvres(today, profil, tz, echeances)
    agents = _creer_agents(rng, profil, equipes, sites, jours)
    return Monde(mois, echeances, sites, locataires, equipes, agents, jours)


def write_demo_csv(
    *, dossier: Path, profil: Profil, seed: int, maintenant: datetime.datetime,
    heure_debut: datetime.time, heure_fin: datetime.time,
) -> dict[str, int]:
    """Write the eight CSV files of the demo into `dossier`; return {file name: data rows}.

    `maintenant` is an aware datetime: the data is relative to its local date and
    nothing is dated after it. Agents work from `heure_debut` to `heure_fin`.
    """
    monde = construire_monde(profil=profil, seed=seed, today=maintenant.date(), tz=maintenant.tzinfo)
    comptes = {
        "sites.csv": _ecrire_csv(dossier, "sites.csv", [[
            (s.code, s.nom, s.adresse, f"{s.lat:.6f}", f"{s.lon:.6f}", int(s.sensible)) for s in monde.sites
        ]]),
        "equipes.csv": _ecrire_csv(dossier, "equipes.csv", [[
            (e.code, e.nom, e.chef_email) for e in monde.equipes
        ]]),
        "agents.csv": _ecrire_csv(dossier, "agents.csv", [[
            (a.code, a.nom, a.email, a.telephone, monde.equipes[a.equipe].code, int(a.parti_le is None))
            for a in monde.agents
        ]]),
        "locataires.csv": _ecrire_csv(dossier, "locataires.csv", [[
            (l.code, l.nom, l.telephone, monde.sites[l.site].code, l.logement) for l in monde.locataires
        ]]),
        "impayes.csv": _ecrire_csv(dossier, "impayes.csv", _lignes_impayes(monde)),
    }
    activite = _Activite(monde, profil, seed=seed, maintenant=maintenant,
                         heure_debut=heure_debut, heure_fin=heure_fin, dossier=dossier)
    comptes.update(activite.ecrire())
    return comptes


def _lignes_impayes(monde: Monde):
    """Every tenant's instalments since the lease began, one batch of rows per tenant."""
    periodes = [f"{m:%Y-%m}" for m in monde.mois]
    compacts = [f"{m:%Y%m}" for m in monde.mois]
    echeances = [e.isoformat() for e in monde.echeances]
    annees = [m.year for m in monde.mois]
    for loc in monde.locataires:
        lot = []
        for m in range(loc.debut, MOIS_ECHEANCES):
            du = loc.loyers[annees[m]]
            paye = loc.impayes.get(m, du)
            lot.append((f"IMP-{loc.code}-{compacts[m]}", loc.code, periodes[m], _montant(du),
                        _montant(paye), echeances[m]))
        yield lot
