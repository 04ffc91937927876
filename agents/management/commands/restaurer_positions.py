"""manage.py restaurer_positions FICHIER"""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from agents.partitions import positions_archive_restaurer
from akig_ops.lib.partitions import PartitionErreur


class Command(BaseCommand):
    help = (
        "Remet dans la base les positions d'une archive de partitions_positions "
        "(AKIG_BACKUP_DIR/positions/…sql.gz), contrôlées : nombre de lignes et somme de contrôle de l'en-tête."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path)

    def handle(self, *args, fichier, **options):
        try:
            archive, inserees = positions_archive_restaurer(fichier=fichier)
        except (PartitionErreur, DatabaseError) as erreur:
            raise CommandError(f"Restauration en échec : {erreur}") from erreur
        self.stdout.write(self.style.SUCCESS(
            f"{archive.mois:%m/%Y} restauré depuis {fichier.name} : {archive.lignes} positions contrôlées "
            f"(somme {archive.somme}), {inserees} insérées, {archive.lignes - inserees} déjà présentes."
        ))
