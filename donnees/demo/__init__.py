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

The parts: `profils` (the files, their columns, the size profiles), `lexique` (Paris and
the words drawn from), `monde` (sites, tenants, debts, teams, agents, working days),
`activite` (missions, actions and trails, one agent-day at a time); this module writes them.
"""
from __future__ import annotations

import datetime
import random
from pathlib import Path

from .activite import _Activite, _montant
from .monde import (
    Monde,
    _creer_agents,
    _creer_equipes_et_sites,
    _creer_locataires,
    _jours_ouvres,
    _mois_factures,
    _ranger_pools,
    distance_m,
)
from .profils import (
    AGENT_EVITEMENT,
    AGENT_SEDENTAIRE,
    CHEF_PREMIERE_EQUIPE,
    COLONNES,
    JOUR_ECHEANCE,
    MOIS_ECHEANCES,
    PROFILS,
    Profil,
    _ecrire_csv,
)

# What seed_demo, bench and the tests read of the demo.
__all__ = [
    "AGENT_EVITEMENT", "AGENT_SEDENTAIRE", "CHEF_PREMIERE_EQUIPE", "COLONNES", "PROFILS",
    "construire_monde", "distance_m", "write_demo_csv",
]

# --- Entry point


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
