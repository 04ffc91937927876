"""INSERT ... ON CONFLICT DO NOTHING RETURNING: store rows and learn from the database which
ones it stored (PostgreSQL; SQLite 3.35+ has the same syntax), never from what was sent."""
from __future__ import annotations

from typing import Any

from django.db import connection

# Keeps each statement under SQLite's parameter limit (32 766) whatever the model's width.
LIGNES_PAR_REQUETE = 500


def inserer_nouvelles(*, modele, lignes: list[dict[str, Any]], conflit: list[str], retour: str) -> list[Any]:
    """Insert `lignes` ({field name: value}, the same keys in each) into `modele`'s table,
    skipping those that conflict on the unique columns `conflit` (already stored, or twice in
    `lignes`: the first is taken). Return the `retour` field of the rows the database stored,
    as the ORM would read it (an aware datetime, a str). Call it inside a transaction.

    On PostgreSQL a row another transaction is inserting makes this one wait for it to end:
    insert in a stable order (e.g. sorted by key) so two callers never wait on each other."""
    if not lignes:
        return []
    noms = list(lignes[0])
    champs = [modele._meta.get_field(nom) for nom in noms]
    colonnes = ", ".join(connection.ops.quote_name(champ.column) for champ in champs)
    table = connection.ops.quote_name(modele._meta.db_table)
    cles = ", ".join(connection.ops.quote_name(modele._meta.get_field(nom).column) for nom in conflit)
    champ_retour = modele._meta.get_field(retour)
    retour_sql = connection.ops.quote_name(champ_retour.column)
    stockees = []
    with connection.cursor() as cursor:
        for debut in range(0, len(lignes), LIGNES_PAR_REQUETE):
            paquet = lignes[debut:debut + LIGNES_PAR_REQUETE]
            marques = "(" + ", ".join(["%s"] * len(noms)) + ")"
            params = [
                champ.get_db_prep_save(ligne[nom], connection)
                for ligne in paquet
                for nom, champ in zip(noms, champs)
            ]
            cursor.execute(
                f"INSERT INTO {table} ({colonnes}) VALUES {', '.join([marques] * len(paquet))} "
                f"ON CONFLICT ({cles}) DO NOTHING RETURNING {retour_sql}",
                params,
            )
            stockees += [rangee[0] for rangee in cursor.fetchall()]
    return lues(modele=modele, champ=retour, valeurs=stockees)


def lues(*, modele, champ: str, valeurs: list[Any]) -> list[Any]:
    """Raw values of column `champ` as the ORM reads them (the backend's converters: SQLite's
    UTC text becomes an aware datetime), so they compare with what was sent."""
    expression = modele._meta.get_field(champ).get_col(modele._meta.db_table)
    convertisseurs = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
    for convertir in convertisseurs:
        valeurs = [convertir(valeur, expression, connection) for valeur in valeurs]
    return valeurs
