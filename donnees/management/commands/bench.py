"""manage.py bench --profil small|large — the project's benchmark (make bench).

Measures, on the configured database: demo generation, the first import of each
file into empty tables (rows/s), the daily performance computation, a second
import of the same files (everything unchanged: the idempotence path), and the
database size. Like seed_demo it REPLACES all business data.

Then every app's `bench.py` sections (donnees/registre.py, akig_ops/lib/bench.py) time pages, tasks and the
raw SQL they rest on, on the data just loaded. `--sans-import` skips generation and
import and runs the sections on the data already in the database (e.g. after
`seed_demo --profile large`); `--section` runs only the sections whose title contains it.

`--profil xlarge` (PostgreSQL only) generates three years of 600 agents in SQL instead
(donnees/xlarge.py: `--agents`, `--annees` for a smaller run), runs the sections, then the
production targets over HTTP with gunicorn (donnees/cibles.py; `--cibles` for the other profiles),
each beside its raw SQL and the large figure, PASS/MISS with the margin.
"""
import time
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import formats, timezone
from django.utils.module_loading import import_string

from agents.services import performance_compute
from akig_ops import roles
from akig_ops.lib.bench import Banc
from akig_ops.lib.commandes import option_renommee
from akig_ops.lib.csv_import import importer_fichier
from akig_ops.lib.processus import geler_le_demarrage
from donnees import cibles, demo, xlarge
from donnees.cibles import statiques_collecter
from donnees.management.commands.seed_demo import (
    confirmer_remplacement,
    domain_tables_empty,
    positions_partitions_preparer,
)
from donnees.registre import importeurs, sections_bench


def _n(value) -> str:
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def database_size() -> str:
    """The database's size on disk, as PostgreSQL or the SQLite file reports it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            return cursor.fetchone()[0]
    name = Path(str(connection.settings_dict["NAME"]))
    return f"{name.stat().st_size / 2**20:.0f} MB" if name.exists() else "?"


class Command(BaseCommand):
    help = "Mesure génération, import (lignes/s par fichier), performance et réimport. Remplace les données."

    def add_arguments(self, parser):
        profils = sorted([*demo.PROFILS, "xlarge"])
        parser.add_argument("--profil", choices=profils, default="small")
        parser.add_argument("--graine", type=int, default=42)
        parser.add_argument("--dossier", type=Path, default=Path("bench-data"), help="Dossier des CSV générés.")
        option_renommee(parser, "--profile", "--profil", choices=profils)
        option_renommee(parser, "--seed", "--graine", type=int)
        option_renommee(parser, "--out", "--dossier", type=Path)
        parser.add_argument("--remplacer", action="store_true", help="Obligatoire hors DEBUG (voir seed_demo).")
        parser.add_argument(
            "--sans-import", action="store_true",
            help="Ne régénère ni ne réimporte rien : mesure les sections sur les données en place.",
        )
        parser.add_argument("--section", default="", help="Seulement les sections dont le titre contient ce texte (« - » : aucune).")
        parser.add_argument("--agents", type=int, default=xlarge.XLARGE.agents, help="xlarge : nombre d'agents.")
        parser.add_argument("--annees", type=float, default=xlarge.XLARGE.annees, help="xlarge : années d'historique.")
        parser.add_argument("--cibles", action="store_true",
                            help="Mesure aussi les cibles de production (gunicorn, HTTP) ; toujours en xlarge.")
        parser.add_argument("--requetes-rss", type=int, default=10_000,
                            help="Requêtes envoyées à un worker avant de lire sa mémoire (cibles).")
        parser.add_argument("--sans-sauvegarde", action="store_true", help="Cibles : sans chronométrer pg_dump.")
        parser.add_argument("--taches", action="store_true",
                            help="Cibles : seulement les tâches (règles d'escalade, travaux de nuit, import du jour).")

    def handle(self, *args, profil: str, graine: int, dossier: Path, remplacer: bool, sans_import: bool,
               section: str, agents: int, annees: float, cibles: bool, requetes_rss: int, sans_sauvegarde: bool,
               taches: bool, **options):
        if profil == "xlarge" and connection.vendor != "postgresql":
            raise CommandError("Le profil xlarge demande PostgreSQL (DATABASE_URL=postgres://…).")
        if not sans_import and profil == "xlarge":
            self._generer(profil=xlarge.ProfilSql(agents=agents, annees=annees), graine=graine, remplacer=remplacer)
        elif not sans_import:
            self._import(profil=profil, graine=graine, racine=dossier, remplacer=remplacer)
        if section != "-":
            if issubclass(import_string(settings.STORAGES["staticfiles"]["BACKEND"]), ManifestFilesMixin):
                statiques_collecter()  # the pages render as production's: with their static manifest
            self._sections(filtre=section)
        if cibles or profil == "xlarge":
            self._cibles(requetes_rss=requetes_rss, sauvegarde=not sans_sauvegarde, taches_seules=taches)

    def _generer(self, *, profil: xlarge.ProfilSql, graine: int, remplacer: bool) -> None:
        confirmer_remplacement(remplacer)
        self.stdout.write(f"Base : {connection.vendor} — profil xlarge : {profil.agents} agents, "
                          f"{profil.annees:g} ans, {profil.sites} sites, {_n(profil.locataires)} locataires (SQL)")
        debut = time.monotonic()
        xlarge.generer(profil=profil, graine=graine, ecrire=self.stdout.write)
        self.stdout.write(f"Génération totale         : {time.monotonic() - debut:8.1f} s")
        self.stdout.write(f"Taille de la base         : {database_size()}")

    def _cibles(self, *, requetes_rss: int, sauvegarde: bool, taches_seules: bool) -> None:
        """The production targets over HTTP (gunicorn), beside the raw SQL and the large figures."""
        self.stdout.write("\n== Cibles de production (gunicorn, HTTP, cache Redis vidé pour « sans cache »)")
        banc = Banc(self.stdout.write, groupe_direction=roles.DIRECTION)
        mesures = cibles.Cibles(banc, self.stdout.write, requetes_rss=requetes_rss, sauvegarde=sauvegarde,
                                taches_seules=taches_seules)
        cibles.tableau(mesures.executer(), self.stdout.write)

    def _sections(self, *, filtre: str) -> None:
        """Run every app's bench sections (`<app>/bench.py`, SECTIONS) on the loaded data."""
        banc = Banc(self.stdout.write, groupe_direction=roles.DIRECTION)
        sections = sections_bench()
        # The pages are timed as a web worker serves them: start-up objects frozen (wsgi.py).
        geler_le_demarrage()
        for titre, section in sections:
            if filtre.lower() in titre.lower():
                self.stdout.write(f"\n== {titre}")
                with banc.hotes():
                    section(banc)

    def _import(self, *, profil: str, graine: int, racine: Path, remplacer: bool) -> None:
        confirmer_remplacement(remplacer)
        dossier = racine / profil
        dossier.mkdir(parents=True, exist_ok=True)
        maintenant = timezone.localtime()
        self.stdout.write(f"Base : {connection.vendor} — profil {profil}")

        started = time.monotonic()
        demo.write_demo_csv(
            dossier=dossier, profil=demo.PROFILS[profil], seed=graine, maintenant=maintenant,
            heure_debut=settings.AKIG_AGENT_HEURE_DEBUT, heure_fin=settings.AKIG_AGENT_HEURE_FIN,
        )
        generation = time.monotonic() - started
        domain_tables_empty()
        positions_partitions_preparer(profil=demo.PROFILS[profil], maintenant=maintenant)

        premier = self._importer(dossier, "1er import (tables vides)")
        t = time.monotonic()
        jours = [d for importeur, _ in premier if importeur.jours for d in importeur.jours]
        lignes = performance_compute(du=min(jours), au=max(jours))
        performance = time.monotonic() - t
        second = self._importer(dossier, "2e import (identique : tout inchangé)")

        total_import = sum(r.secondes for _, r in premier)
        self.stdout.write("")
        self.stdout.write(f"Génération des CSV        : {generation:8.1f} s")
        self.stdout.write(f"1er import ({len(premier)} fichiers)   : {total_import:8.1f} s")
        self.stdout.write(f"Performance ({_n(lignes)} lignes) : {performance:8.1f} s")
        self.stdout.write(
            f"seed_demo équivalent      : {generation + total_import + performance:8.1f} s"
        )
        self.stdout.write(f"2e import (inchangé)      : {sum(r.secondes for _, r in second):8.1f} s")
        self.stdout.write(f"Taille de la base         : {database_size()}")

    def _importer(self, dossier: Path, titre: str):
        self.stdout.write(f"\n{titre}")
        self.stdout.write(f"{'fichier':<16}{'lignes':>12}{'créées':>12}{'inchangées':>12}{'s':>8}{'lignes/s':>12}")
        resultats = []
        for cls in importeurs():
            importeur = cls()
            r = importer_fichier(importeur, dossier / cls.fichier, skip_invalid=False)
            if not r.applique:
                raise SystemExit(f"{cls.fichier} rejeté : {r.erreurs[:3]}")
            debit = r.lignes / r.secondes if r.secondes else 0
            self.stdout.write(
                f"{cls.fichier:<16}{_n(r.lignes):>12}{_n(r.crees):>12}{_n(r.inchanges):>12}"
                f"{r.secondes:8.1f}{_n(int(debit)):>12}"
            )
            resultats.append((importeur, r))
        return resultats
