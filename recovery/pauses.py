"""Litigation (« contentieux ») and payment plans (« plan d'apurement »): which outstanding
debts are paused on a day. A pause covers the tenant's every instalment (no reference) or one;
it is in force from `debut` to `fin` included. Paused debts leave the follow-up ladder; the
analysis shows them apart; a rule may leave them out (escalations.Regle.compter_pauses), the
runbook's SQL always counts them."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Sum, Value, When

from recovery.models import Impaye, Pause, TypePause


def _en_vigueur(jour: datetime.date):
    return Pause.objects.filter(locataire_id=OuterRef("locataire_id"), debut__lte=jour, fin__gte=jour)


def filtre_en_pause(*, jour: datetime.date) -> Q:
    """The filter of the Impaye rows paused on `jour`."""
    pauses = _en_vigueur(jour)
    return Q(Exists(pauses.filter(impaye_reference=""))) | Q(Exists(pauses.filter(impaye_reference=OuterRef("reference"))))


def impayes_en_pause(*, jour: datetime.date, echeance_avant: datetime.date) -> dict[str, dict]:
    """Return {type de pause: {nb, montant}} of the outstanding debts due before
    `echeance_avant` and paused on `jour`; a debt under both a litigation and a plan counts as
    litigation. One query: each debt's pause in force (litigation first), summed by type; only
    the debts of tenants with a pause in force look theirs up (a semi-join on the few pauses,
    not a lookup for each of the thousands of debts)."""
    pause = (
        _en_vigueur(jour).filter(Q(impaye_reference="") | Q(impaye_reference=OuterRef("reference")))
        .order_by(Case(When(type_pause=TypePause.CONTENTIEUX, then=Value(0)), default=Value(1)))
        .values("type_pause")[:1]
    )
    en_pause = Pause.objects.filter(debut__lte=jour, fin__gte=jour).values("locataire_id")
    sommes = {
        type_pause: {"nb": nb, "montant": montant.quantize(Decimal("0.01"))}
        for type_pause, nb, montant in Impaye.objects.filter(date_echeance__lt=echeance_avant, locataire_id__in=en_pause)
        .annotate(pause=Subquery(pause)).filter(pause__isnull=False)
        .values_list("pause").annotate(Count("id"), Sum("montant")).order_by()
    }
    aucun = {"nb": 0, "montant": Decimal("0.00")}
    return {type_pause.value: sommes.get(type_pause.value, aucun)
            for type_pause in (TypePause.CONTENTIEUX, TypePause.PLAN_APUREMENT)}


def locataires_en_pause(*, jour: datetime.date) -> set[int]:
    """Return the ids of the tenants with a pause (of any of their debts) in force on `jour`."""
    return set(Pause.objects.filter(debut__lte=jour, fin__gte=jour).values_list("locataire_id", flat=True))
