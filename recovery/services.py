"""Writes about debts: the daily snapshots per site."""
import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction

from akig_ops.lib.cache_donnees import donnees_modifiees
from akig_ops.services import INSTANTANES_SITES, ROULEMENTS, battement_enregistrer
from recovery.models import Impaye, ImpayeSolde, InstantaneSite
from recovery.roulement import fins_de_mois, roulements_ecrire
from recovery.selectors import TRANCHES, tranches_depuis

# Keeps each INSERT bounded when a year of snapshots is back-filled.
TAILLE_LOT = 5000
# The snapshot's buckets as (index, lower limit, upper limit) in days of retard.
BORNES = [(i, t.debut, t.fin) for i, t in enumerate(tranches_depuis(TRANCHES))]


def _intervalles_par_tranche(*, echeance: int, debut: int, fin: int) -> list[tuple[int, int, int]]:
    """The days (ordinals) a debt due on day `echeance` and outstanding from `debut` to `fin`
    spends in each bucket: [(bucket, first day, last day)], those it reaches only.
    A day is in a bucket when its retard (day − echeance) is within the bucket's limits."""
    intervalles = []
    for i, limite_basse, limite_haute in BORNES:
        lo = debut if limite_basse is None else max(debut, echeance + limite_basse + 1)
        hi = fin if limite_haute is None else min(fin, echeance + limite_haute)
        if lo <= hi:
            intervalles.append((i, lo, hi))
    return intervalles


def instantanes_sites_ecrire(*, du: datetime.date, au: datetime.date) -> int:
    """Write (replace) the per-site snapshots of every day from `du` to `au`; return the rows.

    A debt counts on a day from its period's first day (`periode`) until the day before it was
    settled (`impayes_soldes.solde_le`), or up to `au` if it is still owed, with what is still
    due today (a settled debt: its whole amount). Each debt adds +1 / +amount on the first day
    it enters a bucket and takes them off after the last: one pass over the debts touching
    the period, then running sums per site and bucket (no query per day).
    Idempotent: the period's rows are replaced in one transaction.
    """
    premier, dernier = du.toordinal(), au.toordinal()
    nb_jours = dernier - premier + 1
    nb_tranches = len(InstantaneSite.COLONNES)
    # deltas[site_id][bucket] = ([count delta per day], [cents delta per day])
    deltas: dict[int, list[tuple[list[int], list[int]]]] = defaultdict(
        lambda: [([0] * (nb_jours + 1), [0] * (nb_jours + 1)) for _ in range(nb_tranches)]
    )

    def ajouter(site_id: int, periode: datetime.date, echeance: datetime.date, centimes: int, fin: int):
        debut = max(periode.toordinal(), premier)
        fin = min(fin, dernier)
        if debut > fin:
            return
        for tranche, lo, hi in _intervalles_par_tranche(echeance=echeance.toordinal(), debut=debut, fin=fin):
            nombres, montants = deltas[site_id][tranche]
            nombres[lo - premier] += 1
            nombres[hi - premier + 1] -= 1
            montants[lo - premier] += centimes
            montants[hi - premier + 1] -= centimes

    encore_dus = Impaye.objects.filter(periode__lte=au).values_list("site_id", "periode", "date_echeance", "montant")
    for site_id, periode, echeance, montant in encore_dus.iterator(chunk_size=10_000):
        ajouter(site_id, periode, echeance, int(montant * 100), dernier)
    soldes = ImpayeSolde.objects.filter(solde_le__gt=du, periode__lte=au).values_list(
        "site_id", "periode", "date_echeance", "montant_du", "solde_le"
    )
    for site_id, periode, echeance, montant, solde_le in soldes.iterator(chunk_size=10_000):
        ajouter(site_id, periode, echeance, int(montant * 100), solde_le.toordinal() - 1)

    lignes = []
    for site_id, par_tranche in deltas.items():
        cumuls = [[0, 0] for _ in range(nb_tranches)]
        for k in range(nb_jours):
            for i, (nombres, montants) in enumerate(par_tranche):
                cumuls[i][0] += nombres[k]
                cumuls[i][1] += montants[k]
            if any(nb for nb, _ in cumuls):
                valeurs = [datetime.date.fromordinal(premier + k), site_id]
                for nb, centimes in cumuls:
                    valeurs += [nb, Decimal(centimes).scaleb(-2)]
                lignes.append(valeurs)
    # Stored day by day: the trend reads a few days of every site, found in few pages.
    lignes.sort(key=lambda ligne: (ligne[0], ligne[1]))
    with transaction.atomic():
        InstantaneSite.objects.filter(jour__gte=du, jour__lte=au).delete()
        _instantanes_inserer(lignes)
    if connection.vendor == "postgresql" and nb_jours > 1:
        # A back-fill changes the table's figures at once: plan the next reads on them.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {InstantaneSite._meta.db_table}")
    return len(lignes)


def roulements_mettre_a_jour(*, fins: list[datetime.date] | None = None) -> int:
    """The roll job (beat task, after each import of impayes.csv, and command): store the
    figures of the month-ends `fins` (the 12 the page offers by default), start a new
    generation of cached figures, record the job's heartbeat; return the lines written."""
    fins = fins or fins_de_mois()
    lignes = roulements_ecrire(fins=fins)
    donnees_modifiees()
    battement_enregistrer(nom=ROULEMENTS, details={"fins": [f.isoformat() for f in fins], "lignes": lignes})
    return lignes


def _instantanes_inserer(lignes: list[list]) -> None:
    """Insert snapshot rows [jour, site_id, nb, montant, nb, montant…] (InstantaneSite.COLONNES
    order): COPY on PostgreSQL (a year of 500 sites in seconds), batched INSERTs elsewhere."""
    colonnes = ["jour", "site_id", *(colonne for paire in InstantaneSite.COLONNES for colonne in paire)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY {InstantaneSite._meta.db_table} ({', '.join(colonnes)}) FROM STDIN") as copie:
                for ligne in lignes:
                    copie.write_row(ligne)
        return
    InstantaneSite.objects.bulk_create(
        (InstantaneSite(**dict(zip(colonnes, ligne))) for ligne in lignes), batch_size=TAILLE_LOT
    )


def instantanes_sites_mettre_a_jour(*, du: datetime.date, au: datetime.date) -> int:
    """The snapshot job (beat task and command): write the snapshots from `du` to `au`, start a
    new generation of cached figures, record the job's heartbeat; return the rows written."""
    lignes = instantanes_sites_ecrire(du=du, au=au)
    donnees_modifiees()
    battement_enregistrer(
        nom=INSTANTANES_SITES, details={"du": du.isoformat(), "au": au.isoformat(), "lignes": lignes}
    )
    return lignes
