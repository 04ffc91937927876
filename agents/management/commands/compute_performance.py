"""manage.py compute_performance [--date AAAA-MM-JJ | --depuis AAAA-MM-JJ]"""
import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from agents.services import performance_compute
from akig_ops.lib.commandes import option_renommee


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
        periode.add_argument("--depuis", type=_date, help="Du jour AAAA-MM-JJ à aujourd'hui.")
        option_renommee(periode, "--since", "--depuis", type=_date)

    def handle(self, *args, date=None, depuis=None, **options):
        today = timezone.localdate()
        du = date or depuis or today
        au = date or today
        if du > au:
            raise CommandError(f"--depuis {du} est postérieure à aujourd'hui ({today}).")
        nb = performance_compute(du=du, au=au)
        periode = f"du {du:%d/%m/%Y} au {au:%d/%m/%Y}"
        texte = ngettext(
            "%(nb)s ligne de performance recalculée", "%(nb)s lignes de performance recalculées", nb
        ) % {"nb": nb}
        self.stdout.write(self.style.SUCCESS(f"{texte} {periode}."))
