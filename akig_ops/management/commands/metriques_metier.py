"""manage.py metriques_metier — compute the business gauges of /metrics (beat's task, by hand or cron)."""
from django.core.management.base import BaseCommand

from akig_ops.services import metriques_metier_enregistrer


class Command(BaseCommand):
    help = "Calcule les jauges métier de /metrics et les enregistre (battement ops.metriques)."

    def handle(self, *args, **options):
        battement = metriques_metier_enregistrer()
        jauges = battement.details["jauges"]
        self.stdout.write(f"{len(jauges)} jauges enregistrées")
        for fonction in battement.details["en_echec"]:
            self.stderr.write(f"en échec : {fonction}")
