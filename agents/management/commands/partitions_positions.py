"""manage.py partitions_positions [--retention-mois N] [--simulation] [--depuis AAAA-MM]"""
import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from agents.partitions import MOIS_D_AVANCE, positions_partitionnees, positions_partitions_entretenir
from akig_ops.lib.partitions import PartitionErreur


def _mois(valeur: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{valeur}-01")
    except ValueError:
        raise argparse.ArgumentTypeError(f"mois invalide : {valeur!r} (attendu AAAA-MM)") from None


class Command(BaseCommand):
    help = (
        f"Crée les partitions mensuelles des positions GPS (ce mois et les {MOIS_D_AVANCE} suivants, et celles "
        "qu'attendent les positions de la partition par défaut) ; au-delà de AKIG_RETENTION_POSITIONS_MOIS, "
        "archive les mois anciens dans AKIG_BACKUP_DIR/positions/ (contrôlés) puis les supprime."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retention-mois", type=int, default=None,
            help="Mois gardés avant le mois en cours (remplace AKIG_RETENTION_POSITIONS_MOIS ; 0 : tout garder).",
        )
        parser.add_argument("--simulation", action="store_true", help="Dit ce qui serait fait, sans rien changer.")
        parser.add_argument(
            "--depuis", type=_mois, default=None,
            help="Crée aussi chaque mois depuis AAAA-MM (avant de charger d'anciennes positions).",
        )

    def handle(self, *args, retention_mois=None, simulation=False, depuis=None, **options):
        if retention_mois is not None and retention_mois < 0:
            raise CommandError("--retention-mois doit être positif ou nul.")
        if not positions_partitionnees():
            self.stdout.write("Rien à faire : les positions ne sont partitionnées que sur PostgreSQL.")
            return
        try:
            bilan = positions_partitions_entretenir(retention_mois=retention_mois, simulation=simulation, depuis=depuis)
        except (PartitionErreur, DatabaseError) as erreur:
            raise CommandError(f"Entretien des partitions en échec : {erreur}") from erreur
        conditionnel = " (simulation : rien n'a été changé)" if simulation else ""
        mois = ", ".join(f"{m:%m/%Y}" for m in bilan.creees) or "aucune"
        self.stdout.write(f"Partitions créées{conditionnel} : {mois}.")
        if bilan.deplacees:
            self.stdout.write(f"Positions déplacées de la partition par défaut : {bilan.deplacees}.")
        if simulation:
            a_archiver = ", ".join(f"{m:%m/%Y}" for m in bilan.a_archiver) or "aucun"
            self.stdout.write(f"Mois à archiver puis supprimer : {a_archiver}.")
        for archive in bilan.archives:
            self.stdout.write(
                f"{archive.mois:%m/%Y} archivé puis supprimé : {archive.fichier} (positions : {archive.lignes})"
            )
        if bilan.restees_defaut:
            self.stdout.write(self.style.WARNING(
                f"Positions restées dans la partition par défaut : {bilan.restees_defaut}."
            ))
