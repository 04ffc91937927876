from decimal import Decimal

import pytest

from tests.factories import ImpayeFactory, PositionFactory

pytestmark = pytest.mark.django_db


def test_impaye_montant_is_what_remains_due():
    impaye = ImpayeFactory(montant_du=Decimal("500.00"), montant_paye=Decimal("120.50"), retard=61)
    impaye.refresh_from_db()
    assert impaye.montant == Decimal("379.50")
    assert impaye.site_id == impaye.locataire.site_id
    assert (impaye.date_echeance.__class__.__name__) == "date"
    PositionFactory()
