"""manage.py instantanes_sites [--depuis D]: the daily per-site snapshots (also a beat task)."""
import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recovery.services import instantanes_sites_mettre_a_jour


def _date(valeur: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(valeur)
    except ValueError:
        raise CommandError(f"--depuis : « {valeur} » n'est pas une date AAAA-MM-JJ.") from None


class Command(BaseCommand):
    help = (
        "Écrit l'instantané quotidien des impayés par site et par tranche de retard (aujourd'hui), "
        "ou reconstitue l'historique depuis une date (--depuis), à partir des impayés en cours et "
        "des impayés soldés. Idempotent : les jours concernés sont remplacés."
    )

    def add_arguments(self, parser):
        parser.add_argument("--depuis", type=_date, help="Premier jour à (ré)écrire, AAAA-MM-JJ (défaut : aujourd'hui).")

    def handle(self, *args, depuis: datetime.date | None, **options):
        aujourdhui = timezone.localdate()
        depuis = depuis or aujourdhui
        if depuis > aujourdhui:
            raise CommandError(f"--depuis : {depuis:%d/%m/%Y} est dans le futur.")
        debut = time.monotonic()
        lignes = instantanes_sites_mettre_a_jour(du=depuis, au=aujourdhui)
        self.stdout.write(
            f"{lignes} instantanés écrits du {depuis:%d/%m/%Y} au {aujourdhui:%d/%m/%Y} "
            f"en {time.monotonic() - debut:.1f} s."
        )
