"""The demo's files (names and columns as AKIG exports them, how they are written) and its size profiles."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

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
