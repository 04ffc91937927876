"""Roll and cure rates: what became, a month later, of the amount still due at a month-end.

For a month-end D0 and the next month-end D1, each instalment still owed at D0 is put in its
ageing bucket at D0 (recovery.selectors.TRANCHES) and, by what it owed at D1, in one category:
  - `solde`: cured, nothing left to pay at D1;
  - `partiel`: partly paid, less left at D1 than at D0 (still owed);
  - `roule`: the same left, in a later bucket at D1;
  - `reste`: the same left, in the same bucket (the last bucket, or not yet due).
The instalment's whole amount due at D0 counts in its category.

Exact from the day the import records every change of montant_paye (ChangementPaiement,
`historique_paiements_depuis`): montant_paye at the end of a day D is the `montant_paye_avant`
of the first change after D, else today's. Before that day it is estimated as the per-site
snapshots' back-fill does (recovery.services.instantanes_sites_ecrire): an instalment still
owed today is taken as owing what it owes today at every month-end since its period began (its
partial payments are not dated, so no `partiel`); a settled one as owing its whole amount until
the day it was recorded settled (`impayes_soldes.solde_le`), cured then.
"""
import calendar
import datetime
from decimal import Decimal

from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Case, CharField, Count, DecimalField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from recovery.models import MONEY, ChangementPaiement, Impaye, ImpayeSolde, RoulementMois, RoulementMoisLigne
from recovery.selectors import TRANCHES, ZERO, _euros, _tranche_de

ROULE, RESTE, PARTIEL, SOLDE = "roule", "reste", "partiel", "solde"
# The matrix's columns, in reading order.
CATEGORIES = (ROULE, RESTE, PARTIEL, SOLDE)
# The migration creating the history: imports record changes from the day it was applied.
MIGRATION_HISTORIQUE = ("recovery", "0006_changements_paiement")


def historique_paiements_depuis() -> datetime.date:
    """Return the first day whose end the history of montant_paye describes exactly: the day
    the history's migration was applied (every import since records its changes), today if
    the migration table does not say."""
    app, nom = MIGRATION_HISTORIQUE
    applique = MigrationRecorder.Migration.objects.filter(app=app, name=nom).values_list("applied", flat=True).first()
    return timezone.localdate(applique) if applique else timezone.localdate()


def fin_de_mois(jour: datetime.date) -> datetime.date:
    """The last day of `jour`'s month."""
    return jour.replace(day=calendar.monthrange(jour.year, jour.month)[1])


def fin_mois_suivant(fin: datetime.date) -> datetime.date:
    """The last day of the month after the one ending on `fin`."""
    return fin_de_mois(fin + datetime.timedelta(days=1))


def fins_de_mois(*, mois: int = 12, aujourdhui: datetime.date | None = None) -> list[datetime.date]:
    """Return the `mois` latest month-ends D0 whose next month-end D1 has passed (D1 ≤ today),
    oldest first: the months whose roll a month later is known."""
    aujourdhui = aujourdhui or timezone.localdate()
    derniere = aujourdhui.replace(day=1) - datetime.timedelta(days=1)  # the last month-end passed
    fins = []
    fin = derniere.replace(day=1) - datetime.timedelta(days=1)  # D0 of that D1
    for _ in range(mois):
        fins.append(fin)
        fin = fin.replace(day=1) - datetime.timedelta(days=1)
    return fins[::-1]


def _paye_au(jour: datetime.date):
    """SQL: the row's montant_paye at the end of `jour` (history, else today's)."""
    avant = (
        ChangementPaiement.objects.filter(reference=OuterRef("reference"), jour__gt=jour)
        .order_by("jour", "id")
        .values("montant_paye_avant")[:1]
    )
    return Coalesce(Subquery(avant), F("montant_paye"))


def _categorie(solde: Q | None, partiel: Q | None) -> Case:
    """SQL: the row's category from what it owed at D0 (reste0, tranche0) and at D1."""
    cas = []
    if solde is not None:
        cas.append(When(solde, then=Value(SOLDE)))
    if partiel is not None:
        cas.append(When(partiel, then=Value(PARTIEL)))
    cas.append(When(tranche1__gt=F("tranche0"), then=Value(ROULE)))
    return Case(*cas, default=Value(RESTE), output_field=CharField())


def _lignes(qs, *, d0, d1, reste0, reste1, solde: Q | None, partiel: Q | None, limites) -> list[tuple]:
    argent = DecimalField(**MONEY)
    return list(
        qs.annotate(
            reste0=ExpressionWrapper(reste0, output_field=argent), reste1=ExpressionWrapper(reste1, output_field=argent),
            tranche0=_tranche_de(d0, limites), tranche1=_tranche_de(d1, limites),
        )
        .filter(reste0__gt=0)
        .annotate(categorie=_categorie(solde, partiel))
        .values_list("site_id", "tranche0", "categorie")
        .annotate(nb=Count("id"), montant=Sum("reste0"))
        .order_by()
    )


def roulement_lignes(
    *, fin_mois: datetime.date, exact_depuis: datetime.date | None = None, site_ids: list[int] | None = None,
    tranche: int | None = None, limites: tuple[int, ...] = TRANCHES,
) -> dict:
    """Return what became of the amount owed at the month-end `fin_mois` (D0) at the next
    month-end (D1): {fin_mois, fin_suivante, estime, lignes: [(site_id, tranche (index in
    `limites`' buckets), categorie, nb, montant)]}, montant the amount owed at D0.

    `estime` when D0 is before `exact_depuis` (historique_paiements_depuis() by default);
    `site_ids` narrows to those sites, `tranche` to the instalments in that bucket at D0
    (a range on date_echeance). Two queries (instalments owed today, settled ones).
    """
    d0, d1 = fin_mois, fin_mois_suivant(fin_mois)
    exact_depuis = exact_depuis or historique_paiements_depuis()
    estime = d0 < exact_depuis
    filtre = Q(periode__lte=d0)
    if site_ids is not None:
        filtre &= Q(site_id__in=site_ids)
    if tranche is not None:
        bornes = [None, *limites, None]
        if bornes[tranche] is not None:
            filtre &= Q(date_echeance__lt=d0 - datetime.timedelta(days=bornes[tranche]))
        if bornes[tranche + 1] is not None:
            filtre &= Q(date_echeance__gte=d0 - datetime.timedelta(days=bornes[tranche + 1]))
    impayes, soldes = Impaye.objects.filter(filtre), ImpayeSolde.objects.filter(filtre)
    commun = {"d0": d0, "d1": d1, "limites": limites}
    if estime:
        lignes = _lignes(impayes, reste0=F("montant"), reste1=F("montant"), solde=None, partiel=None, **commun)
        lignes += _lignes(
            soldes.filter(solde_le__gt=d0), reste0=F("montant_du"), reste1=F("montant_du"),
            solde=Q(solde_le__lte=d1), partiel=None, **commun,
        )
    else:
        exact = {
            "reste0": F("montant_du") - _paye_au(d0), "reste1": F("montant_du") - _paye_au(d1),
            "solde": Q(reste1__lte=0), "partiel": Q(reste1__lt=F("reste0")),
        }
        change_apres = ChangementPaiement.objects.filter(reference=OuterRef("reference"), jour__gt=d0)
        lignes = _lignes(impayes, **exact, **commun)
        # A settled instalment was owed at D0 only if its montant_paye changed since.
        lignes += _lignes(soldes.filter(Exists(change_apres)), **exact, **commun)
    return {"fin_mois": d0, "fin_suivante": d1, "estime": estime, "lignes": lignes}


def lignes_fusionner(lignes: list[tuple]) -> list[tuple]:
    """roulement_lignes' lines with one line per (site, bucket, category): its two queries
    (instalments owed today, settled ones) may each give one; counts and amounts added."""
    sommes: dict[tuple, list] = {}
    for site_id, tranche, categorie, nb, montant in lignes:
        somme = sommes.setdefault((site_id, tranche, categorie), [0, ZERO])
        somme[0] += nb
        somme[1] += montant
    return [(*cle, nb, montant) for cle, (nb, montant) in sommes.items()]


def roulements_ecrire(*, fins: list[datetime.date] | None = None) -> int:
    """Compute every site's figures of the month-ends `fins` (the 12 the page offers by
    default) with roulement_lignes and store them, one line per site, bucket and category (RoulementMois and its lines), each month
    replaced in one transaction; return the lines written. Two grouped queries a month."""
    exact_depuis = historique_paiements_depuis()
    ecrites = 0
    for fin in fins or fins_de_mois():
        resultat = roulement_lignes(fin_mois=fin, exact_depuis=exact_depuis)
        lignes = lignes_fusionner(resultat["lignes"])
        with transaction.atomic():
            RoulementMois.objects.filter(fin_mois=fin).delete()
            mois = RoulementMois.objects.create(
                fin_mois=fin, estime=resultat["estime"], exact_depuis=exact_depuis, calcule_le=timezone.now()
            )
            RoulementMoisLigne.objects.bulk_create(
                (RoulementMoisLigne(mois=mois, site_id=site_id, tranche=tranche, categorie=categorie, nb=nb, montant=montant)
                 for site_id, tranche, categorie, nb, montant in lignes),
                batch_size=5000,
            )
        ecrites += len(lignes)
    return ecrites


def roulements_lire(
    *, fins: list[datetime.date], exact_depuis: datetime.date | None = None, site_ids: list[int] | None = None,
    tranche: int | None = None,
) -> dict[datetime.date, dict]:
    """Return {fin_mois: roulement_lignes(…)} for the month-ends `fins`, each read from its
    stored figures (roulements_ecrire) when they were computed under the same history start,
    else computed live: the same figures either way. Two queries for the stored months."""
    exact_depuis = exact_depuis or historique_paiements_depuis()
    stockes = {
        m.fin_mois: m for m in RoulementMois.objects.filter(fin_mois__in=fins, exact_depuis=exact_depuis)
    }
    resultats = {
        fin: {"fin_mois": fin, "fin_suivante": fin_mois_suivant(fin), "estime": m.estime, "lignes": []}
        for fin, m in stockes.items()
    }
    if stockes:
        lignes = RoulementMoisLigne.objects.filter(mois__in=list(stockes.values()))
        if site_ids is not None:
            lignes = lignes.filter(site_id__in=site_ids)
        if tranche is not None:
            lignes = lignes.filter(tranche=tranche)
        for fin, *ligne in lignes.values_list("mois__fin_mois", "site_id", "tranche", "categorie", "nb", "montant"):
            resultats[fin]["lignes"].append(tuple(ligne))
    for fin in fins:
        if fin not in resultats:
            resultats[fin] = roulement_lignes(fin_mois=fin, exact_depuis=exact_depuis, site_ids=site_ids, tranche=tranche)
    return resultats


def matrice(lignes: list[tuple], *, limites: tuple[int, ...] = TRANCHES) -> list[dict]:
    """Fold rows of roulement_lignes into the matrix: one entry per bucket,
    [{nb, montant, categories: {categorie: {nb, montant, part (% of the bucket's amount)}}}]."""
    nb_tranches = len(limites) + 1
    sommes = [{c: [0, ZERO] for c in CATEGORIES} for _ in range(nb_tranches)]
    for _site_id, tranche, categorie, nb, montant in lignes:
        somme = sommes[tranche][categorie]
        somme[0] += nb
        somme[1] += montant
    resultat = []
    for par_categorie in sommes:
        montant = _euros(sum((m for _, m in par_categorie.values()), ZERO))
        resultat.append({
            "nb": sum(n for n, _ in par_categorie.values()),
            "montant": montant,
            "categories": {
                c: {"nb": n, "montant": _euros(m), "part": _part(m, montant)} for c, (n, m) in par_categorie.items()
            },
        })
    return resultat


def _part(partie: Decimal, total: Decimal) -> Decimal | None:
    """partie / total in % to 0.1, None when there is nothing to share."""
    if not total:
        return None
    return (partie * 100 / total).quantize(Decimal("0.1"))
