"""manage.py scores_instantanes [--instant AAAA-MM-JJTHH:MM]"""
import argparse
import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from agents.services import instant_du_releve, scores_instantanes_enregistrer


def _instant(valeur: str) -> datetime.datetime:
    try:
        instant = datetime.datetime.fromisoformat(valeur)
    except ValueError:
        raise argparse.ArgumentTypeError(f"instant invalide : {valeur!r} (attendu AAAA-MM-JJTHH:MM)") from None
    return instant if instant.utcoffset() is not None else timezone.make_aware(instant)


class Command(BaseCommand):
    help = "Enregistre le score instantané de chaque agent en service (par défaut : maintenant)."

    def add_arguments(self, parser):
        parser.add_argument("--instant", type=_instant, help="Un autre instant, AAAA-MM-JJTHH:MM (heure de Paris).")

    def handle(self, *args, instant=None, **options):
        instant = instant or timezone.now()
        nb = scores_instantanes_enregistrer(maintenant=instant)
        quand = timezone.localtime(instant_du_releve(instant))
        self.stdout.write(self.style.SUCCESS(f"{nb} score(s) instantané(s) enregistré(s) à {quand:%d/%m/%Y %H:%M}."))
