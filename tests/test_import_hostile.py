"""import_csv against hostile files, and the statut of an action as the field system's own word."""
import datetime
from decimal import Decimal

import pytest

from agents.models import AgentGeolocalisation, PerformanceHistorique
from recovery.models import RecouvrementAction, statut_cle
from tests.test_import_csv import FILES, run_import, write

pytestmark = pytest.mark.django_db

ACTIONS_ENTETE = FILES["actions.csv"][0]


@pytest.fixture
def exports(tmp_path):
    for name, lines in FILES.items():
        write(tmp_path, name, lines)
    return tmp_path


def test_import_statuts_of_the_field_system_are_stored_as_sent(exports, settings):
    # Given the field system's own words; "Reporté" is in AKIG_STATUTS_NON_REALISES.
    write(exports, "actions.csv", [
        ACTIONS_ENTETE,
        "A1,AG1,L1,I1,paiement,fait,,150.00,2026-11-20T09:30:00,48.85,2.35",
        "A2,AG1,L1,,visite,  RDV pris ,,0,2026-11-20T10:00:00,48.85,2.35",
        "A3,AG1,L1,I1,promesse,payé en partie,,0,2026-11-20T10:30:00,48.85,2.35",
        "A4,AG1,L1,,refus,Reporté,,0,2026-11-20T11:00:00,48.85,2.35",
        "A5,AG1,L1,,visite," + "x" * 80 + ",,0,2026-11-20T11:30:00,48.85,2.35",
    ])

    out, err, error = run_import(exports)

    assert error is None, err
    statuts = dict(RecouvrementAction.objects.values_list("reference", "statut"))
    assert statuts == {"A1": "fait", "A2": "RDV pris", "A3": "payé en partie", "A4": "Reporté", "A5": "x" * 64}
    assert RecouvrementAction.objects.get(reference="A4").statut_cle == "reporte"
    # The day's score counts A1, A2, A3, A5 (A4 "Reporté" did not happen):
    # visites 4 (paiement, visite, promesse, visite), promesses 1, paiements 1, refus 0
    # → 4 × 4/8 + 6 × (2 + 2)/(2 + 4) = 2 + 4 = 6.00.
    row = PerformanceHistorique.objects.get(date_stat=datetime.date(2026, 11, 20))
    assert (row.visites, row.promesses, row.paiements, row.refus, row.score) == (4, 1, 1, 0, Decimal("6.00"))


def test_statut_cle_ignores_accents_case_and_spaces():
    assert statut_cle("  Annulée ") == "annulee"
    assert statut_cle("RÉPORTÉ") == "reporte"
    assert statut_cle("à  faire") == "a faire"


def _contenu_rejete(exports, name, lines, newline="\n"):
    (exports / name).write_text(newline.join(lines) + "\n", encoding="utf-8")
    out, err, error = run_import(exports)
    assert error is not None
    assert f"{name} : REJETÉ" in out
    return err.splitlines()


def test_import_nul_byte_is_a_french_error_naming_line_and_column(exports):
    lines = _contenu_rejete(exports, "positions.csv", [
        *FILES["positions.csv"], "AG1,2026-11-20T09:01:00,48.85\x00,2.35,5",
    ])

    assert lines[0] == "positions.csv, ligne 4, colonne « latitude » : caractère NUL (octet 0) interdit"
    assert AgentGeolocalisation.objects.count() == 0


def test_import_5_mb_cell_is_a_french_error_naming_line_and_column(exports):
    lines = _contenu_rejete(exports, "actions.csv", [
        ACTIONS_ENTETE,
        "A1,AG1,L1,I1,paiement,fait," + "a" * 5_000_000 + ",150.00,2026-11-20T09:30:00,48.85,2.35",
    ])

    # 5 000 000 characters, narrow no-break spaces between thousands.
    assert lines[0] == (
        "actions.csv, ligne 2, colonne « resultat » : "
        "cellule trop longue (5\u202f000\u202f000 caractères, 10\u202f000 au plus)"
    )
    assert RecouvrementAction.objects.count() == 0


def test_import_header_naming_a_column_twice_is_rejected(exports):
    lines = _contenu_rejete(exports, "positions.csv", [
        "agent_code,timestamp,latitude,longitude,latitude,precision_m",
        "AG1,2026-11-20T09:00:00,48.85,2.35,48.86,5",
    ])

    assert lines[0] == "positions.csv, ligne 1, colonne « latitude » : colonne présente deux fois dans l'en-tête"
    assert AgentGeolocalisation.objects.count() == 0


def test_import_row_with_more_cells_than_the_header_is_rejected(exports):
    lines = _contenu_rejete(exports, "positions.csv", [
        *FILES["positions.csv"], "AG1,2026-11-20T09:01:00,48.85,2.35,5,surplus",
    ])

    # The header has 5 columns; the 6th cell has none.
    assert lines[0] == (
        "positions.csv, ligne 4, colonne « n° 6 (hors en-tête) » : 6 cellules pour 5 colonnes dans l'en-tête"
    )
    assert AgentGeolocalisation.objects.count() == 0


def test_import_cell_beyond_the_csv_module_limit_is_a_french_error(exports):
    import csv

    # A smaller limit stands in for a cell of more than 64 MiB.
    ancien = csv.field_size_limit(1000)
    try:
        lines = _contenu_rejete(exports, "positions.csv", [
            *FILES["positions.csv"], "AG1,2026-11-20T09:01:00," + "9" * 2000 + ",2.35,5",
        ])
    finally:
        csv.field_size_limit(ancien)

    assert lines[0].startswith("positions.csv, ligne 4 : ligne illisible (")
    assert AgentGeolocalisation.objects.count() == 0
