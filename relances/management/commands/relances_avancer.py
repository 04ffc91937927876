"""`manage.py relances_avancer [--jour AAAA-MM-JJ]`: the ladder's daily run, for cron or by hand."""
import datetime

from django.core.management.base import BaseCommand, CommandError

from relances.services import relances_avancer


class Command(BaseCommand):
    help = "Fait monter ou descendre chaque locataire sur l'échelle de relance et crée le travail des étapes atteintes."

    def add_arguments(self, parser):
        parser.add_argument("--jour", help="Le jour évalué (AAAA-MM-JJ) ; par défaut aujourd'hui.")

    def handle(self, *args, jour=None, **options):
        if jour:
            try:
                jour = datetime.date.fromisoformat(jour)
            except ValueError:
                raise CommandError(f"--jour : date invalide « {jour} » (attendu AAAA-MM-JJ)") from None
        comptes = relances_avancer(aujourd_hui=jour)
        self.stdout.write(
            f"Relances : {comptes['montees']} montée(s), {comptes['descentes']} descente(s), "
            f"{comptes['inchanges']} inchangé(s)."
        )
