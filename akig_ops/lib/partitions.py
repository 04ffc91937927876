"""Monthly range partitions of a PostgreSQL table on a `timestamptz` column (PostgreSQL only).

A month is a calendar month in the business time zone (`fuseau`), so a local day never spans
two partitions. Each month's partition is `<table>_AAAA_MM`; `<table>_defaut` (the DEFAULT
partition) takes a row whose month has no partition yet, so no insert ever fails for want of
one: `partition_creer` moves such rows into the month's new partition.

An old month leaves the database as a gzip'd psql script (`archive_ecrire`): its rows are
COPY'd to the file inside a transaction that blocks writes to the partition, the file is read
back into a temporary table and its row count and checksum compared with the partition's,
and only then is the partition dropped. `archive_restaurer` loads such a file back, checked
against the count and checksum written in its header. The checksum (`empreinte`) is the sum
of the first 64 bits of each row's MD5, read in UTC and ISO dates: independent of row order,
of the session's settings, and of the file's round trip.
"""
from __future__ import annotations

import datetime
import gzip
import os
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction

from akig_ops.lib.fichiers import fsync

PARTIEL = ".partiel"
# A DDL step waits this long for its lock, then gives up (the next run tries again) rather than
# queue every reader of the table behind it.
ATTENTE_VERROU = "10s"
_ENTETE = re.compile(r"^-- (\w+) : (.*)$")


class PartitionErreur(Exception):
    """A partition step failed; the message says which and why (in French)."""


@dataclass(frozen=True)
class Archive:
    """An archive file of one month of `table`: its rows and checksum."""

    fichier: Path
    table: str
    mois: datetime.date
    lignes: int
    somme: int


def mois_de(jour: datetime.date) -> datetime.date:
    """The first day of `jour`'s month."""
    return jour.replace(day=1)


def mois_decaler(mois: datetime.date, n: int) -> datetime.date:
    """The first day of the month `n` months after (before, if negative) `mois`'s."""
    rang = mois.year * 12 + mois.month - 1 + n
    return datetime.date(rang // 12, rang % 12 + 1, 1)


def nom_partition(table: str, mois: datetime.date) -> str:
    return f"{table}_{mois:%Y_%m}"


def nom_defaut(table: str) -> str:
    return f"{table}_defaut"


def bornes(mois: datetime.date, fuseau: str) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants [start, end) of `mois` in the time zone `fuseau`."""
    zone = zoneinfo.ZoneInfo(fuseau)
    debut = datetime.datetime(mois.year, mois.month, 1, tzinfo=zone)
    suivant = mois_decaler(mois, 1)
    return debut, datetime.datetime(suivant.year, suivant.month, 1, tzinfo=zone)


def _q(nom: str) -> str:
    return connection.ops.quote_name(nom)


def colonnes(table: str) -> list[str]:
    """The columns of `table`, in order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum",
            [table],
        )
        return [ligne[0] for ligne in cursor.fetchall()]


def est_partitionnee(table: str) -> bool:
    """Whether `table` is a partitioned table on this database (always False off PostgreSQL)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [table])
        ligne = cursor.fetchone()
    return bool(ligne and ligne[0])


def partitions_lister(table: str) -> list[datetime.date]:
    """The months of `table`'s monthly partitions, oldest first (the default one aside)."""
    motif = re.compile(rf"^{re.escape(table)}_(\d{{4}})_(\d{{2}})$")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass",
            [table],
        )
        trouves = [motif.match(nom) for (nom,) in cursor.fetchall()]
    return sorted(datetime.date(int(t.group(1)), int(t.group(2)), 1) for t in trouves if t)


def mois_du_defaut(table: str, colonne: str, fuseau: str) -> dict[datetime.date, int]:
    """{month: rows} of the rows waiting in `table`'s default partition (normally none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT date_trunc('month', {_q(colonne)} AT TIME ZONE %s)::date, count(*) "
            f"FROM {_q(nom_defaut(table))} GROUP BY 1",
            [fuseau],
        )
        return dict(cursor.fetchall())


def _verrou_borne(cursor) -> None:
    cursor.execute(f"SET LOCAL lock_timeout = '{ATTENTE_VERROU}'")


def partition_creer(*, table: str, colonne: str, mois: datetime.date, fuseau: str) -> int | None:
    """Create `mois`'s partition of `table` if it is missing; return None when it existed, else
    the rows moved into it from the default partition (0 when there were none).

    One transaction: the partition is built as a plain table, the default partition's rows of
    that month are moved into it, then it is attached (ATTACH takes a lighter lock on `table`
    than CREATE … PARTITION OF: readers and writers of other months go on)."""
    nom = nom_partition(table, mois)
    debut, fin = bornes(mois, fuseau)
    liste = ", ".join(_q(c) for c in colonnes(table))
    with transaction.atomic(), connection.cursor() as cursor:
        _verrou_borne(cursor)
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [nom])
        if cursor.fetchone()[0]:
            return None
        cursor.execute(f"CREATE TABLE {_q(nom)} (LIKE {_q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH deplacees AS (DELETE FROM {_q(nom_defaut(table))} WHERE {_q(colonne)} >= %s AND {_q(colonne)} < %s "
            f"RETURNING {liste}) INSERT INTO {_q(nom)} ({liste}) SELECT {liste} FROM deplacees",
            [debut, fin],
        )
        deplacees = cursor.rowcount
        cursor.execute(
            f"ALTER TABLE {_q(table)} ATTACH PARTITION {_q(nom)} FOR VALUES FROM (%s) TO (%s)", [debut, fin]
        )
    return deplacees


def mois_a_archiver(*, mois_existants: list[datetime.date], mois_courant: datetime.date,
                    retention_mois: int) -> list[datetime.date]:
    """The months whose partition goes: every row more than `retention_mois` months old, i.e.
    months before `retention_mois` months ahead of `mois_courant`'s start. With 12 in December
    2026: November 2025 and older go, December 2025 stays."""
    limite = mois_decaler(mois_de(mois_courant), -retention_mois)
    return [mois for mois in mois_existants if mois < limite]


def empreinte(relation: str, noms: list[str]) -> tuple[int, int]:
    """(rows, checksum) of `relation` over the columns `noms`: the sum of the first 64 bits of
    each row's MD5, the row read in UTC, ISO dates and exact floats."""
    ligne = ", ".join(_q(c) for c in noms)
    with transaction.atomic(), connection.cursor() as cursor:
        _reglages_texte(cursor)
        cursor.execute(
            f"SELECT count(*), coalesce(sum(('x' || left(md5(ROW({ligne})::text), 16))::bit(64)::bigint), 0) "
            f"FROM {_q(relation)}"
        )
        lignes, somme = cursor.fetchone()
    return int(lignes), int(somme)


def _reglages_texte(cursor) -> None:
    """The settings that fix how a row is written as text (the checksum and the COPY)."""
    cursor.execute("SET LOCAL TimeZone = 'UTC'")
    cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    cursor.execute("SET LOCAL extra_float_digits = 1")


def _entete(*, table: str, mois: datetime.date, lignes: int, somme: int, fuseau: str) -> str:
    debut, fin = bornes(mois, fuseau)
    return (
        f"-- Archive AKIG : lignes de {table} du mois {mois:%Y-%m} ({fuseau}), partition retirée de la base.\n"
        f"-- Restaurer (contrôlé) : python manage.py restaurer_positions FICHIER\n"
        f"-- ou : gunzip -c FICHIER | psql -v ON_ERROR_STOP=1 -d akig\n"
        f"-- table : {table}\n"
        f"-- mois : {mois:%Y-%m}\n"
        f"-- debut : {debut.isoformat()}\n"
        f"-- fin : {fin.isoformat()}\n"
        f"-- lignes : {lignes}\n"
        f"-- somme : {somme}\n"
    )


def _entete_lire(fichier: Path) -> dict[str, str]:
    entete = {}
    try:
        with gzip.open(fichier, "rt", encoding="utf-8") as flux:
            for ligne in flux:
                trouve = _ENTETE.match(ligne.rstrip("\n"))
                if not ligne.startswith("--"):
                    break
                if trouve:
                    entete[trouve.group(1)] = trouve.group(2)
    except (OSError, EOFError, UnicodeDecodeError) as erreur:
        raise PartitionErreur(f"{fichier.name} est illisible ({erreur})") from erreur
    manquants = {"table", "mois", "lignes", "somme"} - set(entete)
    if manquants:
        raise PartitionErreur(f"{fichier.name} n'est pas une archive de partition (en-tête sans {', '.join(sorted(manquants))})")
    return entete


def _copie_de(fichier: Path):
    """The data lines of the archive's COPY block, as bytes; raise if the block never ends."""
    dans_copie = False
    try:
        with gzip.open(fichier, "rb") as flux:
            for ligne in flux:
                if dans_copie:
                    if ligne == b"\\.\n":
                        return
                    yield ligne
                elif ligne.startswith(b"COPY "):
                    dans_copie = True
    except (OSError, EOFError) as erreur:
        raise PartitionErreur(f"{fichier.name} est tronqué ou illisible ({erreur})") from erreur
    raise PartitionErreur(f"{fichier.name} est incomplet : la fin des données manque")


def _charger_temporaire(*, fichier: Path, table: str, noms: list[str]) -> str:
    """Load the archive's rows into a temporary table shaped like `table` (dropped at commit);
    return its name."""
    temporaire = "archive_lue"
    liste = ", ".join(_q(c) for c in noms)
    with connection.cursor() as cursor:
        _reglages_texte(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {temporaire}")
        cursor.execute(f"CREATE TEMP TABLE {temporaire} (LIKE {_q(table)}) ON COMMIT DROP")
        with cursor.copy(f"COPY {temporaire} ({liste}) FROM STDIN") as copie:
            for ligne in _copie_de(fichier):
                copie.write(ligne)
    return temporaire


def archive_ecrire(*, table: str, mois: datetime.date, fuseau: str, repertoire: Path,
                   horodatage: datetime.datetime) -> Archive:
    """Write `mois`'s partition of `table` to `repertoire`, check the file, then drop the
    partition; return the archive. Nothing is dropped unless the file, read back, gives the
    partition's row count and checksum; a failure leaves the partition and no final file.

    The file is `<partition>-<horodatage>.sql.gz` (a month archived twice, e.g. after a
    restore, never overwrites an earlier file), a psql script that puts the rows back."""
    nom = nom_partition(table, mois)
    final = repertoire / f"{nom}-{horodatage:%Y%m%dT%H%M%S}.sql.gz"
    partiel = repertoire / f".{final.name}{PARTIEL}"
    noms = colonnes(table)
    liste = ", ".join(_q(c) for c in noms)
    try:
        repertoire.mkdir(parents=True, exist_ok=True)
        with transaction.atomic(), connection.cursor() as cursor:
            _verrou_borne(cursor)
            # Readers go on; a late write into this month waits, then lands in the default
            # partition once this one is gone.
            cursor.execute(f"LOCK TABLE {_q(nom)} IN SHARE MODE")
            lignes, somme = empreinte(nom, noms)
            with gzip.open(partiel, "wb", compresslevel=6) as flux:
                flux.write(_entete(table=table, mois=mois, lignes=lignes, somme=somme, fuseau=fuseau).encode())
                flux.write(
                    "BEGIN;\nSET LOCAL DateStyle = 'ISO, YMD';\n"
                    f"CREATE TEMP TABLE archive_lue (LIKE {_q(table)}) ON COMMIT DROP;\n"
                    f"COPY archive_lue ({liste}) FROM stdin;\n".encode()
                )
                with cursor.copy(f"COPY {_q(nom)} ({liste}) TO STDOUT") as copie:
                    for bloc in copie:
                        flux.write(bloc)
                flux.write(
                    "\\.\n"
                    f"INSERT INTO {_q(table)} ({liste}) SELECT {liste} FROM archive_lue ON CONFLICT DO NOTHING;\n"
                    "COMMIT;\n".encode()
                )
            fsync(partiel)
            relues = empreinte(_charger_temporaire(fichier=partiel, table=table, noms=noms), noms)
            if relues != (lignes, somme):
                raise PartitionErreur(
                    f"{final.name} relu ne redonne pas la partition {nom} : fichier {relues[0]} lignes "
                    f"(somme {relues[1]}), base {lignes} lignes (somme {somme}) ; partition gardée"
                )
            # Dropped before the file takes its final name: a DROP that cannot get its lock
            # leaves neither the partition's loss nor a second archive of it. Rows written
            # earlier in the caller's transaction have their deferred foreign-key checks run
            # first: PostgreSQL drops no table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"DROP TABLE {_q(nom)}")
            os.replace(partiel, final)
            fsync(repertoire)
    except OSError as erreur:
        partiel.unlink(missing_ok=True)
        raise PartitionErreur(f"écriture de l'archive dans {repertoire} impossible : {erreur}") from erreur
    except BaseException:
        partiel.unlink(missing_ok=True)
        raise
    return Archive(fichier=final, table=table, mois=mois, lignes=lignes, somme=somme)


def archive_restaurer(*, fichier: Path, colonne: str, fuseau: str) -> tuple[Archive, int]:
    """Put an archive's rows back into its table, in one transaction: the file is read into a
    temporary table and checked against its header's row count and checksum, the month's
    partition is created if missing (moving the default partition's rows of that month), and
    the rows are inserted, those already there skipped. Return (the archive, rows inserted).
    A file that does not match its header changes nothing."""
    if not fichier.is_file():
        raise PartitionErreur(f"fichier introuvable : {fichier}")
    entete = _entete_lire(fichier)
    table = entete["table"]
    mois = datetime.date.fromisoformat(entete["mois"] + "-01")
    attendu = (int(entete["lignes"]), int(entete["somme"]))
    noms = colonnes(table)
    liste = ", ".join(_q(c) for c in noms)
    with transaction.atomic():
        temporaire = _charger_temporaire(fichier=fichier, table=table, noms=noms)
        lues = empreinte(temporaire, noms)
        if lues != attendu:
            raise PartitionErreur(
                f"{fichier.name} ne correspond pas à son en-tête : {lues[0]} lignes (somme {lues[1]}), "
                f"en-tête {attendu[0]} lignes (somme {attendu[1]}) ; rien n'a été restauré"
            )
        partition_creer(table=table, colonne=colonne, mois=mois, fuseau=fuseau)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_q(table)} ({liste}) SELECT {liste} FROM {temporaire} ON CONFLICT DO NOTHING"
            )
            inserees = cursor.rowcount
    return Archive(fichier=fichier, table=table, mois=mois, lignes=attendu[0], somme=attendu[1]), inserees


def _renommer_anciens(cursor, *, table: str, ancienne: str) -> dict:
    """Rename `table` to `ancienne` with its indexes and identity sequence (names are per
    schema: the new table takes them); return its foreign keys {name: definition}."""
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [table],
    )
    cles = dict(cursor.fetchall())
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    cursor.execute(
        "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass",
        [table],
    )
    index = [nom for (nom,) in cursor.fetchall()]
    cursor.execute(f"ALTER TABLE {_q(table)} RENAME TO {_q(ancienne)}")
    for nom in index:
        cursor.execute(f"ALTER INDEX {_q(nom)} RENAME TO {_q(nom[:50] + '_ancien')}")
    if sequence:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {_q(ancienne + '_id_seq')}")
    return cles


def _recopier(cursor, *, table: str, ancienne: str, cle_primaire: str, uniques: dict[str, str], cles: dict) -> None:
    """Copy every row of `ancienne` into the new `table`, then add its keys (built once, on the
    loaded data) and carry the identity on; raise if a row is missing."""
    liste = ", ".join(_q(c) for c in colonnes(ancienne))
    cursor.execute(f"INSERT INTO {_q(table)} ({liste}) SELECT {liste} FROM {_q(ancienne)}")
    copiees = cursor.rowcount
    cursor.execute(f"SELECT count(*) FROM {_q(ancienne)}")
    (total,) = cursor.fetchone()
    if total != copiees:
        raise PartitionErreur(f"{table} : {copiees} lignes recopiées sur {total}")
    cursor.execute(f"ALTER TABLE {_q(table)} ADD PRIMARY KEY ({cle_primaire})")
    for nom, definition in uniques.items():
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(nom)} UNIQUE ({definition})")
    for nom, definition in cles.items():
        cursor.execute(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(nom)} {definition}")
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), greatest((SELECT max(id) FROM {_q(table)}), "
        f"(SELECT last_value FROM {_q(ancienne + '_id_seq')}), 1))",
        [table],
    )
    cursor.execute(f"DROP TABLE {_q(ancienne)} CASCADE")


def table_partitionner(*, table: str, colonne: str, uniques: dict[str, str], fuseau: str,
                       depuis: datetime.date, jusqu_a: datetime.date) -> list[datetime.date]:
    """Turn the plain table `table` (an `id` identity primary key) into one partitioned by month
    on `colonne`, every row kept (in the caller's transaction): a partition per month from the
    oldest row's (or `depuis`'s, if earlier) to `jusqu_a`'s, and the default partition. The primary key becomes (id,
    `colonne`), as PostgreSQL asks of a partitioned table; `uniques` {name: columns} must each
    include `colonne`. Return the months created."""
    ancienne = f"{table}_avant_partitions"
    with connection.cursor() as cursor:
        cles = _renommer_anciens(cursor, table=table, ancienne=ancienne)
        cursor.execute(
            f"CREATE TABLE {_q(table)} (LIKE {_q(ancienne)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY) "
            f"PARTITION BY RANGE ({_q(colonne)})"
        )
        cursor.execute(f"SELECT min({_q(colonne)} AT TIME ZONE %s)::date FROM {_q(ancienne)}", [fuseau])
        (premier,) = cursor.fetchone()
        mois, dernier = mois_de(min(premier or depuis, depuis)), mois_de(jusqu_a)
        crees = []
        while mois <= dernier:
            debut, fin = bornes(mois, fuseau)
            cursor.execute(
                f"CREATE TABLE {_q(nom_partition(table, mois))} PARTITION OF {_q(table)} FOR VALUES FROM (%s) TO (%s)",
                [debut, fin],
            )
            crees.append(mois)
            mois = mois_decaler(mois, 1)
        cursor.execute(f"CREATE TABLE {_q(nom_defaut(table))} PARTITION OF {_q(table)} DEFAULT")
        _recopier(cursor, table=table, ancienne=ancienne, cle_primaire=f"id, {_q(colonne)}", uniques=uniques, cles=cles)
    return crees


def table_departitionner(*, table: str, uniques: dict[str, str]) -> None:
    """The reverse of table_partitionner: `table` becomes a plain table again (primary key
    `id`), every row kept, its partitions dropped."""
    ancienne = f"{table}_partitionnee"
    with connection.cursor() as cursor:
        cles = _renommer_anciens(cursor, table=table, ancienne=ancienne)
        cursor.execute(
            f"CREATE TABLE {_q(table)} (LIKE {_q(ancienne)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
        )
        _recopier(cursor, table=table, ancienne=ancienne, cle_primaire="id", uniques=uniques, cles=cles)
