"""manage.py scores_instantanes [--instant AAAA-MM-JJTHH:MM] [--depuis AAAA-MM-JJTHH:MM]"""
import argparse
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from agents.selectors import instant_du_releve
from agents.services import scores_instantanes_enregistrer


def _instant(valeur: str) -> datetime.datetime:
    try:
        instant = datetime.datetime.fromisoformat(valeur)
    except ValueError:
        raise argparse.ArgumentTypeError(f"instant invalide : {valeur!r} (attendu AAAA-MM-JJTHH:MM)") from None
    return instant if instant.utcoffset() is not None else timezone.make_aware(instant)


PAS = datetime.timedelta(minutes=5)


class Command(BaseCommand):
    help = "Enregistre le score instantané de chaque agent en service (par défaut : maintenant)."

    def add_arguments(self, parser):
        parser.add_argument("--instant", type=_instant, help="Un autre instant, AAAA-MM-JJTHH:MM (heure de Paris).")
        parser.add_argument(
            "--depuis", type=_instant,
            help="Rattrape tous les relevés de 5 minutes depuis cet instant jusqu'à --instant (ou maintenant).",
        )

    def handle(self, *args, instant=None, depuis=None, **options):
        instant = instant or timezone.now()
        if depuis is not None and depuis > instant:
            raise CommandError("--depuis doit précéder --instant (ou maintenant).")
        releves = [instant]
        if depuis is not None:
            releves, t = [], instant_du_releve(depuis)
            while t <= instant:
                releves.append(t)
                t += PAS
        nb = sum(scores_instantanes_enregistrer(maintenant=t) for t in releves)
        quand = timezone.localtime(instant_du_releve(instant))
        texte = ngettext("%(nb)s score instantané enregistré", "%(nb)s scores instantanés enregistrés", nb) % {"nb": nb}
        self.stdout.write(self.style.SUCCESS(f"{texte} à {quand:%d/%m/%Y %H:%M}."))
