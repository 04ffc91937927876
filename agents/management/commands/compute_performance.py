"""manage.py compute_performance [--date AAAA-MM-JJ | --since AAAA-MM-JJ]"""
import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from agents.services import performance_compute


def _date(valeur: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(valeur)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide : {valeur!r} (attendu AAAA-MM-JJ)") from None


class Command(BaseCommand):
    help = "Recalcule l'historique de performance des agents (par défaut : aujourd'hui)."

    def add_arguments(self, parser):
        periode = parser.add_mutually_exclusive_group()
        periode.add_argument("--date", type=_date, help="Un seul jour, AAAA-MM-JJ.")
        periode.add_argument("--since", type=_date, help="Du jour AAAA-MM-JJ à aujourd'hui.")

    def handle(self, *args, date=None, since=None, **options):
        today = timezone.localdate()
        date_from = date or since or today
        date_to = date or today
        if date_from > date_to:
            raise CommandError(f"--since {date_from} est postérieure à aujourd'hui ({today}).")
        nb = performance_compute(date_from=date_from, date_to=date_to)
        periode = f"du {date_from:%d/%m/%Y} au {date_to:%d/%m/%Y}"
        texte = ngettext(
            "%(nb)s ligne de performance recalculée", "%(nb)s lignes de performance recalculées", nb
        ) % {"nb": nb}
        self.stdout.write(self.style.SUCCESS(f"{texte} {periode}."))
