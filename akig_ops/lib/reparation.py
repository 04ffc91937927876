"""Finding and repairing rows that older versions let in outside valeurs' bounds.

Each app declares, in its `importers.py`, `REPARATIONS = [Controle(...)]`: which column of
which model holds an instant, a day, an amount or a code. `constats` lists, in French, every
row outside the bounds; `reparer` fixes a code (its control characters removed, when the
result is free), deletes a derived row (recomputed from the others) and moves any other row
to the quarantine table (`akig_ops.Quarantaine`, given by the caller), as text. Bad dates
are read and compared in SQL, as text: Python cannot hold the year 1 BC PostgreSQL can.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction

from akig_ops.lib import valeurs

INSTANT, JOUR, MONTANT, CODE = "instant", "jour", "montant", "code"


@dataclass(frozen=True)
class Controle:
    """Column `champ` of `modele` holds a value of kind `genre` (INSTANT, JOUR, MONTANT, CODE);
    `derive`: the rows are computed from others (deleted, not quarantined)."""

    modele: type
    champ: str
    genre: str
    derive: bool = False


@dataclass
class Constat:
    """One row outside the bounds, what is wrong (French) and what `reparer` does about it."""

    controle: Controle
    id: int
    valeur: str
    motif: str
    correction: str | None = None  # the cleaned code, for CODE
    contenu: dict = field(default_factory=dict)

    @property
    def table(self) -> str:
        return self.controle.modele._meta.db_table

    @property
    def action(self) -> str:
        if self.controle.genre == CODE:
            return "corriger" if self.correction else "à corriger à la main"
        return "supprimer (recalculée)" if self.controle.derive else "mettre en quarantaine"

    def __str__(self):
        return f"{self.table} n° {self.id}, {self.controle.champ} « {self.valeur} » : {self.motif} → {self.action}"


def _q(nom: str) -> str:
    return connection.ops.quote_name(nom)


def _lignes_en_texte(modele, where: str, params: list) -> list[dict]:
    """The rows of `modele` matching `where`, each column read as text (so year 1 BC reads)."""
    colonnes = [f.column for f in modele._meta.concrete_fields]
    select = ", ".join(f"CAST({_q(c)} AS TEXT)" for c in colonnes)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {_q(modele._meta.db_table)} WHERE {where} ORDER BY {_q(modele._meta.pk.column)}", params)
        return [dict(zip(colonnes, rangee)) for rangee in cursor.fetchall()]


def _bornes(controle: Controle) -> tuple[object, object, str]:
    champ = controle.modele._meta.get_field(controle.champ)
    if controle.genre == INSTANT:
        debut, fin = valeurs.instant_min(), valeurs.instant_max()
    else:
        debut, fin = valeurs.instant_min().date(), valeurs.jour_max()
    texte = f"hors des bornes (du {debut:%d/%m/%Y} au {fin:%d/%m/%Y})"
    return champ.get_db_prep_value(debut, connection), champ.get_db_prep_value(fin, connection), texte


def _constats_du_controle(controle: Controle) -> list[Constat]:
    modele, champ = controle.modele, controle.champ
    colonne = _q(modele._meta.get_field(champ).column)
    pk = modele._meta.pk.column
    if controle.genre in (INSTANT, JOUR):
        debut, fin, motif = _bornes(controle)
        lignes = _lignes_en_texte(modele, f"{colonne} < %s OR {colonne} > %s", [debut, fin])
        return [Constat(controle, int(l[pk]), l[modele._meta.get_field(champ).column], motif, contenu=l) for l in lignes]
    if controle.genre == MONTANT:
        plafond = valeurs.montant_max()
        lignes = _lignes_en_texte(modele, f"{colonne} > %s OR {colonne} < 0", [plafond])
        motif = f"hors de 0 à {plafond} €"
        return [Constat(controle, int(l[pk]), l[modele._meta.get_field(champ).column], motif, contenu=l) for l in lignes]
    max_length = modele._meta.get_field(champ).max_length
    constats = []
    pris = None
    for identifiant, code in modele.objects.values_list("pk", champ).order_by("pk").iterator(chunk_size=10_000):
        try:
            valeurs.code(code, max_length=max_length)
        except valeurs.ValeurInvalide as exc:
            if pris is None:
                pris = set(modele.objects.values_list(champ, flat=True))
            propre = " ".join("".join(c if c.isprintable() else " " for c in code).split())
            correction = propre if propre and propre not in pris else None
            if correction:
                pris.add(correction)
            constats.append(Constat(controle, identifiant, code.encode("unicode_escape").decode("ascii"),
                                    str(exc), correction=correction))
    return constats


def constats(controles: list[Controle]) -> list[Constat]:
    """Every row outside the bounds, for each of `controles`, in their order."""
    return [c for controle in controles for c in _constats_du_controle(controle)]


def _reference_ailleurs(modele, identifiant: int) -> bool:
    """True when a row of another table points at this one (its foreign keys are checked only
    at commit: find them first, and leave such a row to a person)."""
    return any(
        relation.related_model._base_manager.filter(**{relation.field.name: identifiant}).exists()
        for relation in modele._meta.related_objects
    )


def reparer(liste: list[Constat], *, quarantaine) -> dict[str, int]:
    """Apply each constat's action in one transaction; return how many rows were corrected,
    deleted, quarantined, and left for a person (a code with no free cleaned value, a row
    another one still points at)."""
    bilan = {"corrigees": 0, "supprimees": 0, "en_quarantaine": 0, "a_la_main": 0}
    with transaction.atomic():
        for constat in liste:
            modele = constat.controle.modele
            if constat.controle.genre == CODE:
                if constat.correction:
                    modele.objects.filter(pk=constat.id).update(**{constat.controle.champ: constat.correction})
                    bilan["corrigees"] += 1
                else:
                    bilan["a_la_main"] += 1
                continue
            if _reference_ailleurs(modele, constat.id):
                bilan["a_la_main"] += 1
                continue
            with connection.cursor() as cursor:
                # Raw SQL: the ORM would read the row's bad date back.
                cursor.execute(f"DELETE FROM {_q(constat.table)} WHERE {_q(modele._meta.pk.column)} = %s", [constat.id])
            if not constat.controle.derive:
                quarantaine.objects.create(table=constat.table, id_origine=constat.id,
                                           motif=f"{constat.controle.champ} : {constat.motif}"[:300],
                                           contenu=constat.contenu)
            bilan["supprimees" if constat.controle.derive else "en_quarantaine"] += 1
    return bilan
