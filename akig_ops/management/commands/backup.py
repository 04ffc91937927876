"""`manage.py backup`: the runbook's daily dump (also run by beat at 02:00)."""
from django.core.management.base import BaseCommand, CommandError

from akig_ops.sauvegarde import SauvegardeErreur, sauvegarde_quotidienne


class Command(BaseCommand):
    help = (
        "Écrit postgres-backup-AAAA-MM-JJ.sql.gz (pg_dump compressé) dans AKIG_BACKUP_DIR et supprime "
        "les sauvegardes plus vieilles que AKIG_BACKUP_RETENTION_JOURS."
    )

    def handle(self, *args, **options):
        try:
            chemin = sauvegarde_quotidienne()
        except SauvegardeErreur as erreur:
            raise CommandError(f"Sauvegarde en échec : {erreur}") from erreur
        if chemin is None:
            self.stdout.write("Une autre sauvegarde est en cours : rien à faire.")
            return
        self.stdout.write(f"Sauvegarde écrite : {chemin} ({chemin.stat().st_size:,} octets)".replace(",", " "))
