"""`manage.py restore FILE --confirmer`: the runbook's restore, checked before the swap."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from akig_ops.sauvegarde import SauvegardeErreur, restauration_executer


class Command(BaseCommand):
    help = (
        "Restaure un fichier postgres-backup-….sql.gz dans une nouvelle base, vérifie les comptes de "
        "locataires, impayes et missions, puis la met à la place de la base actuelle (gardée sous le nom "
        "<base>_corrupted_<date>)."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path)
        parser.add_argument(
            "--confirmer", action="store_true",
            help="obligatoire hors DEBUG : la base actuelle est remplacée",
        )

    def handle(self, *args, fichier: Path, confirmer: bool, **options):
        nom = connection.settings_dict["NAME"]
        if not (settings.DEBUG or confirmer):
            raise CommandError(
                f"La restauration remplace la base « {nom} » par le contenu de {fichier} : "
                "relancez avec --confirmer."
            )
        try:
            resultat = restauration_executer(fichier=fichier)
        except SauvegardeErreur as erreur:
            raise CommandError(f"Restauration abandonnée, la base « {nom} » n'a pas changé : {erreur}") from erreur
        comptes = ", ".join(f"{table} {n}" for table, n in resultat.comptes.items())
        self.stdout.write(f"Base « {resultat.base} » restaurée depuis {fichier.name} ({comptes}).")
        if resultat.corrompue:
            self.stdout.write(f"L'ancienne base est gardée sous le nom « {resultat.corrompue} ».")
        self.stdout.write("Redémarrez akig-backend, le worker et beat (docker restart akig-backend …).")
