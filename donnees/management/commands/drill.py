"""`manage.py drill` (make drill): the restore drill, RPO and RTO measured."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from donnees.drill import CIBLE_RPO_S, CIBLE_RTO_S, exercice_executer


class Command(BaseCommand):
    help = (
        "Exercice de restauration sur une grappe PostgreSQL jetable (initdb, port libre) : démo, sauvegarde "
        "de base pgBackRest, écritures, perte, restauration au dernier point ; affiche RPO et RTO."
    )

    def add_arguments(self, parser):
        parser.add_argument("--secondes", type=float, default=75, help="durée des écritures avant la perte (75)")
        parser.add_argument(
            "--depuis", type=Path,
            help="charger ce dump quotidien (manage.py backup) au lieu de la démo small, p. ex. le profil large",
        )
        parser.add_argument("--garder", action="store_true", help="garder le répertoire de la grappe")

    def handle(self, *args, secondes: float, depuis: Path | None, garder: bool, **options):
        if depuis and not depuis.is_file():
            raise CommandError(f"--depuis : fichier introuvable : {depuis}")
        r = exercice_executer(secondes=secondes, depuis=depuis, garder=garder, ecrire=self.stdout.write)
        ok = {True: "OK", False: "RATÉ"}
        self.stdout.write(
            f"\nRPO {r.rpo_s:.1f} s (cible ≤ {CIBLE_RPO_S} s : {ok[r.rpo_s <= CIBLE_RPO_S]}) — "
            f"{r.lignes_perdues} lignes perdues sur {r.lignes_ecrites} écrites"
        )
        self.stdout.write(
            f"RTO {r.rto_s:.1f} s (cible ≤ {CIBLE_RTO_S} s : {ok[r.rto_s <= CIBLE_RTO_S]}) — jusqu'à {r.sante} ; "
            f"pgbackrest restore {r.restauration_s:.1f} s, écritures possibles après {r.ecriture_s:.1f} s"
        )
        self.stdout.write(f"Comptes avant la perte {r.comptes_avant}, après la restauration {r.comptes_apres}")
        if r.comptes_avant != r.comptes_apres:
            raise CommandError("La restauration n'a pas rendu les données d'avant la perte.")
        if r.rpo_s > CIBLE_RPO_S or r.rto_s > CIBLE_RTO_S:
            raise CommandError("Cible RPO/RTO manquée.")
