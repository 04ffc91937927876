"""manage.py reparer_donnees [--confirmer] — find the rows outside the bounds of
akig_ops/lib/valeurs.py that older versions stored, list them, and repair them on --confirmer."""
import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from agents.services import performance_compute
from akig_ops.lib import valeurs
from akig_ops.lib.cache_donnees import donnees_modifiees
from akig_ops.lib.reparation import MONTANT, constats, reparer
from akig_ops.models import Quarantaine
from donnees.registre import controles_reparation


class Command(BaseCommand):
    help = (
        "Cherche les lignes hors des bornes (dates avant le 01/01/2000 ou trop loin dans le futur, "
        "montants au-dessus du plafond, codes avec des caractères de contrôle) et les liste. Avec "
        "--confirmer : corrige les codes, supprime les lignes calculées, met les autres en quarantaine."
    )

    def add_arguments(self, parser):
        parser.add_argument("--confirmer", action="store_true", help="Réparer ce qui est listé (sinon : rien ne change).")

    def handle(self, *args, confirmer: bool, **options):
        liste = constats(controles_reparation())
        for constat in liste:
            self.stdout.write(str(constat))
        n = len(liste)
        self.stdout.write(ngettext("%(n)s ligne hors des bornes.", "%(n)s lignes hors des bornes.", n) % {"n": n})
        if not liste:
            return
        if not confirmer:
            self.stdout.write("Rien n'a été modifié : relancez avec --confirmer pour réparer.")
            return
        with transaction.atomic():
            bilan = reparer(liste, quarantaine=Quarantaine)
            jours = _jours_a_recalculer(liste)
            if jours:
                performance_compute(du=min(jours), au=max(jours))
            transaction.on_commit(donnees_modifiees)
        self.stdout.write(
            f"Corrigées : {bilan['corrigees']}, supprimées (recalculées) : {bilan['supprimees']}, "
            f"en quarantaine : {bilan['en_quarantaine']}, à corriger à la main : {bilan['a_la_main']}."
        )


def _jours_a_recalculer(liste) -> list[datetime.date]:
    """The days, within the bounds, of the actions quarantined for their amount: their
    performance summed it."""
    jours = []
    for constat in liste:
        if constat.controle.genre != MONTANT or "date_action" not in constat.contenu:
            continue
        try:
            instant = datetime.datetime.fromisoformat(constat.contenu["date_action"])
            if instant.utcoffset() is None:  # SQLite keeps UTC without an offset
                instant = instant.replace(tzinfo=datetime.UTC)
            valeurs.instant(instant)
        except (ValueError, valeurs.ValeurInvalide):
            continue  # its date is out of bounds too: no performance day to fix
        jours.append(timezone.localdate(instant))
    return jours
