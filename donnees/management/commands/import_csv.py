"""manage.py import_csv DIR — load AKIG's CSV exports, in dependency order."""
import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from django.utils import formats, timezone
from django.utils.translation import ngettext

from agents.services import performance_compute
from akig_ops.lib.cache_donnees import donnees_modifiees
from akig_ops.lib.commandes import option_renommee
from akig_ops.lib.csv_export import sans_formule
from akig_ops.lib.csv_import import importer_fichier, non_importe
from donnees.registre import importeurs


def _n(value) -> str:
    return formats.number_format(value, use_l10n=True, force_grouping=True)


class Command(BaseCommand):
    help = (
        "Importe les exports CSV d'AKIG présents dans DIR (sites, equipes, agents, locataires, "
        "impayes, missions, actions, positions). Un fichier avec une ligne invalide est rejeté "
        "en entier, sauf avec --ignorer-invalides."
    )

    def add_arguments(self, parser):
        parser.add_argument("dossier", type=Path, help="Dossier contenant les fichiers CSV.")
        parser.add_argument(
            "--ignorer-invalides",
            action="store_true",
            help="Importer les lignes valides et écrire les lignes rejetées dans un CSV.",
        )
        option_renommee(parser, "--skip-invalid", "--ignorer-invalides", drapeau=True)
        parser.add_argument(
            "--rejets",
            type=Path,
            help="Fichier CSV des rejets (par défaut DIR/rejets-AAAAMMJJ-HHMMSS.csv).",
        )

    def handle(self, *args, dossier: Path, ignorer_invalides: bool, rejets: Path | None, **options):
        if not dossier.is_dir():
            raise CommandError(f"Le dossier « {dossier} » n'existe pas.")
        ordre = importeurs()  # each file's codes exist before the files that refer to them
        presents = [cls for cls in ordre if (dossier / cls.fichier).is_file()]
        if not presents:
            noms = ", ".join(cls.fichier for cls in ordre)
            raise CommandError(f"Aucun fichier reconnu dans « {dossier} » (attendus : {noms}).")

        # One transaction for the run (each file in its own savepoint, so a rejected file leaves
        # the others): the files and the scores they change are committed together or not at all.
        with transaction.atomic():
            rapports, refuses = self._importer(dossier, presents, ignorer_invalides=ignorer_invalides)

        erreurs = [e for r in rapports for e in r.erreurs]
        if ignorer_invalides and erreurs:
            chemin = rejets or dossier / f"rejets-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
            self._ecrire_rejets(chemin, erreurs)
            ecrites = ngettext("%(n)s erreur écrite", "%(n)s erreurs écrites", len(erreurs)) % {"n": _n(len(erreurs))}
            self.stdout.write(f"{ecrites} dans {chemin}")
        if refuses:
            noms = [r.fichier for r in rapports if not r.applique]
            raise CommandError(
                ngettext("Fichier rejeté, rien n'en a été importé", "Fichiers rejetés, rien n'en a été importé",
                         len(noms))
                + f" : {', '.join(noms)}. "
                "Corrigez les lignes signalées ou relancez avec --ignorer-invalides."
            )

    def _importer(self, dossier: Path, presents: list, *, ignorer_invalides: bool):
        """Import the files, recompute the days they touch; return (reports, rejected file names)."""
        rapports, jours, refuses = [], [], set()
        for cls in presents:
            importeur = cls()
            amont = [f for f in cls.depend_de if f in refuses]
            if amont:
                # Its codes may point at rows the rejected file would have changed.
                rapport = non_importe(cls.fichier, f"non importé : dépend de {', '.join(amont)}, rejeté")
            else:
                rapport = importer_fichier(importeur, dossier / cls.fichier, skip_invalid=ignorer_invalides)
            if not rapport.applique:
                refuses.add(cls.fichier)
            rapports.append(rapport)
            for erreur in rapport.erreurs:
                self.stderr.write(str(erreur))
            self._resume(rapport)
            if rapport.applique and importeur.jours:
                jours.extend(importeur.jours)
        if jours:
            # Missions and actions are what daily performance is made of.
            try:
                n = performance_compute(du=min(jours), au=max(jours))
            except (DatabaseError, OverflowError) as exc:
                # Raised inside the run's transaction: nothing of the run stays.
                raise CommandError(
                    f"Import annulé, rien n'a été enregistré : le recalcul des scores du {min(jours):%d/%m/%Y} "
                    f"au {max(jours):%d/%m/%Y} a échoué ({type(exc).__name__}). Lancez "
                    "« manage.py reparer_donnees » pour trouver les lignes hors bornes."
                ) from exc
            self.stdout.write(
                "performance_historique : "
                + ngettext("%(n)s ligne recalculée", "%(n)s lignes recalculées", n) % {"n": _n(n)}
                + f" du {min(jours):%d/%m/%Y} au {max(jours):%d/%m/%Y}"
            )
        if any(r.applique for r in rapports):
            transaction.on_commit(donnees_modifiees)
        return rapports, refuses

    def _resume(self, r):
        debit = r.lignes / r.secondes if r.secondes else 0
        etat = "importé" if r.applique else "REJETÉ"
        self.stdout.write(
            f"{r.fichier} : {etat} — "
            + ", ".join([
                ngettext("%(n)s créé", "%(n)s créés", r.crees) % {"n": _n(r.crees)},
                ngettext("%(n)s modifié", "%(n)s modifiés", r.modifies) % {"n": _n(r.modifies)},
                ngettext("%(n)s inchangé", "%(n)s inchangés", r.inchanges) % {"n": _n(r.inchanges)},
                ngettext("%(n)s rejeté", "%(n)s rejetés", r.rejetes) % {"n": _n(r.rejetes)},
            ])
            + " (" + ngettext("%(n)s ligne", "%(n)s lignes", r.lignes) % {"n": _n(r.lignes)}
            + f" en {r.secondes:.1f} s, {_n(int(debit))} lignes/s)"
        )

    def _ecrire_rejets(self, chemin: Path, erreurs):
        with chemin.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["fichier", "ligne", "colonne", "motif", "contenu (cellules de la ligne)"])
            for e in erreurs:
                # Rejects are opened in a spreadsheet: no cell may run as a formula.
                writer.writerow([e.fichier, e.ligne, e.colonne, e.motif, *map(sans_formule, e.contenu)])
