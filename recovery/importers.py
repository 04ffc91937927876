"""CSV importers of the accounting exports: sites, tenants, debts.

The engine (akig_ops/lib/csv_import.py) does the reading, staging and merging;
each class here says which columns a file has and how codes become ids.
"""
from django.db import connection
from django.utils import timezone

from akig_ops.lib import csv_import as ci
from akig_ops.lib.csv_import import Colonne, ErreurLigne, Importeur
from akig_ops.lib.reparation import CODE, INSTANT, JOUR, MONTANT, Controle
from akig_ops.lib.taches import tache_apres_commit

from .models import ChangementPaiement, Impaye, ImpayeSolde, Locataire, RecouvrementAction, Site


def codes(model, field: str = "code") -> dict[str, int]:
    """{natural code: id} for every row of `model`."""
    return dict(model.objects.values_list(field, "id"))


def resoudre(table: dict, valeurs: dict, colonne: str, quoi: str):
    """Pop the code of `colonne` from the parsed row; return what `table` maps it to
    (an id), or refuse the row naming the unknown code."""
    code = valeurs.pop(colonne)
    try:
        return table[code]
    except KeyError:
        raise ErreurLigne(colonne, f"{quoi} inconnu « {code} »") from None


class SitesImporteur(Importeur):
    fichier = "sites.csv"
    modele = Site
    cle = ("code",)
    libelle_cle = "code"
    colonnes = [
        Colonne("code", ci.texte(max_length=32)),
        Colonne("nom", ci.texte(max_length=200)),
        Colonne("adresse", ci.texte(max_length=300, obligatoire=False)),
        Colonne("latitude", ci.latitude),
        Colonne("longitude", ci.longitude),
        Colonne("sensible", ci.booleen),
    ]


class LocatairesImporteur(Importeur):
    fichier = "locataires.csv"
    depend_de = ("sites.csv",)
    modele = Locataire
    cle = ("code",)
    libelle_cle = "code"
    colonnes = [
        Colonne("code", ci.texte(max_length=32)),
        Colonne("nom", ci.texte(max_length=200)),
        Colonne("telephone", ci.texte(max_length=32, obligatoire=False)),
        Colonne("site_code", ci.texte(max_length=32)),
        Colonne("logement", ci.texte(max_length=64, obligatoire=False)),
    ]

    def preparer(self, chemin):
        self.sites = codes(Site)

    def convertir(self, valeurs):
        valeurs["site_id"] = resoudre(self.sites, valeurs, "site_code", "code site")
        return valeurs

    def apres(self):
        # An impayé's site is its tenant's site: follow tenants who moved.
        with connection.cursor() as cursor:
            for table in (Impaye._meta.db_table, ImpayeSolde._meta.db_table):
                cursor.execute(
                    f"UPDATE {table} SET site_id = l.site_id FROM locataires l "
                    f"WHERE {table}.locataire_id = l.id AND {table}.site_id <> l.site_id"
                )


class ImpayesImporteur(Importeur):
    """Outstanding rows go to `impayes`, settled ones (montant_paye = montant_du) to `impayes_soldes`."""

    fichier = "impayes.csv"
    depend_de = ("locataires.csv",)
    modele = Impaye
    cle = ("reference",)
    libelle_cle = "reference"
    colonnes = [
        Colonne("reference", ci.texte(max_length=40)),
        Colonne("locataire_code", ci.texte(max_length=32)),
        Colonne("periode", ci.periode),
        Colonne("montant_du", ci.montant),
        Colonne("montant_paye", ci.montant_optionnel),
        Colonne("date_echeance", ci.date_iso),
    ]

    def preparer(self, chemin):
        self.locataires = dict(
            (code, (pk, site_id))
            for code, pk, site_id in Locataire.objects.values_list("code", "id", "site_id")
        )

    def convertir(self, valeurs):
        valeurs["locataire_id"], valeurs["site_id"] = resoudre(
            self.locataires, valeurs, "locataire_code", "code locataire"
        )
        if valeurs["montant_paye"] > valeurs["montant_du"]:
            raise ErreurLigne(
                "montant_paye",
                f"montant payé {valeurs['montant_paye']} supérieur au montant dû {valeurs['montant_du']}",
            )
        return valeurs

    def fusionner(self):
        self.changements_paiement_enregistrer()
        champs = self.champs()
        solde = "s.montant_paye = s.montant_du"
        reste = "s.montant_paye < s.montant_du"
        created, updated = ci.fusionner(Impaye._meta.db_table, cle=self.cle, champs=champs, where=reste)
        c2, u2 = ci.fusionner(
            ImpayeSolde._meta.db_table,
            cle=self.cle,
            champs=champs,
            where=solde,
            insert_extra={"solde_le": f"'{timezone.localdate().isoformat()}'"},
        )
        # A debt that changed side was inserted on one and is deleted from the other:
        # for the report it was updated, not created.
        moved = 0
        with connection.cursor() as cursor:
            for table, condition in ((Impaye, solde), (ImpayeSolde, reste)):
                cursor.execute(
                    f"DELETE FROM {table._meta.db_table} WHERE reference IN "
                    f"(SELECT s.reference FROM {ci.STAGE} s WHERE {condition})"
                )
                moved += cursor.rowcount
        return created + c2 - moved, updated + u2 + moved

    def applique(self, rapport):
        # The stored roll figures (recovery.roulement) follow the instalments: recomputed by
        # the worker once the import is committed (a broker down loses only this run; the
        # nightly job catches up).
        from recovery.tasks import roulements_task

        tache_apres_commit(roulements_task)

    def changements_paiement_enregistrer(self) -> None:
        """Before the merge, record each instalment whose montant_paye the file changes (in
        impayes or impayes_soldes), dated today: one INSERT … SELECT per table, the amount
        before read by reference; new instalments and unchanged amounts write nothing."""
        historique = ChangementPaiement._meta.db_table
        with connection.cursor() as cursor:
            for table in (Impaye._meta.db_table, ImpayeSolde._meta.db_table):
                # A correlated lookup, not a join: a day's file names a few thousand of the
                # ~3 M settled instalments of three years, each found by its unique reference
                # (a join hashed the whole table, 0.7 s at xlarge).
                avant = f"(SELECT t.montant_paye FROM {table} t WHERE t.reference = s.reference)"
                cursor.execute(
                    f"INSERT INTO {historique} (reference, jour, montant_paye_avant, montant_paye) "
                    f"SELECT s.reference, %s, {avant}, s.montant_paye FROM {ci.STAGE} s "
                    f"WHERE {avant} <> s.montant_paye",
                    [timezone.localdate()],
                )


# The files of this app, for the cross-app import (each after the files it depends on).
IMPORTEURS = [SitesImporteur, LocatairesImporteur, ImpayesImporteur]


# The columns `manage.py reparer_donnees` checks against akig_ops/lib/valeurs.py's bounds.
REPARATIONS = [
    Controle(Site, "code", CODE),
    Controle(Locataire, "code", CODE),
    Controle(Impaye, "reference", CODE),
    Controle(Impaye, "date_echeance", JOUR),
    Controle(Impaye, "montant_du", MONTANT),
    Controle(RecouvrementAction, "reference", CODE),
    Controle(RecouvrementAction, "date_action", INSTANT),
    Controle(RecouvrementAction, "montant_recouvre", MONTANT),
]
