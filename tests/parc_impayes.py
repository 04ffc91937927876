"""A hand-written set of debts shared by the analysis and dashboard tests."""
from decimal import Decimal

import pytest

from tests.factories import ImpayeFactory, LocataireFactory, SiteFactory


@pytest.fixture
def parc():
    """Three sites, every debt's retard and amount written out:

    A (sensible)  a1: 61 j 1 000,00 ; 200 j 2 500,00 − 500,00 payés = 2 000,00
                  a2: 60 j 700,00 ; 10 j 300,00 ; −5 j (pas encore échu) 400,00
    B             b1: 95 j 10 000,01
                  b2: 31 j 6 000,00 ; 181 j 4 000,00  (total 10 000,00 exactement)
    C             c1: 30 j 800,00
    """
    a = SiteFactory(code="A", nom="Résidence A", sensible=True)
    b = SiteFactory(code="B", nom="Résidence B")
    c = SiteFactory(code="C", nom="Résidence C")
    a1, a2 = LocataireFactory(site=a, code="a1"), LocataireFactory(site=a, code="a2")
    b1 = LocataireFactory(site=b, code="b1", nom="<b>Bé</b>", telephone="06 12 34 56 78")
    b2 = LocataireFactory(site=b, code="b2")
    c1 = LocataireFactory(site=c, code="c1")
    ImpayeFactory(locataire=a1, retard=61, montant_du=Decimal("1000.00"))
    ImpayeFactory(locataire=a1, retard=200, montant_du=Decimal("2500.00"), montant_paye=Decimal("500.00"))
    ImpayeFactory(locataire=a2, retard=60, montant_du=Decimal("700.00"))
    ImpayeFactory(locataire=a2, retard=10, montant_du=Decimal("300.00"))
    ImpayeFactory(locataire=a2, retard=-5, montant_du=Decimal("400.00"))
    ImpayeFactory(locataire=b1, retard=95, montant_du=Decimal("10000.01"))
    ImpayeFactory(locataire=b2, retard=31, montant_du=Decimal("6000.00"))
    ImpayeFactory(locataire=b2, retard=181, montant_du=Decimal("4000.00"))
    ImpayeFactory(locataire=c1, retard=30, montant_du=Decimal("800.00"))
    return {"A": a, "B": b, "C": c, "b1": b1, "b2": b2}
