"""The GPS positions' monthly partitions (`agent_geolocalisation`, PostgreSQL; docs/operations.md).

Every night `positions_partitions_entretenir` creates the partitions of this month and the next
MOIS_D_AVANCE, gives a partition to any month whose positions wait in the default partition
(an import of old positions, a phone whose clock was wrong), and, when
AKIG_RETENTION_POSITIONS_MOIS is set, archives the months older than that to
AKIG_BACKUP_DIR/positions/ (checked: rows and checksum read back from the file) and drops them.
`manage.py partitions_positions` runs it by hand; `manage.py restaurer_positions` puts an
archive back.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from akig_ops.lib import partitions
from akig_ops.services import battement_enregistrer

from .models import AgentGeolocalisation

TABLE = AgentGeolocalisation._meta.db_table
COLONNE = "timestamp"
# Months of partitions kept ready after the current one: a missed night or two never sends
# today's positions to the default partition.
MOIS_D_AVANCE = 3
BATTEMENT = "agents.partitions_positions"


@dataclass
class Entretien:
    """What a maintenance run did (or, in a simulation, would do): months whose partition it
    created, rows moved out of the default partition, archives written (months dropped), rows
    left in the default partition."""

    creees: list[datetime.date] = field(default_factory=list)
    deplacees: int = 0
    archives: list[partitions.Archive] = field(default_factory=list)
    a_archiver: list[datetime.date] = field(default_factory=list)
    restees_defaut: int = 0


def repertoire_archives() -> Path:
    return Path(settings.AKIG_BACKUP_DIR) / "positions"


def positions_partitionnees() -> bool:
    """Whether the positions' table is partitioned here (PostgreSQL after agents/0010)."""
    return partitions.est_partitionnee(TABLE)


def positions_partitions_entretenir(*, maintenant: datetime.datetime | None = None,
                                    retention_mois: int | None = None, simulation: bool = False,
                                    depuis: datetime.date | None = None) -> Entretien:
    """Create the coming months' partitions and those the default partition's rows need, then
    archive and drop the months older than `retention_mois` (None: AKIG_RETENTION_POSITIONS_MOIS;
    0: keep everything). With `depuis`, every month from `depuis`'s is created too (before a bulk
    load of old positions, so they are written into their months rather than into the default
    partition and moved from there). Idempotent. With `simulation`,
    change nothing and say what would be done. Records the heartbeat BATTEMENT. Return what
    was done; an empty Entretien off PostgreSQL."""
    bilan = Entretien()
    if not positions_partitionnees():
        return bilan
    maintenant = timezone.localtime(maintenant or timezone.now())
    retention_mois = settings.AKIG_RETENTION_POSITIONS_MOIS if retention_mois is None else retention_mois
    fuseau = settings.TIME_ZONE
    ce_mois = partitions.mois_de(maintenant.date())
    existants = set(partitions.partitions_lister(TABLE))
    en_attente = partitions.mois_du_defaut(TABLE, COLONNE, fuseau)
    premier = partitions.mois_de(min(depuis, ce_mois)) if depuis else ce_mois
    ecart = (ce_mois.year - premier.year) * 12 + ce_mois.month - premier.month
    voulus = {partitions.mois_decaler(ce_mois, n) for n in range(-ecart, MOIS_D_AVANCE + 1)} | set(en_attente)
    for mois in sorted(voulus - existants):
        bilan.creees.append(mois)
        if not simulation:
            bilan.deplacees += partitions.partition_creer(table=TABLE, colonne=COLONNE, mois=mois, fuseau=fuseau) or 0
    if retention_mois:
        bilan.a_archiver = partitions.mois_a_archiver(
            mois_existants=sorted(existants | voulus), mois_courant=ce_mois, retention_mois=retention_mois
        )
        for mois in [] if simulation else bilan.a_archiver:
            bilan.archives.append(partitions.archive_ecrire(
                table=TABLE, mois=mois, fuseau=fuseau, repertoire=repertoire_archives(), horodatage=maintenant
            ))
    if simulation:
        return bilan
    bilan.restees_defaut = sum(partitions.mois_du_defaut(TABLE, COLONNE, fuseau).values())
    battement_enregistrer(nom=BATTEMENT, details={
        "creees": [f"{mois:%Y-%m}" for mois in bilan.creees],
        "deplacees": bilan.deplacees,
        "archives": [{"fichier": a.fichier.name, "lignes": a.lignes} for a in bilan.archives],
        "restees_defaut": bilan.restees_defaut,
        "retention_mois": retention_mois,
    })
    return bilan


def positions_archive_restaurer(*, fichier: Path) -> tuple[partitions.Archive, int]:
    """Put an archive of `positions_partitions_entretenir` back (checked against its header);
    return (the archive, positions inserted: those already stored are skipped)."""
    if not positions_partitionnees():
        raise partitions.PartitionErreur("les positions ne sont partitionnées que sur PostgreSQL")
    return partitions.archive_restaurer(fichier=fichier, colonne=COLONNE, fuseau=settings.TIME_ZONE)
