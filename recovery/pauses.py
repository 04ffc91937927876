"""Litigation (« contentieux ») and payment plans (« plan d'apurement »): which outstanding
debts are paused on a day. A pause covers the tenant's every instalment (no reference) or one;
it is in force from `debut` to `fin` included. Paused debts leave the follow-up ladder; the
analysis shows them apart; a rule may leave them out (escalations.Regle.compter_pauses), the
runbook's SQL always counts them."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from recovery.models import Impaye, Pause, TypePause


def _en_vigueur(jour: datetime.date):
    return Pause.objects.filter(locataire_id=OuterRef("locataire_id"), debut__lte=jour, fin__gte=jour)


def filtre_en_pause(*, jour: datetime.date, type_pause: str | None = None) -> Q:
    """The filter of the Impaye rows paused on `jour` (of that type when given)."""
    pauses = _en_vigueur(jour)
    if type_pause:
        pauses = pauses.filter(type_pause=type_pause)
    return Q(Exists(pauses.filter(impaye_reference=""))) | Q(Exists(pauses.filter(impaye_reference=OuterRef("reference"))))


def impayes_en_pause(*, jour: datetime.date, echeance_avant: datetime.date) -> dict[str, dict]:
    """Return {type de pause: {nb, montant}} of the outstanding debts due before
    `echeance_avant` and paused on `jour`; a debt under both a litigation and a plan counts as
    litigation. One query: the paused debts, summed by type of pause."""
    contentieux = filtre_en_pause(jour=jour, type_pause=TypePause.CONTENTIEUX)
    plan = filtre_en_pause(jour=jour, type_pause=TypePause.PLAN_APUREMENT) & ~contentieux
    sommes = (
        Impaye.objects.filter(date_echeance__lt=echeance_avant).filter(filtre_en_pause(jour=jour))
        .aggregate(nb_c=Count("id", filter=contentieux), montant_c=Sum("montant", filter=contentieux),
                   nb_p=Count("id", filter=plan), montant_p=Sum("montant", filter=plan))
    )
    return {
        type_pause.value: {"nb": sommes[f"nb_{suffixe}"],
                           "montant": (sommes[f"montant_{suffixe}"] or Decimal("0")).quantize(Decimal("0.01"))}
        for type_pause, suffixe in ((TypePause.CONTENTIEUX, "c"), (TypePause.PLAN_APUREMENT, "p"))
    }


def locataires_en_pause(*, jour: datetime.date) -> set[int]:
    """Return the ids of the tenants with a pause (of any of their debts) in force on `jour`."""
    return set(Pause.objects.filter(debut__lte=jour, fin__gte=jour).values_list("locataire_id", flat=True))
