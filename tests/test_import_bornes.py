"""import_csv and the bounds of akig_ops/lib/valeurs.py: year 1, 9999, overflowing amounts, codes
with line breaks or escape sequences are French errors naming line and column; a run is committed
whole or not at all; a row an older version left out of bounds does not stop a later import."""
import datetime
from decimal import Decimal

import pytest
from django.db import DataError, connection

from agents.models import Mission, PerformanceHistorique
from recovery.models import Impaye, RecouvrementAction
from tests.test_import_csv import FILES, exports, run_import, write  # noqa: F401  (exports: the fixture)

pytestmark = pytest.mark.django_db

ACTIONS_ENTETE = FILES["actions.csv"][0]
MISSIONS_ENTETE = FILES["missions.csv"][0]


def _action(ref="A9", *, montant="10.00", date="2026-11-20T11:00:00", statut="fait"):
    return f"{ref},AG1,L1,,visite,{statut},,{montant},{date},,"


@pytest.mark.parametrize("ligne, colonne, motif", [
    (_action(date="0001-01-01T00:00:00"), "date_action",
     "date-heure « 0001-01-01T00:00:00 » hors des bornes (du 01/01/2000 au "),
    (_action(date="1999-12-31T23:59:59Z"), "date_action", "date-heure « 1999-12-31T23:59:59Z » hors des bornes"),
    (_action(date="9999-12-31T23:59:59"), "date_action", "horodatage dans le futur « 9999-12-31T23:59:59 »"),
    (_action(montant="9999999999.99"), "montant_recouvre",
     "montant « 9999999999.99 » au-dessus du plafond (1\u202f000\u202f000,00\u00a0€)"),
    (_action(montant='"9 999 999 999,99"'), "montant_recouvre", "montant « 9 999 999 999,99 » au-dessus du plafond"),
    (_action(montant="1000000.01"), "montant_recouvre", "montant « 1000000.01 » au-dessus du plafond"),
    (_action(ref='"A\nB"'), "reference", "retour à la ligne interdit (une seule ligne)"),
    (_action(ref="A\x1b[31m"), "reference", "caractère de contrôle U+001B interdit"),
    (_action(statut="fait\x1b[2J"), "statut", "caractère de contrôle U+001B interdit"),
])
def test_action_out_of_bounds_is_a_french_error_and_nothing_is_stored(exports, ligne, colonne, motif):
    write(exports, "actions.csv", [ACTIONS_ENTETE, FILES["actions.csv"][1], ligne])

    out, err, error = run_import(exports)

    assert error is not None and "actions.csv : REJETÉ" in out
    premiere = err.splitlines()[0]
    assert premiere.startswith(f"actions.csv, ligne 3, colonne « {colonne} » : {motif}"), premiere
    assert not RecouvrementAction.objects.exists()


def test_action_at_the_ceiling_and_at_2000_is_imported_and_scored(exports):
    write(exports, "actions.csv", [
        ACTIONS_ENTETE,
        "A1,AG1,L1,,paiement,fait,,1000000.00,2026-11-20T09:30:00,,",
        "A2,AG1,L1,,paiement,fait,,1000000.00,2026-11-20T10:30:00,,",
        "A3,AG1,L1,,visite,fait,,0,2000-01-01T01:00:00,,",
    ])

    out, err, error = run_import(exports)

    assert error is None, err
    # Two actions at the ceiling on one day: 2 000 000,00 € in the day's row.
    jour = PerformanceHistorique.objects.get(date_stat=datetime.date(2026, 11, 20))
    assert jour.montant_recouvre == Decimal("2000000.00")
    assert PerformanceHistorique.objects.filter(date_stat=datetime.date(2000, 1, 1)).count() == 1


@pytest.mark.parametrize("date_prevue", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_mission_out_of_bounds_is_refused_before_anything_is_committed(exports, date_prevue):
    write(exports, "missions.csv", [MISSIONS_ENTETE, f"M9,AG1,S1,{date_prevue},09:00,10:00,planifiee"])

    out, err, error = run_import(exports)

    assert error is not None
    assert err.splitlines()[0].startswith(
        f"missions.csv, ligne 2, colonne « date_prevue » : date « {date_prevue} » hors des bornes (du 01/01/2000 au ")
    assert not Mission.objects.exists()
    # A later import of good files goes through.
    write(exports, "missions.csv", FILES["missions.csv"])
    assert run_import(exports)[2] is None
    assert Mission.objects.count() == 2


def test_debt_due_date_and_amount_out_of_bounds_are_refused(exports):
    write(exports, "impayes.csv", [
        FILES["impayes.csv"][0],
        "I1,L1,0001-01,800.00,0,2026-08-05",
        "I2,L1,2026-09,10000000000,0,2026-09-05",
        "I3,L2,2026-09,800.00,0,9999-12-31",
    ])

    out, err, error = run_import(exports)

    lignes = err.splitlines()
    assert lignes[:3] == [
        "impayes.csv, ligne 2, colonne « periode » : " + lignes[0].split(" : ", 1)[1],
        "impayes.csv, ligne 3, colonne « montant_du » : montant « 10000000000 » au-dessus du plafond "
        "(1\u202f000\u202f000,00\u00a0€)",
        "impayes.csv, ligne 4, colonne « date_echeance » : " + lignes[2].split(" : ", 1)[1],
    ]
    assert "hors des bornes" in lignes[0] and "hors des bornes" in lignes[2]
    assert not Impaye.objects.exists()


def test_scores_failing_after_the_files_rolls_the_whole_run_back(exports, monkeypatch):
    def echoue(**kwargs):
        raise DataError("numeric field overflow")

    monkeypatch.setattr("donnees.management.commands.import_csv.performance_compute", echoue)

    out, err, error = run_import(exports)

    assert str(error).startswith("Import annulé, rien n'a été enregistré : le recalcul des scores du 20/11/2026")
    assert not RecouvrementAction.objects.exists() and not Mission.objects.exists()


def test_a_70_mb_cell_is_reported_in_french(exports):
    # 70 MB is past the csv module's 64 MiB limit: the line cannot be split into cells.
    with (exports / "actions.csv").open("w", encoding="utf-8") as f:
        f.write(ACTIONS_ENTETE + "\n" + FILES["actions.csv"][1] + "\n")
        f.write('A3,AG1,L1,,visite,fait,"')
        for _ in range(70):
            f.write("a" * 1_000_000)
        f.write('",0,2026-11-20T11:00:00,,\n')

    out, err, error = run_import(exports)

    assert error is not None
    assert err.splitlines()[0] == (
        "actions.csv, ligne 3 : ligne illisible (une cellule dépasse 67\u202f108\u202f864 caractères)"
    )
    assert not RecouvrementAction.objects.exists()


def test_reimporting_a_reference_stored_out_of_bounds_with_a_right_date_works(exports):
    # Given an action an older version stored on 1 January of year 1 (raw SQL: no check now lets it in).
    assert run_import(exports)[2] is None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE recouvrement_actions SET date_action = %s WHERE reference = 'A1'",
                       ["0001-01-01 00:00:00+00:00" if connection.vendor == "postgresql" else "0001-01-01 00:00:00"])

    # When the same reference comes again with its right date.
    out, err, error = run_import(exports)

    assert error is None, err
    assert RecouvrementAction.objects.get(reference="A1").date_action == datetime.datetime(
        2026, 11, 20, 8, 30, tzinfo=datetime.UTC)
    assert "actions.csv : importé — 0 créé, 1 modifié" in out
