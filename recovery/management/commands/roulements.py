"""manage.py roulements: store the roll and cure figures of the 12 month-ends (also a beat task)."""
import time

from django.core.management.base import BaseCommand

from recovery.roulement import fins_de_mois
from recovery.services import roulements_mettre_a_jour


class Command(BaseCommand):
    help = (
        "Calcule et enregistre les taux de roulement des 12 fins de mois que propose /dashboard/roulement "
        "(la page les lit au lieu de regrouper les impayés à chaque requête). Idempotent : les mois sont remplacés."
    )

    def handle(self, *args, **options):
        fins = fins_de_mois()
        debut = time.monotonic()
        lignes = roulements_mettre_a_jour(fins=fins)
        self.stdout.write(
            f"{lignes} lignes de roulement écrites pour les fins de mois du {fins[0]:%d/%m/%Y} au {fins[-1]:%d/%m/%Y} "
            f"en {time.monotonic() - debut:.1f} s."
        )
