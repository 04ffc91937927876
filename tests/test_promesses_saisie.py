"""A promise's amount and date through actions.csv and the field API: accepted with a decimal
point or comma, optional columns, bad values refused in French naming the column."""
import datetime
from decimal import Decimal

import pytest

from agents.api import api
from agents.services import jeton_creer
from recovery.models import RecouvrementAction
from tests.factories import AgentFactory, ImpayeFactory, LocataireFactory
from tests.test_api_terrain import HIER, a, action, envoyer
from tests.test_import_csv import FILES, run_import, write

pytestmark = pytest.mark.django_db

ENTETE = FILES["actions.csv"][0]
A1 = FILES["actions.csv"][1]


def promesses_stockees():
    """({reference: amount promised}, {reference: date promised}) as stored."""
    lignes = RecouvrementAction.objects.values_list("reference", "promesse_montant", "promesse_date")
    return {r: m for r, m, _ in lignes}, {r: d for r, _, d in lignes}


@pytest.fixture
def exports(tmp_path):
    for name, lines in FILES.items():
        write(tmp_path, name, lines)
    return tmp_path


def test_import_promise_columns_point_comma_and_empty(exports):
    write(exports, "actions.csv", [
        f"{ENTETE},promesse_montant,promesse_date",
        f"{A1},,",
        "P1,AG1,L1,I1,promesse,realisee,,0,2026-11-20T09:40:00,48.85,2.35,300.50,2026-11-30",
        'P2,AG1,L2,,promesse,realisee,,0,2026-11-20T09:50:00,,,"1 234,56",2026-11-20',
        "P3,AG1,L2,,promesse,realisee,,0,2026-11-20T10:00:00,,,,",
    ])

    _, err, error = run_import(exports)

    assert error is None, err
    montants, dates = promesses_stockees()
    assert montants == {"A1": None, "P1": Decimal("300.50"), "P2": Decimal("1234.56"), "P3": None}
    assert dates == {"A1": None, "P1": datetime.date(2026, 11, 30), "P2": datetime.date(2026, 11, 20), "P3": None}


def test_import_without_the_promise_columns_still_imports_and_keeps_stored_promises(exports):
    write(exports, "actions.csv", [
        f"{ENTETE},promesse_montant,promesse_date",
        "P1,AG1,L1,I1,promesse,realisee,,0,2026-11-20T09:40:00,48.85,2.35,300.50,2026-11-30",
    ])
    assert run_import(exports)[2] is None
    write(exports, "actions.csv", [ENTETE, "P1,AG1,L1,I1,promesse,RDV pris,,0,2026-11-20T09:40:00,48.85,2.35"])

    _, err, error = run_import(exports)

    assert error is None, err
    p1 = RecouvrementAction.objects.get(reference="P1")
    assert (p1.statut, p1.promesse_montant, p1.promesse_date) == ("RDV pris", Decimal("300.50"), datetime.date(2026, 11, 30))


@pytest.mark.parametrize("fin, attendu", [
    ("douze,2026-11-30", "colonne « promesse_montant » : montant non numérique « douze »"),
    ("-5,2026-11-30", "colonne « promesse_montant » : montant négatif « -5 »"),
    ("0,2026-11-30", "colonne « promesse_montant » : montant promis nul : il doit être positif"),
    ("12.345,2026-11-30", "colonne « promesse_montant » : montant « 12.345 » : plus de 2 décimales"),
    ("100,30/11/2026", "colonne « promesse_date » : date invalide « 30/11/2026 » (attendu AAAA-MM-JJ)"),
    ("100,2026-11-19", "colonne « promesse_date » : date promise 19/11/2026 antérieure à l'action"),
])
def test_import_bad_promise_values_reject_the_file_naming_the_column(exports, fin, attendu):
    write(exports, "actions.csv", [
        f"{ENTETE},promesse_montant,promesse_date",
        f"P1,AG1,L1,I1,promesse,realisee,,0,2026-11-20T09:40:00,48.85,2.35,{fin}",
    ])

    out, err, error = run_import(exports)

    assert error is not None
    assert err.splitlines()[0] == f"actions.csv, ligne 2, {attendu}"
    assert not RecouvrementAction.objects.exists()


def test_import_promise_amount_on_a_payment_is_refused(exports):
    write(exports, "actions.csv", [
        f"{ENTETE},promesse_montant,promesse_date",
        f"{A1},150.00,",
    ])
    _, err, error = run_import(exports)
    assert err.splitlines()[0] == ("actions.csv, ligne 2, colonne « promesse_montant » : "
                                   "réservé aux actions de type promesse (ici « paiement »)")


# --- Field API


@pytest.fixture
def jeton():
    agent = AgentFactory(code="AG1")
    locataire = LocataireFactory(code="L1")
    LocataireFactory(code="L2")
    ImpayeFactory(reference="I1", locataire=locataire)
    return jeton_creer(agent_id=agent.id)


def test_api_promise_fields_stored_as_sent_point_or_comma(client, jeton):
    pour = f"{HIER + datetime.timedelta(days=5):%Y-%m-%d}"
    lot = {"actions": [
        action("P1", type_action="promesse", montant_recouvre=0, promesse_montant="250,50", promesse_date=pour),
        action("P2", type_action="promesse", montant_recouvre=0, promesse_montant=99.9, promesse_date=pour),
        action("P3", type_action="promesse", montant_recouvre=0),
    ]}

    reponse = envoyer(client, "actions", lot, jeton)

    assert reponse.status_code == 200, reponse.json()
    montants, dates = promesses_stockees()
    assert montants == {"P1": Decimal("250.50"), "P2": Decimal("99.90"), "P3": None}
    assert dates["P1"] == HIER + datetime.timedelta(days=5) and dates["P3"] is None


def test_api_bad_promise_fields_refused_naming_item_and_field(client, jeton):
    lot = {"actions": [
        action("P1", type_action="promesse", promesse_montant="beaucoup"),
        action("P2", type_action="promesse", promesse_date="demain"),
        action("P3", promesse_montant="10.00"),
    ]}

    reponse = envoyer(client, "actions", lot, jeton)

    assert reponse.status_code == 400
    assert reponse.json()["erreurs"] == [
        {"index": 0, "champ": "promesse_montant", "motif": "montant non numérique « beaucoup »"},
        {"index": 1, "champ": "promesse_date", "motif": "date invalide « demain » (attendu AAAA-MM-JJ)"},
        {"index": 2, "champ": "promesse_montant", "motif": "réservé aux actions de type promesse (ici « paiement »)"},
    ]
    assert not RecouvrementAction.objects.exists()


def test_openapi_documents_the_promise_fields():
    schema = api.get_openapi_schema()
    proprietes = schema["components"]["schemas"]["Action"]["properties"]
    assert proprietes["promesse_montant"]["title"] == "Montant promis"
    assert "AAAA-MM-JJ" in proprietes["promesse_date"]["description"]
