"""manage.py seed_demo --profil small|large [--graine N] [--dossier DIR]

Writes the demo as AKIG's CSV exports (donnees/demo/), loads them with
import_csv (which also computes the agents' daily performance) and sets the
demo logins.
"""
import datetime
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import ngettext

from agents.partitions import positions_partitions_entretenir
from akig_ops import roles
from akig_ops.lib.commandes import option_renommee
from donnees import demo
from recovery.services import instantanes_sites_mettre_a_jour

ACCUEIL_URL = "http://127.0.0.1:8000/"
ADMIN_URL = "http://127.0.0.1:8000/admin/"
# Demo logins only: the data they open is made up, and seed_demo resets them on each run.
COMPTES_DEMO = {
    "direction": ("akig-direction-demo", roles.DIRECTION),
    demo.CHEF_PREMIERE_EQUIPE: ("akig-chef-demo", roles.CHEF_EQUIPE),
}
APPS_DU_DOMAINE = ("recovery", "agents")
# The dashboard's trend shows a year of daily snapshots.
JOURS_D_HISTORIQUE = 365


def _n(value: int) -> str:
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def _domain_tables() -> list[str]:
    """The quoted tables of the recovery and agents apps."""
    return [
        connection.ops.quote_name(model._meta.db_table)
        for name in APPS_DU_DOMAINE
        for model in apps.get_app_config(name).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def domain_tables_empty() -> None:
    """Empty every table of the recovery and agents apps (sites, tenants, debts, teams,
    agents, missions, actions, positions, performance); logins are kept."""
    tables = _domain_tables()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            # Foreign keys are checked at commit (deferred): the order does not matter.
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def positions_partitions_preparer(*, profil, maintenant) -> None:
    """Give each month of the generated positions its partition before the load (PostgreSQL;
    nothing elsewhere), so they are copied into their months, not into the default partition."""
    depuis = maintenant.date() - datetime.timedelta(days=max(profil.jours_missions, 2 * profil.jours_positions))
    positions_partitions_entretenir(maintenant=maintenant, retention_mois=0, depuis=depuis)


def _domain_tables_analyze() -> None:
    """Refresh PostgreSQL's statistics after the bulk load, so the dashboard's first
    queries are planned on the new figures rather than on empty tables."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(_domain_tables())}")


def confirmer_remplacement(remplacer: bool) -> None:
    """Refuse to empty a database outside DEBUG unless told so (--remplacer): the
    DATABASE_URL of the shell might be production's."""
    if not settings.DEBUG and not remplacer:
        raise CommandError(
            "Cette commande remplace toutes les données métier de la base "
            f"« {connection.settings_dict['NAME']} ». Hors DEBUG, ajoutez --remplacer pour confirmer."
        )


# The day each settled demo instalment was paid, drawn from its id (the CSV files do not say,
# and the import dates a settlement the day it sees it): most on time (3 days early to 4 late),
# one in ten 5 to 59 days late, two in a hundred 61 to 180 days late, never after yesterday.
_RETARD_DE_PAIEMENT = """CASE
    WHEN (id * 37) %% 100 < 2 AND date_echeance < %(limite_longue)s THEN 61 + (id * 7) %% 120
    WHEN (id * 37) %% 100 < 12 AND date_echeance < %(limite_courte)s THEN 5 + id %% 55
    ELSE id %% 8 - 3 END"""
_DATER_SOLDES = {
    "postgresql": "UPDATE impayes_soldes SET solde_le = LEAST(%(aujourdhui)s::date, "
    "(date_echeance + ({retard}) * interval '1 day')::date)",
    "sqlite": "UPDATE impayes_soldes SET solde_le = min(%(aujourdhui)s, "
    "date(date_echeance, ({retard}) || ' days'))",
}


def soldes_demo_dater() -> None:
    """Give the demo's settled instalments a settlement day (impayes_soldes.solde_le), so that
    the back-filled history has debts paid on time, late, and very late."""
    aujourdhui = timezone.localdate()
    sql = _DATER_SOLDES[connection.vendor].format(retard=_RETARD_DE_PAIEMENT)
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            "aujourdhui": aujourdhui,
            "limite_longue": aujourdhui - datetime.timedelta(days=181),
            "limite_courte": aujourdhui - datetime.timedelta(days=60),
        })


def historique_demo_ecrire() -> int:
    """Date the demo's settlements, then back-fill a year of per-site snapshots; return the rows."""
    soldes_demo_dater()
    aujourdhui = timezone.localdate()
    return instantanes_sites_mettre_a_jour(
        du=aujourdhui - datetime.timedelta(days=JOURS_D_HISTORIQUE), au=aujourdhui
    )


def demo_logins_set() -> None:
    """Give the demo logins their group and fixed password; Direction also reads the admin
    (team leads stay out of it: it cannot limit them to their own teams)."""
    User = get_user_model()
    for username, (password, group) in COMPTES_DEMO.items():
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": username if "@" in username else f"{username}@akig.local"}
        )
        user.is_staff = group == roles.DIRECTION
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=group)[0])


# What the summary line calls each file's rows, French plural included ({n}: the count).
LIBELLES = {
    "sites.csv": lambda n: ngettext("{n} site", "{n} sites", n),
    "equipes.csv": lambda n: ngettext("{n} équipe", "{n} équipes", n),
    "agents.csv": lambda n: ngettext("{n} agent", "{n} agents", n),
    "locataires.csv": lambda n: ngettext("{n} locataire", "{n} locataires", n),
    # impayes.csv holds every instalment; the import keeps those still due in impayes.
    "impayes.csv": lambda n: ngettext("{n} échéance", "{n} échéances", n),
    "missions.csv": lambda n: ngettext("{n} mission", "{n} missions", n),
    "actions.csv": lambda n: ngettext("{n} action", "{n} actions", n),
    "positions.csv": lambda n: ngettext("{n} position GPS", "{n} positions GPS", n),
    "instantanés des sites": lambda n: ngettext("{n} instantané de site", "{n} instantanés de site", n),
}


class Command(BaseCommand):
    help = (
        "Remplit la base avec des données de démonstration réalistes, relatives à aujourd'hui : "
        "écrit les exports CSV d'AKIG puis les charge avec import_csv (qui calcule la performance "
        "des agents) et crée les comptes de démonstration. ATTENTION : vide d'abord toutes les tables "
        "métier (sites, locataires, impayés, équipes, agents, missions, actions, positions, "
        "performance) ; les comptes utilisateurs sont conservés."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--profil",
            choices=sorted(demo.PROFILS),
            default="small",
            help="small : 20 sites, 600 locataires, 8 agents (quelques secondes) ; "
            "large : 500 sites, 100 000 locataires, 200 agents, 20 M positions GPS (plusieurs minutes).",
        )
        parser.add_argument("--graine", type=int, default=42, help="Graine du tirage (défaut : 42).")
        parser.add_argument(
            "--remplacer",
            action="store_true",
            help="Obligatoire hors DEBUG : confirme que toutes les données métier seront remplacées.",
        )
        parser.add_argument(
            "--historique",
            action="store_true",
            help="Ne recharge rien : date les règlements de la démo déjà chargée et reconstitue "
            f"{JOURS_D_HISTORIQUE} jours d'instantanés par site (pour une base chargée avant eux).",
        )
        parser.add_argument(
            "--dossier",
            type=Path,
            help="Dossier où écrire et conserver les CSV (par défaut : un dossier temporaire supprimé ensuite).",
        )
        option_renommee(parser, "--profile", "--profil", choices=sorted(demo.PROFILS))
        option_renommee(parser, "--seed", "--graine", type=int)
        option_renommee(parser, "--out", "--dossier", type=Path)

    def handle(self, *args, profil: str, graine: int, dossier: Path | None, remplacer: bool, historique: bool,
               **options):
        confirmer_remplacement(remplacer)
        debut = time.monotonic()
        if historique:
            lignes = historique_demo_ecrire()
            self.stdout.write(f"Historique : {_n(lignes)} instantanés en {time.monotonic() - debut:.1f} s.")
            return
        if dossier is not None:
            dossier.mkdir(parents=True, exist_ok=True)
            comptes = self._charger(dossier, profil=profil, graine=graine)
        else:
            with tempfile.TemporaryDirectory(prefix="akig-demo-") as temporaire:
                comptes = self._charger(Path(temporaire), profil=profil, graine=graine)
        demo_logins_set()
        self._annoncer(comptes, secondes=time.monotonic() - debut)

    def _charger(self, dossier: Path, *, profil: str, graine: int) -> dict[str, int]:
        maintenant = timezone.localtime()
        t = time.monotonic()
        comptes = demo.write_demo_csv(
            dossier=dossier,
            profil=demo.PROFILS[profil],
            seed=graine,
            maintenant=maintenant,
            heure_debut=settings.AKIG_AGENT_HEURE_DEBUT,
            heure_fin=settings.AKIG_AGENT_HEURE_FIN,
        )
        self.stdout.write(f"CSV de démonstration écrits dans {dossier} en {time.monotonic() - t:.1f} s.")

        t = time.monotonic()
        # One transaction: if a file is rejected, the previous demo stays as it was.
        with transaction.atomic():
            domain_tables_empty()
            positions_partitions_preparer(profil=demo.PROFILS[profil], maintenant=maintenant)
            # import_csv also recomputes performance_historique over the imported missions' days.
            call_command("import_csv", str(dossier), stdout=self.stdout, stderr=self.stderr)
        _domain_tables_analyze()
        self.stdout.write(f"Import terminé en {time.monotonic() - t:.1f} s.")
        t = time.monotonic()
        comptes["instantanés des sites"] = historique_demo_ecrire()
        self.stdout.write(f"Historique ({JOURS_D_HISTORIQUE} jours d'instantanés) écrit en {time.monotonic() - t:.1f} s.")
        return comptes

    def _annoncer(self, comptes: dict[str, int], *, secondes: float) -> None:
        resume = ", ".join(
            (LIBELLES[nom](n) if nom in LIBELLES else f"{{n}} {nom}").format(n=_n(n)) for nom, n in comptes.items()
        )
        self.stdout.write(self.style.SUCCESS(f"Démo chargée en {secondes:.0f} s : {resume}."))
        self.stdout.write(f"Ouvrez {ACCUEIL_URL} (données brutes pour la Direction : {ADMIN_URL})")
        for username, (password, group) in COMPTES_DEMO.items():
            self.stdout.write(f"  {group} : identifiant « {username} », mot de passe « {password} »")
