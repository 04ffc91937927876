"""Bulk CSV import: check every row, stage the good ones, merge them set-based.

One `Importeur` subclass per file (recovery/importers.py, agents/importers.py)
says which columns it reads, how each is parsed and which natural key it has.
`importer_fichier` then:

1. streams the file once, parsing each row; a bad value becomes an `Erreur`
   (file, line, column, French reason), a good row goes to a temporary staging
   table — PostgreSQL `COPY`, `executemany` elsewhere;
2. finds, in SQL, natural keys given twice with different values;
3. rejects the whole file if anything was wrong (unless `skip_invalid`), or
4. merges the staging table into the real one with one UPDATE of the rows
   that differ and one INSERT of the new ones.

Each file runs in its own transaction: a rejected file leaves nothing behind.
"""
from __future__ import annotations

import csv
import datetime
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, models, transaction
from django.db.models import Max, Min
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import ngettext
from psycopg.errors import UniqueViolation
from tqdm import tqdm

from akig_ops.lib import valeurs
from akig_ops.lib.geo import LATITUDE_MAX, LATITUDE_MIN, LONGITUDE_MAX, LONGITUDE_MIN
from akig_ops.lib.valeurs import ValeurInvalide

STAGE = "import_stage"
# Files larger than this show a progress bar (when the output is a terminal).
PROGRESS_MIN_BYTES = 5_000_000
EXECUTEMANY_BATCH = 5_000
# No column is longer than a few hundred characters: a longer cell is refused with its
# column named, before any parser sees it (a 5 MB amount must not become a 5 MB message).
LONGUEUR_MAX_CELLULE = 10_000
# The csv module's own limit (128 KiB) would stop the whole file with a bare csv.Error
# before the cell could be named; above this one, the line is reported unreadable.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


@dataclass(frozen=True)
class Erreur:
    fichier: str
    ligne: int
    colonne: str
    motif: str
    contenu: tuple[str, ...] = ()

    def __str__(self):
        where = f"{self.fichier}, ligne {self.ligne}"
        if self.colonne:
            where += f", colonne « {self.colonne} »"
        return f"{where} : {self.motif}"


@dataclass
class Rapport:
    """What importing one file did."""

    fichier: str
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0
    rejetes: int = 0
    applique: bool = False
    secondes: float = 0.0
    lignes: int = 0
    erreurs: list[Erreur] = field(default_factory=list)
    # A fault of the whole file (encoding, header): rejected even with skip_invalid.
    fatal: bool = False


class FichierRejete(Exception):
    """Raised inside the file's transaction to roll it back."""


# --- Parsers: str -> value, or ValeurInvalide with the reason in French.


def texte(*, max_length: int, obligatoire: bool = True, une_ligne: bool = True) -> Callable[[str], str]:
    """Text checked by valeurs.texte (a code or a name: one line; free text: `une_ligne=False`)."""
    def parse(raw: str) -> str:
        value = raw.strip()
        if obligatoire and not value:
            raise ValeurInvalide("valeur obligatoire manquante")
        return valeurs.texte(value, max_length=max_length, une_ligne=une_ligne)

    return parse


def email(raw: str) -> str:
    value = raw.strip().lower()
    try:
        validate_email(value)
    except ValidationError:
        raise ValeurInvalide(f"adresse e-mail invalide « {raw} »") from None
    return value


def email_optionnel(raw: str) -> str:
    return email(raw) if raw.strip() else ""


def booleen(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "oui", "true"}:
        return True
    if value in {"0", "non", "false"}:
        return False
    raise ValeurInvalide(f"valeur « {raw} » invalide (attendu 0 ou 1)")


def choix(valeurs: list[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in valeurs:
            raise ValeurInvalide(f"valeur « {raw} » inconnue (attendu : {', '.join(valeurs)})")
        return value

    return parse


def _nombre(raw: str) -> str:
    """Normalise '1 234,56' or '1234.56' to '1234.56'."""
    value = raw.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in value and "." in value:
        # The last separator is the decimal one; the other groups thousands.
        thousands = "." if value.rfind(",") > value.rfind(".") else ","
        value = value.replace(thousands, "")
    return value.replace(",", ".")


def montant(raw: str) -> Decimal:
    """A non-negative amount with at most 2 decimals, within valeurs.montant's ceiling."""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        try:
            value = Decimal(_nombre(raw))
        except InvalidOperation:
            raise ValeurInvalide(f"montant non numérique « {raw} »") from None
    return valeurs.montant(value, texte_brut=raw)


def montant_optionnel(raw: str) -> Decimal:
    return montant(raw) if raw.strip() else Decimal("0.00")


def montant_ou_vide(raw: str) -> Decimal | None:
    """An amount (as `montant`), None for an empty cell."""
    return montant(raw) if raw.strip() else None


def flottant(*, nom: str, mini: float, maxi: float, optionnel: bool = False):
    def parse(raw: str) -> float | None:
        if optionnel and not raw.strip():
            return None
        try:
            value = float(raw)  # the common case, without the cost of normalising
        except ValueError:
            try:
                value = float(_nombre(raw))
            except ValueError:
                raise ValeurInvalide(f"{nom} non numérique « {raw} »") from None
        if math.isnan(value) or not mini <= value <= maxi:
            raise ValeurInvalide(f"{nom} {raw.strip()} hors de l'intervalle [{mini:g}, {maxi:g}]")
        return value

    return parse


latitude = flottant(nom="latitude", mini=LATITUDE_MIN, maxi=LATITUDE_MAX)
longitude = flottant(nom="longitude", mini=LONGITUDE_MIN, maxi=LONGITUDE_MAX)
latitude_optionnelle = flottant(nom="latitude", mini=LATITUDE_MIN, maxi=LATITUDE_MAX, optionnel=True)
longitude_optionnelle = flottant(nom="longitude", mini=LONGITUDE_MIN, maxi=LONGITUDE_MAX, optionnel=True)
precision_m = flottant(nom="précision", mini=0, maxi=100_000, optionnel=True)


def _jour_ecrit(texte: str, format_: str) -> datetime.date:
    """strptime(texte, format_).date() for "%Y-%m-%d" or "%Y-%m"; the common case, every
    field written with all its digits (2026-09-05, 2026-09), read without strptime (a day's
    import has 40 000 of them); anything else goes through strptime, which decides."""
    jour = format_ == "%Y-%m-%d"
    if (len(texte) == (10 if jour else 7) and texte[4] == "-" and (not jour or texte[7] == "-")
            and texte.isascii()):
        morceaux = texte.split("-")
        if all(len(m) in (2, 4) and m.isdigit() for m in morceaux):
            return datetime.date(*map(int, morceaux), *([] if jour else [1]))
    return datetime.datetime.strptime(texte, format_).date()


def date_iso(raw: str) -> datetime.date:
    """A day written YYYY-MM-DD, within valeurs.jour's bounds."""
    try:
        value = _jour_ecrit(valeurs.code(raw.strip(), max_length=40), "%Y-%m-%d")
    except ValueError:
        raise ValeurInvalide(f"date invalide « {raw} » (attendu AAAA-MM-JJ)") from None
    return valeurs.jour(value, texte_brut=raw)


def date_iso_ou_vide(raw: str) -> datetime.date | None:
    """A date (as `date_iso`), None for an empty cell."""
    return date_iso(raw) if raw.strip() else None


def periode(raw: str) -> datetime.date:
    """A month written YYYY-MM, as its first day."""
    try:
        value = _jour_ecrit(raw.strip(), "%Y-%m")
    except ValueError:
        raise ValeurInvalide(f"période invalide « {raw} » (attendu AAAA-MM)") from None
    return valeurs.jour(value, texte_brut=raw)


def heure(raw: str) -> datetime.time:
    value = raw.strip()
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.datetime.strptime(value, fmt).time()
        except ValueError:
            continue
    raise ValeurInvalide(f"heure invalide « {raw} » (attendu HH:MM)")


def instant_passe(raw: str) -> datetime.datetime:
    """An ISO 8601 date-time within valeurs.instant's bounds and not in the future; a naive
    one is in TIME_ZONE."""
    try:
        value = datetime.datetime.fromisoformat(valeurs.code(raw.strip(), max_length=40))
    except ValueError:
        raise ValeurInvalide(f"date-heure invalide « {raw} » (attendu ISO 8601)") from None
    if value.utcoffset() is None:
        try:
            value = timezone.make_aware(value)
        except (OverflowError, ValueError):  # 0001-01-01 00:00 in Paris is before year 1 in UTC
            raise ValeurInvalide(f"date-heure « {raw} » hors des bornes") from None
    try:
        futur = value.timestamp() > time.time()
    except (OverflowError, ValueError):  # before year 1 in UTC: valeurs.instant says why
        futur = False
    if futur:
        raise ValeurInvalide(f"horodatage dans le futur « {raw} »")
    return valeurs.instant(value, texte_brut=raw)


# --- Importers


@dataclass(frozen=True)
class Colonne:
    nom: str
    parse: Callable[[str], Any]
    # A column a file may leave out of its header: its cells then read as empty, and the
    # import leaves the stored values of the target column as they are.
    facultative: bool = False


class Importeur:
    """How one CSV file maps onto one table. Subclasses fill the class attributes."""

    fichier: str
    modele: Any  # the Django model of the target table
    colonnes: list[Colonne]
    cle: tuple[str, ...]  # the natural key, as column names of the target table
    libelle_cle: str  # the CSV column that carries the key, for messages
    # The column whose day feeds daily performance (date_prevue, date_action), if any.
    champ_jour: str | None = None
    # Files whose codes this one refers to: when one of them is rejected, so is this one.
    depend_de: tuple[str, ...] = ()
    # The (first, last) business day the file's rows touch, for importers whose
    # rows feed daily performance; None when they do not.
    jours: tuple[datetime.date, datetime.date] | None = None
    # A key column whose staged min and max bound the merge (fusionner's `borne`).
    borne: str | None = None
    # The optional columns the file's header leaves out (set by the engine before `preparer`).
    absentes: frozenset[str] = frozenset()

    def preparer(self, chemin: Path) -> None:
        """Load what `convertir` needs (code -> id maps); called once per file, before reading it."""

    def colonne(self, nom: str) -> Colonne:
        return next(c for c in self.colonnes if c.nom == nom)

    def convertir(self, valeurs: dict[str, Any]) -> dict[str, Any]:
        """Parsed CSV values -> target column values; raise ErreurLigne for a bad reference.

        It must not query the database: on PostgreSQL the connection is busy
        with the COPY into the staging table while rows are converted.
        """
        return valeurs

    def champs(self) -> list[str]:
        """The target columns written by the import (key first)."""
        names = [
            f.column
            for f in self.modele._meta.concrete_fields
            if not f.primary_key and not f.generated
        ]
        return list(self.cle) + [n for n in names if n not in self.cle and n not in self.absentes]

    def toucher_jour(self, jour: datetime.date) -> None:
        if isinstance(jour, datetime.datetime):
            jour = timezone.localdate(jour)
        if self.jours is None:
            self.jours = (jour, jour)
        else:
            self.jours = (min(self.jours[0], jour), max(self.jours[1], jour))

    def toucher_jours_quittes(self) -> None:
        """Add to `jours` the old days of the rows this import moves to another day,
        whose performance must be recomputed too. Runs on the staging table, before the merge."""
        if self.champ_jour is None:
            return
        table, col = _q(self.modele._meta.db_table), _q(self.champ_jour)
        join = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in self.cle)
        # A day outside valeurs' bounds (left by an older version: year 1, 9999) has no
        # performance to recompute, and reading it back would overflow Python's dates.
        bornes = (valeurs.instant_min(), valeurs.instant_max())
        if not isinstance(self.modele._meta.get_field(self.champ_jour), models.DateTimeField):
            bornes = (bornes[0].date(), valeurs.jour_max())
        moved = self.modele.objects.filter(
            pk__in=RawSQL(f"SELECT t.id FROM {table} t JOIN {STAGE} s ON {join} WHERE t.{col} <> s.{col}", []),
            **{f"{self.champ_jour}__range": bornes},
        ).aggregate(debut=Min(self.champ_jour), fin=Max(self.champ_jour))
        for jour in moved.values():
            if jour is not None:
                self.toucher_jour(jour)

    def fusionner(self) -> tuple[int, int]:
        """Merge the staging table into the target; returns (created, updated)."""
        return fusionner(self.modele._meta.db_table, cle=self.cle, champs=self.champs(), borne=self.borne)

    def apres(self) -> None:
        """Work that depends on the merged rows (run inside the file's transaction)."""

    def applique(self, rapport: Rapport) -> None:
        """Called once the file is committed, with its report (counters, notices)."""


class ErreurLigne(Exception):
    def __init__(self, colonne: str, motif: str):
        super().__init__(motif)
        self.colonne = colonne
        self.motif = motif


# --- SQL helpers


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def fusionner(
    table: str,
    *,
    cle: tuple[str, ...],
    champs: list[str],
    where: str = "",
    insert_extra: dict[str, str] | None = None,
    borne: str | None = None,
) -> tuple[int, int]:
    """UPDATE the rows of `table` that differ from the staging table, INSERT the new ones.

    `where` filters the staging rows taken (SQL on alias s); `insert_extra` adds
    columns set only on insert ({column: SQL expression}). `borne`, a column of the key
    (a partitioned table's partition key): the target rows looked at are bounded by the
    staged values' min and max, as constants, so PostgreSQL prunes the partitions the file
    does not touch (a day of positions reads one month, not three years of them).
    Returns (created, updated).
    """
    valeurs = [c for c in champs if c not in cle]
    join = " AND ".join(f"{_q(table)}.{_q(k)} = s.{_q(k)}" for k in cle)
    t_join = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in cle)
    filtre = f" AND ({where})" if where else ""
    params: list = []
    created = updated = 0
    with connection.cursor() as cursor, _sans_boucles_imbriquees(actif=borne is not None):
        if borne is not None:
            cursor.execute(f"SELECT MIN({_q(borne)}), MAX({_q(borne)}) FROM {STAGE}")
            params = list(cursor.fetchone())
            if params[0] is None:
                return 0, 0  # nothing staged
            join += f" AND {_q(table)}.{_q(borne)} BETWEEN %s AND %s"
            t_join += f" AND t.{_q(borne)} BETWEEN %s AND %s"
        if valeurs:
            sets = ", ".join(f"{_q(c)} = s.{_q(c)}" for c in valeurs)
            differs = " OR ".join(f"{_q(table)}.{_q(c)} IS DISTINCT FROM s.{_q(c)}" for c in valeurs)
            cursor.execute(
                f"UPDATE {_q(table)} SET {sets} FROM {STAGE} s "
                f"WHERE {join} AND ({differs}){filtre}", params
            )
            updated = cursor.rowcount
        extra = insert_extra or {}
        cols = ", ".join(_q(c) for c in [*champs, *extra])
        exprs = ", ".join([*(f"s.{_q(c)}" for c in champs), *extra.values()])
        cursor.execute(
            f"INSERT INTO {_q(table)} ({cols}) SELECT {exprs} FROM {STAGE} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {_q(table)} t WHERE {t_join}){filtre}", params
        )
        created = cursor.rowcount
    return created, updated


@contextmanager
def _sans_boucles_imbriquees(*, actif: bool):
    """On PostgreSQL, while a bounded merge runs, no nested loop: the target's statistics
    do not know the rows of the file's days yet (positions a phone sent today, or this same
    file imported an hour ago: fewer than autovacuum's 10 % of a month's partition), so the
    planner takes them for one row and loops 50 000 × 50 000 (220 s for a day imported twice);
    hashing the staged rows is linear whatever the estimates."""
    if not actif or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_nestloop')")
        avant = cursor.fetchone()[0]
        cursor.execute("SET LOCAL enable_nestloop = off")
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [avant])


def _creer_stage(importeur: Importeur, champs: list[str]) -> None:
    table = _q(importeur.modele._meta.db_table)
    cols = ", ".join(_q(c) for c in champs)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(f"CREATE TEMP TABLE {STAGE} AS SELECT 0 AS ligne, {cols} FROM {table} WHERE 1 = 0")


def _supprimer_stage() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")


class _Chargeur:
    """Writes rows into the staging table: COPY on PostgreSQL, batched inserts elsewhere."""

    def __init__(self, importeur: Importeur, champs: list[str], *, direct: bool = False):
        # Direct: into the target table itself, which has no `ligne` column.
        self.table = _q(importeur.modele._meta.db_table) if direct else STAGE
        self.direct = direct
        self.colonnes = champs if direct else ["ligne", *champs]
        self.postgres = connection.vendor == "postgresql"
        fields = {f.column: f for f in importeur.modele._meta.concrete_fields}
        # Elsewhere raw SQL needs Django's own value adaptation (e.g. SQLite datetimes).
        self.adapt = ([] if direct else [None]) + [fields[c] for c in champs]
        self.batch: list[tuple] = []

    def __enter__(self):
        self.cursor = connection.cursor()
        cols = ", ".join(_q(c) for c in self.colonnes)
        if self.postgres:
            self.copy_cm = self.cursor.cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN")
            self.copy = self.copy_cm.__enter__()
        else:
            marks = ", ".join(["%s"] * len(self.colonnes))
            self.insert_sql = f"INSERT INTO {self.table} ({cols}) VALUES ({marks})"
        return self

    def ecrire(self, row: tuple) -> None:
        """Write (line number, *values)."""
        if self.direct:
            row = row[1:]
        if self.postgres:
            self.copy.write_row(row)
            return
        self.batch.append(
            tuple(
                v if f is None else f.get_db_prep_value(v, connection, prepared=False)
                for v, f in zip(row, self.adapt)
            )
        )
        if len(self.batch) >= EXECUTEMANY_BATCH:
            self._flush()

    def _flush(self):
        if self.batch:
            self.cursor.executemany(self.insert_sql, self.batch)
            self.batch = []

    def __exit__(self, exc_type, exc, tb):
        try:
            if self.postgres:
                self.copy_cm.__exit__(exc_type, exc, tb)
                # What COPY stored, as PostgreSQL counts it (the direct path's "created").
                self.copiees = self.cursor.cursor.rowcount
            elif exc_type is None:
                self._flush()
        finally:
            self.cursor.close()
        return False


# --- Reading


def _delimiteur(chemin: Path) -> str:
    with chemin.open(encoding="utf-8-sig", newline="") as f:
        header = f.readline()
    return ";" if header.count(";") > header.count(",") else ","


def _compter_lignes(chemin: Path) -> int:
    with chemin.open("rb") as f:
        return sum(buf.count(b"\n") for buf in iter(lambda: f.read(1 << 20), b""))


class LigneIllisible(Exception):
    """The csv module could not split a line into cells (e.g. a cell beyond its limit)."""

    def __init__(self, ligne: int, motif: str):
        super().__init__(motif)
        self.ligne = ligne
        self.motif = motif


def _erreur_csv(exc: csv.Error) -> str:
    """The csv module's reason, in French (its messages are English)."""
    texte_exc = str(exc)
    if "field larger than field limit" in texte_exc:
        return f"une cellule dépasse {_milliers(csv.field_size_limit())} caractères"
    if "new-line character seen in unquoted field" in texte_exc:
        return "retour chariot hors guillemets"
    if "NUL" in texte_exc:
        return "caractère NUL (octet 0) interdit"
    return "format CSV invalide"


def _lire(chemin: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and an iterator of (line number, cells); line 1 is the header.

    Raises LigneIllisible (header or any row) when the csv module gives up on a line.
    """
    f = chemin.open(encoding="utf-8-sig", newline="")
    reader = csv.reader(f, delimiter=_delimiteur(chemin))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as exc:
        f.close()
        raise LigneIllisible(1, f"en-tête illisible ({_erreur_csv(exc)})") from None

    def rows():
        start = reader.line_num + 1
        try:
            for cells in reader:
                if any(cells):  # skip blank lines
                    yield start, cells
                start = reader.line_num + 1
        except csv.Error as exc:
            raise LigneIllisible(start, f"ligne illisible ({_erreur_csv(exc)})") from None
        finally:
            f.close()

    return header, rows()


def _contient_nul(chemin: Path) -> bool:
    """True when the file holds a NUL byte anywhere (a fast scan of the raw bytes)."""
    with chemin.open("rb") as f:
        return any(b"\x00" in buf for buf in iter(lambda: f.read(1 << 22), b""))


def _erreurs_entete(nom: str, header: list[str]) -> list[Erreur]:
    """French errors for a header naming a column twice or holding a NUL byte."""
    erreurs = []
    vus: set[str] = set()
    for colonne in header:
        if "\x00" in colonne:
            erreurs.append(Erreur(nom, 1, colonne.replace("\x00", ""), "caractère NUL dans l'en-tête"))
        elif colonne in vus:
            erreurs.append(Erreur(nom, 1, colonne, "colonne présente deux fois dans l'en-tête"))
        vus.add(colonne)
    return erreurs


def _non_utf8(chemin: Path, rapport: Rapport) -> None:
    """Report the first line that is not UTF-8; the file cannot be read further."""
    with chemin.open("rb") as f:
        for numero, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                break
    motif = "le fichier n'est pas en UTF-8 (enregistrez-le en UTF-8)"
    rapport.erreurs.append(Erreur(rapport.fichier, numero, "", motif))
    rapport.fatal = True


def valeurs_colonne(chemin: Path, nom: str) -> Iterator[str]:
    """The raw cells of one column, for an importer that must look ahead (see EquipesImporteur)."""
    header, rows = _lire(chemin)
    if nom in header:
        idx = header.index(nom)
        for _, cells in rows:
            if idx < len(cells):
                yield cells[idx]


def valeurs_analysees(chemin: Path, nom: str, parse: Callable[[str], Any]) -> set:
    """The distinct non-empty values of one column as `parse` reads them, cells it refuses left
    out (reported on their line by the row check): what an importer looks up before the rows."""
    trouvees = set()
    for raw in valeurs_colonne(chemin, nom):
        try:
            valeur = parse(raw)
        except ValeurInvalide:
            continue
        if valeur not in (None, ""):
            trouvees.add(valeur)
    return trouvees


def importer_fichier(importeur: Importeur, chemin: Path, *, skip_invalid: bool) -> Rapport:
    """Import one file; returns its report. Nothing is written unless the file is accepted."""
    started = time.monotonic()
    try:
        rapport = _importer_en_transaction(
            importeur, chemin, skip_invalid=skip_invalid, direct=_copie_directe_possible(importeur)
        )
    except _CleRepetee:
        # The file repeats a key: take the staging path, which sorts repeats out.
        rapport = _importer_en_transaction(importeur, chemin, skip_invalid=skip_invalid, direct=False)
    rapport.secondes = time.monotonic() - started
    if not rapport.applique:
        rapport.crees = rapport.modifies = rapport.inchanges = 0
        rapport.rejetes = rapport.lignes
    else:
        importeur.applique(rapport)
    return rapport


def non_importe(fichier: str, motif: str) -> Rapport:
    """The report of a file left unread (a file it depends on was rejected)."""
    return Rapport(fichier=fichier, erreurs=[Erreur(fichier, 1, "", motif)])


class _CleRepetee(Exception):
    """A direct COPY met the target's unique key twice."""


def _copie_directe_possible(importeur: Importeur) -> bool:
    """True when rows can be copied straight into the target table.

    On PostgreSQL, into an empty table, with the plain merge: every valid row is
    then new, and the table's unique constraint proves the file has no key twice.
    PostgreSQL inserts while Python parses (two cores at work): the first load of
    millions of GPS positions takes half the time of staging then merging.
    """
    return (
        connection.vendor == "postgresql"
        and type(importeur).fusionner is Importeur.fusionner
        and not importeur.modele.objects.exists()
    )


def _importer_en_transaction(importeur, chemin, *, skip_invalid: bool, direct: bool) -> Rapport:

    rapport = Rapport(fichier=importeur.fichier)
    try:
        with transaction.atomic():
            _importer(importeur, chemin, rapport, skip_invalid=skip_invalid, direct=direct)
            if rapport.fatal or (rapport.erreurs and not skip_invalid):
                raise FichierRejete
            rapport.applique = True
    except FichierRejete:
        rapport.applique = False
    except UniqueViolation as exc:
        raise _CleRepetee from exc
    finally:
        _supprimer_stage()
    return rapport


def _importer(importeur: Importeur, chemin: Path, rapport: Rapport, *, skip_invalid: bool, direct: bool):
    nom = importeur.fichier
    try:
        header, rows = _lire(chemin)
    except UnicodeDecodeError:
        _non_utf8(chemin, rapport)
        return
    except LigneIllisible as exc:
        rapport.erreurs.append(Erreur(nom, exc.ligne, "", exc.motif))
        rapport.fatal = True
        return
    entete = _erreurs_entete(nom, header)
    if entete:
        rapport.erreurs.extend(entete)
        rapport.fatal = True
        return
    manquantes = [c.nom for c in importeur.colonnes if c.nom not in header and not c.facultative]
    if manquantes:
        rapport.erreurs.append(
            Erreur(nom, 1, ", ".join(manquantes), ngettext(
                "colonne absente de l'en-tête", "colonnes absentes de l'en-tête", len(manquantes)
            ))
        )
        rapport.fatal = True
        return
    # (name, cell index, parser) per column, resolved once for the whole file.
    # An absent optional column reads past the end of every row: an empty cell.
    lecture = [(c.nom, header.index(c.nom) if c.nom in header else len(header), c.parse) for c in importeur.colonnes]
    importeur.absentes = frozenset(c.nom for c in importeur.colonnes if c.nom not in header)
    controle = _ControleCellules(nom, header, nul=_contient_nul(chemin))

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Big files hash-join and group millions of staged rows: keep that in memory.
            cursor.execute("SET LOCAL work_mem = '256MB'")
    try:
        importeur.preparer(chemin)
    except UnicodeDecodeError:  # an importer that reads ahead met the bad line first
        _non_utf8(chemin, rapport)
        return
    except LigneIllisible as exc:
        rapport.erreurs.append(Erreur(nom, exc.ligne, "", exc.motif))
        rapport.fatal = True
        return
    champs = importeur.champs()
    if not direct:
        _creer_stage(importeur, champs)
    rejected_lines: set[int] = set()
    progress = None
    if chemin.stat().st_size > PROGRESS_MIN_BYTES:
        progress = tqdm(total=_compter_lignes(chemin), desc=nom, unit=" lignes", disable=None)
    try:
        with _Chargeur(importeur, champs, direct=direct) as chargeur:
            for ligne, cells in rows:
                rapport.lignes += 1
                if progress is not None and rapport.lignes % 10_000 == 0:
                    progress.update(10_000)
                errors = controle.erreurs(ligne, cells) or _convertir_ligne(
                    importeur, lecture, cells, ligne, chargeur, champs
                )
                if errors:
                    rejected_lines.add(ligne)
                    rapport.erreurs.extend(errors)
    except UnicodeDecodeError:
        _non_utf8(chemin, rapport)
        return
    except LigneIllisible as exc:
        rapport.erreurs.append(Erreur(nom, exc.ligne, "", exc.motif))
        rapport.fatal = True
        return
    finally:
        if progress is not None:
            progress.close()

    if direct:
        rapport.erreurs.sort(key=lambda e: e.ligne)
        rapport.rejetes = len(rejected_lines)
        if not rapport.erreurs or skip_invalid:
            importeur.apres()
            rapport.crees = chargeur.copiees
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {STAGE}")
    rapport.erreurs.extend(_cles_repetees(importeur, champs, rejected_lines))
    rapport.erreurs.sort(key=lambda e: e.ligne)
    rapport.rejetes = len(rejected_lines)
    if rapport.erreurs and not skip_invalid:
        return
    distinct = _compter_stage()
    importeur.toucher_jours_quittes()
    created, updated = importeur.fusionner()
    importeur.apres()
    rapport.crees, rapport.modifies = created, updated
    rapport.inchanges = distinct - created - updated


def _milliers(n: int) -> str:
    """An integer written the French way: 5 242 880 (narrow no-break spaces)."""
    return f"{n:,}".replace(",", "\u202f")


class _ControleCellules:
    """Refuses, naming file, line and column, what no parser should see: more cells than
    the header, a cell longer than LONGUEUR_MAX_CELLULE, a NUL byte (PostgreSQL text
    cannot hold one). Cheap on clean files: the NUL search runs only if the file has one."""

    def __init__(self, nom: str, header: list[str], *, nul: bool):
        self.nom = nom
        self.header = header
        self.largeur = len(header)
        self.nul = nul

    def colonne(self, index: int) -> str:
        if index < self.largeur:
            return self.header[index]
        return f"n° {index + 1} (hors en-tête)"

    def erreurs(self, ligne: int, cells: list[str]) -> list[Erreur]:
        erreurs = []
        if len(cells) > self.largeur:
            motif = f"{len(cells)} cellules pour {self.largeur} colonnes dans l'en-tête"
            erreurs.append(Erreur(self.nom, ligne, self.colonne(self.largeur), motif))
        if max(map(len, cells)) > LONGUEUR_MAX_CELLULE:
            for index, cell in enumerate(cells):
                if len(cell) > LONGUEUR_MAX_CELLULE:
                    motif = f"cellule trop longue ({_milliers(len(cell))} caractères, {_milliers(LONGUEUR_MAX_CELLULE)} au plus)"
                    erreurs.append(Erreur(self.nom, ligne, self.colonne(index), motif))
        if self.nul:
            for index, cell in enumerate(cells):
                if "\x00" in cell:
                    erreurs.append(Erreur(self.nom, ligne, self.colonne(index), "caractère NUL (octet 0) interdit"))
        if erreurs:
            # The row content goes to the rejects file: keep it short and printable.
            contenu = tuple(c.replace("\x00", "")[:200] for c in cells)
            erreurs = [Erreur(e.fichier, e.ligne, e.colonne, e.motif, contenu) for e in erreurs]
        return erreurs


def _convertir_ligne(importeur, lecture, cells, ligne, chargeur, champs) -> list[Erreur]:
    valeurs: dict[str, Any] = {}
    errors: list[Erreur] = []
    n = len(cells)
    for nom, idx, parse in lecture:
        try:
            valeurs[nom] = parse(cells[idx] if idx < n else "")
        except ValeurInvalide as exc:
            errors.append(Erreur(importeur.fichier, ligne, nom, str(exc), tuple(cells)))
    if not errors:
        try:
            row = importeur.convertir(valeurs)
        except ErreurLigne as exc:
            errors.append(Erreur(importeur.fichier, ligne, exc.colonne, exc.motif, tuple(cells)))
        else:
            chargeur.ecrire((ligne, *(row[c] for c in champs)))
    return errors


def _cles_repetees(importeur: Importeur, champs: list[str], rejected: set[int]) -> list[Erreur]:
    """Settle natural keys staged more than once.

    Exact repeats keep their first line; a key given with different values is an
    error on each of its lines, and all of them leave the stage.
    """
    keys = ", ".join(_q(k) for k in importeur.cle)
    on = " AND ".join(f"s.{_q(k)} = r.{_q(k)}" for k in importeur.cle)
    cols = ", ".join(f"s.{_q(c)}" for c in champs)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.ligne, {cols} FROM {STAGE} s JOIN ("
            f"SELECT {keys} FROM {STAGE} GROUP BY {keys} HAVING COUNT(*) > 1"
            f") r ON {on} ORDER BY s.ligne"
        )
        by_key: dict[tuple, list[tuple[int, tuple]]] = {}
        for ligne, *values in cursor.fetchall():
            by_key.setdefault(tuple(values[: len(importeur.cle)]), []).append((ligne, tuple(values)))
        errors, drop = [], []
        for rows in by_key.values():
            if len({values for _, values in rows}) == 1:
                drop.extend(ligne for ligne, _ in rows[1:])
                continue
            lines = [ligne for ligne, _ in rows]
            drop.extend(lines)
            rejected.update(lines)
            autres = ", ".join(map(str, lines))
            motif = f"même {importeur.libelle_cle} sur les lignes {autres} avec des valeurs différentes"
            errors.extend(Erreur(importeur.fichier, ligne, importeur.libelle_cle, motif) for ligne in lines)
        for start in range(0, len(drop), 1000):
            chunk = ", ".join(map(str, drop[start : start + 1000]))
            cursor.execute(f"DELETE FROM {STAGE} WHERE ligne IN ({chunk})")
    return errors


def _compter_stage() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {STAGE}")
        return cursor.fetchone()[0]
