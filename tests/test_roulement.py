"""Roll and cure rates: the import's history of montant_paye and the matrix, computed by hand."""
import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from akig_ops.lib.csv_import import importer_fichier
from recovery.importers import ImpayesImporteur
from recovery.models import ChangementPaiement, Impaye, ImpayeSolde
from recovery.roulement import PARTIEL, RESTE, ROULE, SOLDE, fins_de_mois, matrice, roulement_lignes
from tests.factories import LocataireFactory, SiteFactory

pytestmark = pytest.mark.django_db

J = datetime.date
PARIS = ZoneInfo("Europe/Paris")
ENTETE = "reference,locataire_code,periode,montant_du,montant_paye,date_echeance\n"
# The history is exact from the first import below.
EXACT_DEPUIS = J(2026, 1, 20)


def importer_le(jour: datetime.date, dossier, payes: dict[str, str]) -> None:
    """Import impayes.csv on `jour` (10:00, Paris) with the three instalments of `parc`,
    A/B/C paid as `payes` says."""
    lignes = {
        "A": "A,L1,2026-01,600.00,{},2026-01-05",
        "B": "B,L1,2025-12,400.00,{},2025-12-20",
        "C": "C,L1,2025-12,300.00,{},2025-12-20",
    }
    chemin = dossier / f"impayes-{jour}.csv"
    chemin.write_text(ENTETE + "".join(lignes[ref].format(payes[ref]) + "\n" for ref in lignes), encoding="utf-8")
    with time_machine.travel(datetime.datetime.combine(jour, datetime.time(10), tzinfo=PARIS), tick=False):
        rapport = importer_fichier(ImpayesImporteur(), chemin, skip_invalid=False)
    assert rapport.applique, rapport.erreurs


@pytest.fixture
def parc(tmp_path):
    """Site S1, tenant L1, three instalments imported four times:
    A 600,00 due 05/01/2026, never paid;
    B 400,00 due 20/12/2025: 150,00 paid on the 01/02 import, 200,00 (50 more) on the 10/03 one;
    C 300,00 due 20/12/2025: paid in full on the 28/02 import (a month-end itself).
    """
    site = SiteFactory(code="S1")
    LocataireFactory(code="L1", site=site)
    importer_le(J(2026, 1, 20), tmp_path, {"A": "0", "B": "0", "C": "0"})
    importer_le(J(2026, 2, 1), tmp_path, {"A": "0", "B": "150.00", "C": "0"})
    importer_le(J(2026, 2, 28), tmp_path, {"A": "0", "B": "150.00", "C": "300.00"})
    importer_le(J(2026, 3, 10), tmp_path, {"A": "0", "B": "200.00", "C": "300.00"})
    return site


def test_import_records_only_real_changes_of_montant_paye(parc):
    # Given the four imports: B changed twice, C once (and moved to impayes_soldes), A never.
    changements = list(ChangementPaiement.objects.values_list("reference", "jour", "montant_paye_avant", "montant_paye"))
    assert changements == [
        ("B", J(2026, 2, 1), Decimal("0.00"), Decimal("150.00")),
        ("C", J(2026, 2, 28), Decimal("0.00"), Decimal("300.00")),
        ("B", J(2026, 3, 10), Decimal("150.00"), Decimal("200.00")),
    ]
    assert ImpayeSolde.objects.get().reference == "C"
    assert set(Impaye.objects.values_list("reference", flat=True)) == {"A", "B"}


def test_import_of_a_settled_instalment_paid_back_records_it(parc, tmp_path):
    # When C's payment is reversed (back from impayes_soldes), the change is recorded too.
    importer_le(J(2026, 3, 12), tmp_path, {"A": "0", "B": "200.00", "C": "100.00"})
    assert ChangementPaiement.objects.filter(reference="C").values_list("jour", "montant_paye_avant", "montant_paye")[
        1
    ] == (J(2026, 3, 12), Decimal("300.00"), Decimal("100.00"))


def categories(bucket: dict) -> dict:
    return {c: (v["nb"], v["montant"], v["part"]) for c, v in bucket["categories"].items()}


def test_matrix_of_january_rolled_partly_paid_cured(parc):
    # D0 = 31/01/2026, D1 = 28/02/2026 (exact: after the history began).
    # A: retard 26 (0–30 j) → 54 (31–60 j), nothing paid: rolled, 600,00.
    # B: retard 42 (31–60 j), 400,00 owed → 250,00 at D1: partly paid, 400,00.
    # C: retard 42 (31–60 j), 300,00 owed → paid on the 28/02 itself: cured, 300,00.
    resultat = roulement_lignes(fin_mois=J(2026, 1, 31), exact_depuis=EXACT_DEPUIS)
    assert resultat["estime"] is False
    assert resultat["fin_suivante"] == J(2026, 2, 28)
    m = matrice(resultat["lignes"])
    assert (m[0]["nb"], m[0]["montant"]) == (1, Decimal("600.00"))
    assert categories(m[0]) == {
        ROULE: (1, Decimal("600.00"), Decimal("100.0")), RESTE: (0, Decimal("0.00"), Decimal("0.0")),
        PARTIEL: (0, Decimal("0.00"), Decimal("0.0")), SOLDE: (0, Decimal("0.00"), Decimal("0.0")),
    }
    assert (m[1]["nb"], m[1]["montant"]) == (2, Decimal("700.00"))
    # 400 / 700 = 57,14 % ; 300 / 700 = 42,86 %.
    assert categories(m[1]) == {
        ROULE: (0, Decimal("0.00"), Decimal("0.0")), RESTE: (0, Decimal("0.00"), Decimal("0.0")),
        PARTIEL: (1, Decimal("400.00"), Decimal("57.1")), SOLDE: (1, Decimal("300.00"), Decimal("42.9")),
    }
    assert [b["nb"] for b in m[2:]] == [0, 0, 0]
    assert m[2]["categories"][ROULE]["part"] is None


def test_matrix_of_february_second_month_end(parc):
    # D0 = 28/02/2026, D1 = 31/03/2026. C is settled at D0 (paid on the 28/02): absent.
    # A: retard 54 (31–60 j) → 85 (61–90 j): rolled, 600,00.
    # B: retard 70 (61–90 j), 250,00 owed → 200,00 (50 paid on the 10/03): partly paid, 250,00.
    m = matrice(roulement_lignes(fin_mois=J(2026, 2, 28), exact_depuis=EXACT_DEPUIS)["lignes"])
    assert m[0]["nb"] == 0
    assert categories(m[1])[ROULE] == (1, Decimal("600.00"), Decimal("100.0"))
    assert (m[2]["nb"], m[2]["montant"]) == (1, Decimal("250.00"))
    assert categories(m[2])[PARTIEL] == (1, Decimal("250.00"), Decimal("100.0"))


def test_month_before_the_history_is_estimated_from_current_amounts(parc):
    # D0 = 31/12/2025 < 20/01/2026: estimated. A's period (01/01) starts after D0: absent.
    # B owes 200,00 today: taken as owing it at both ends, retard 11 → 42: rolled 200,00.
    # C was recorded settled on 28/02 (after D1 = 31/01): owed 300,00 in full, rolled.
    resultat = roulement_lignes(fin_mois=J(2025, 12, 31), exact_depuis=EXACT_DEPUIS)
    assert resultat["estime"] is True
    m = matrice(resultat["lignes"])
    assert (m[0]["nb"], m[0]["montant"]) == (2, Decimal("500.00"))
    assert categories(m[0])[ROULE] == (2, Decimal("500.00"), Decimal("100.0"))


def test_estimate_cures_at_the_recorded_settlement_day(parc):
    # D0 = 31/01/2026 taken as estimated (history said to begin on 01/03): C, recorded settled
    # on 28/02 = D1, is cured; B owes 200,00 today, taken as owed at both ends: retard
    # 42 (31–60 j) → 70 (61–90 j), rolled. 300 / 500 = 60 %, 200 / 500 = 40 %.
    m = matrice(roulement_lignes(fin_mois=J(2026, 1, 31), exact_depuis=J(2026, 3, 1))["lignes"])
    assert categories(m[1])[SOLDE] == (1, Decimal("300.00"), Decimal("60.0"))
    assert categories(m[1])[ROULE] == (1, Decimal("200.00"), Decimal("40.0"))
    assert categories(m[1])[PARTIEL][0] == 0


def test_bucket_filter_reads_only_that_bucket(parc):
    lignes = roulement_lignes(fin_mois=J(2026, 1, 31), exact_depuis=EXACT_DEPUIS, tranche=1)["lignes"]
    m = matrice(lignes)
    assert m[0]["nb"] == 0 and m[1]["montant"] == Decimal("700.00")


def test_month_ends_are_the_twelve_whose_next_month_end_has_passed():
    fins = fins_de_mois(aujourdhui=J(2026, 4, 5))
    assert fins[0] == J(2025, 3, 31) and fins[-1] == J(2026, 2, 28) and len(fins) == 12
    # On a month-end itself that month is not over: its end is not taken as D1 yet.
    assert fins_de_mois(mois=1, aujourdhui=J(2026, 3, 31)) == [J(2026, 1, 31)]


def test_a_month_is_exact_from_the_history_start_day_itself(parc):
    # D0 = 31/01/2026: exact when the history began that day, estimated when it began the next.
    assert roulement_lignes(fin_mois=J(2026, 1, 31), exact_depuis=J(2026, 1, 31))["estime"] is False
    assert roulement_lignes(fin_mois=J(2026, 1, 31), exact_depuis=J(2026, 2, 1))["estime"] is True


def test_bucket_limits_at_the_month_end(tmp_path):
    # At D0 = 31/01/2026: due 01/01 is 30 days late (0–30 j), due 31/12/2025 is 31 (31–60 j).
    site = SiteFactory(code="S9")
    LocataireFactory(code="L9", site=site)
    chemin = tmp_path / "impayes.csv"
    chemin.write_text(ENTETE + "T30,L9,2026-01,100.00,0,2026-01-01\nT31,L9,2025-12,200.00,0,2025-12-31\n", encoding="utf-8")
    with time_machine.travel(datetime.datetime(2026, 1, 20, 10, tzinfo=PARIS), tick=False):
        assert importer_fichier(ImpayesImporteur(), chemin, skip_invalid=False).applique
    m = matrice(roulement_lignes(fin_mois=J(2026, 1, 31), exact_depuis=EXACT_DEPUIS)["lignes"])
    assert (m[0]["montant"], m[1]["montant"]) == (Decimal("100.00"), Decimal("200.00"))
    # A month later: 58 days (31–60 j, rolled) and 59 days (31–60 j, stayed).
    assert categories(m[0])[ROULE][1] == Decimal("100.00")
    assert categories(m[1])[RESTE][1] == Decimal("200.00")
