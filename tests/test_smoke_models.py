"""What the schema itself guarantees, whatever writes to it."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.factories import ImpayeFactory, LocataireFactory, PositionFactory

pytestmark = pytest.mark.django_db


def test_impaye_montant_is_what_remains_due():
    impaye = ImpayeFactory(montant_du=Decimal("500.00"), montant_paye=Decimal("120.50"), retard=61)
    impaye.refresh_from_db()
    assert impaye.montant == Decimal("379.50")


@pytest.mark.parametrize(
    "fields, constraint",
    [
        ({"montant_du": Decimal("500.00"), "montant_paye": Decimal("500.00")}, "impaye_reste_du"),
        ({"montant_du": Decimal("-1.00")}, "impaye_montant_du_positif"),
    ],
)
def test_impayes_only_holds_debts_still_owed(fields, constraint):
    locataire = LocataireFactory()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        ImpayeFactory(locataire=locataire, **fields)


def test_position_latitude_out_of_range_is_refused_by_the_database():
    with pytest.raises(IntegrityError, match="position_latitude_range"), transaction.atomic():
        PositionFactory(latitude=999)
