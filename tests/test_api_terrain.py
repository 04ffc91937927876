"""The field API: tokens, positions and actions batches, every bad case, resending, another agent."""
import datetime
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agents.models import AgentGeolocalisation, JetonTerrain, PerformanceHistorique
from agents.services import jeton_creer
from recovery.models import RecouvrementAction
from tests.factories import AgentFactory, ImpayeFactory, LocataireFactory

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
HIER = timezone.localdate() - datetime.timedelta(days=1)


def a(heure, minute=0, seconde=0):
    return datetime.datetime.combine(HIER, datetime.time(heure, minute, seconde), tzinfo=PARIS).isoformat()


@pytest.fixture
def agent():
    return AgentFactory(code="AG1")


@pytest.fixture
def jeton(agent):
    return jeton_creer(agent_id=agent.id)


def envoyer(client, chemin, corps, jeton, **extra):
    donnees = corps if isinstance(corps, (str, bytes)) else json.dumps(corps)
    return client.post(f"/api/terrain/{chemin}", donnees, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {jeton}", **extra)


def positions(n, *, depuis=(9, 0)):
    """n positions 30 s apart from `depuis`, 10 m north of each other."""
    debut = datetime.datetime.combine(HIER, datetime.time(*depuis), tzinfo=PARIS)
    return [
        {"timestamp": (debut + datetime.timedelta(seconds=30 * k)).isoformat(),
         "latitude": 48.85 + k * 0.0001, "longitude": 2.35, "precision_m": 6.5}
        for k in range(n)
    ]


def test_positions_stored_then_resent_batch_stores_nothing_twice(client, agent, jeton):
    premiere = envoyer(client, "positions", {"positions": positions(3)}, jeton)
    # The same 3 again plus 2 new ones (k = 3, 4).
    seconde = envoyer(client, "positions", {"positions": positions(5)}, jeton)

    lot = positions(5)
    assert (premiere.status_code, premiere.json()) == (200, {"recues": 3, "creees": 3, "doublons": 0, "elements": [
        {"index": k, "cle": lot[k]["timestamp"], "etat": "enregistre"} for k in range(3)]})
    assert (seconde.status_code, seconde.json()) == (200, {"recues": 5, "creees": 2, "doublons": 3, "elements": [
        {"index": k, "cle": lot[k]["timestamp"], "etat": "deja_enregistre" if k < 3 else "enregistre"}
        for k in range(5)]})
    assert AgentGeolocalisation.objects.filter(agent=agent).count() == 5
    premier = AgentGeolocalisation.objects.filter(agent=agent).order_by("timestamp").first()
    assert (premier.latitude, premier.longitude, premier.precision_m) == (48.85, 2.35, 6.5)
    assert premier.timestamp == datetime.datetime.combine(HIER, datetime.time(9), tzinfo=PARIS)


def test_positions_bad_items_give_400_with_a_french_error_each_and_store_nothing(client, agent, jeton):
    lot = positions(4)
    lot[1]["latitude"] = 999
    lot[2]["timestamp"] = "2099-01-01T10:00:00"
    lot[3]["longitude"] = "est"
    del lot[0]["timestamp"]

    reponse = envoyer(client, "positions", {"positions": lot}, jeton)

    assert reponse.status_code == 400
    assert reponse.json()["erreurs"] == [
        {"index": 0, "champ": "timestamp", "motif": "champ obligatoire manquant"},
        {"index": 1, "champ": "latitude", "motif": "valeur supérieure au maximum 90"},
        {"index": 3, "champ": "longitude", "motif": "nombre attendu"},
    ]
    assert not AgentGeolocalisation.objects.exists()


def test_positions_future_timestamp_is_refused_by_the_import_s_own_check(client, agent, jeton):
    lot = positions(2)
    lot[1]["timestamp"] = "2099-01-01T10:00:00"

    reponse = envoyer(client, "positions", {"positions": lot}, jeton)

    assert reponse.status_code == 400
    assert reponse.json()["erreurs"] == [
        {"index": 1, "champ": "timestamp", "motif": "horodatage dans le futur « 2099-01-01T10:00:00 »"},
    ]
    assert not AgentGeolocalisation.objects.exists()


@pytest.mark.parametrize("entete", [None, "Bearer inconnu", "Basic abc"])
def test_positions_without_a_valid_token_is_401(client, agent, jeton, entete):
    extra = {"HTTP_AUTHORIZATION": entete} if entete else {}
    reponse = client.post("/api/terrain/positions", json.dumps({"positions": positions(1)}),
                          content_type="application/json", **extra)

    assert reponse.status_code == 401
    assert reponse.json()["detail"].startswith("Jeton absent, inconnu ou révoqué")
    assert not AgentGeolocalisation.objects.exists()


def test_new_token_revokes_the_previous_one(client, agent, jeton):
    out = StringIO()
    call_command("jeton_agent", "AG1", stdout=out, stderr=StringIO())
    nouveau = out.getvalue().strip()

    assert envoyer(client, "positions", {"positions": positions(1)}, jeton).status_code == 401
    assert envoyer(client, "positions", {"positions": positions(1)}, nouveau).status_code == 200
    # Stored hashed: neither token appears in the table.
    empreintes = set(JetonTerrain.objects.values_list("empreinte", flat=True))
    assert len(empreintes) == 2 and not {jeton, nouveau} & empreintes


def test_jeton_agent_unknown_code_is_a_french_error(agent):
    with pytest.raises(CommandError, match="Agent inconnu : « AG9 »"):
        call_command("jeton_agent", "AG9", stdout=StringIO(), stderr=StringIO())


def test_body_over_the_limit_is_413(client, agent, jeton, settings):
    settings.AKIG_API_TERRAIN_TAILLE_MAX = 2_000
    # 30 positions ≈ 3 600 bytes of JSON > 2 000.
    reponse = envoyer(client, "positions", {"positions": positions(30)}, jeton)

    assert reponse.status_code == 413
    assert "trop gros (2000 octets au plus)" in reponse.json()["detail"]
    assert not AgentGeolocalisation.objects.exists()


def test_malformed_json_is_400(client, agent, jeton):
    reponse = envoyer(client, "positions", '{"positions": [', jeton)

    assert reponse.status_code == 400
    assert reponse.json()["detail"].startswith("JSON mal formé")


@pytest.fixture
def dossier(agent):
    locataire = LocataireFactory(code="L1")
    autre = LocataireFactory(code="L2")
    ImpayeFactory(reference="I1", locataire=locataire)
    ImpayeFactory(reference="I2", locataire=autre)
    return locataire


def action(reference, **champs):
    return {"reference": reference, "locataire_code": "L1", "impaye_reference": "I1", "type_action": "paiement",
            "statut": "payé en partie", "resultat": "Espèces", "montant_recouvre": "150.00",
            "date_action": a(10), "latitude": 48.85, "longitude": 2.35, **champs}


def test_actions_stored_with_free_statut_and_the_day_rescored(client, agent, jeton, dossier):
    lot = {"actions": [action("A1"), action("A2", type_action="refus", statut="RDV pris", montant_recouvre=0,
                                            impaye_reference="", date_action=a(11))]}

    reponse = envoyer(client, "actions", lot, jeton)
    encore = envoyer(client, "actions", lot, jeton)

    assert (reponse.status_code, reponse.json()) == (200, {"recues": 2, "creees": 2, "doublons": 0, "elements": [
        {"index": 0, "cle": "A1", "etat": "enregistre"}, {"index": 1, "cle": "A2", "etat": "enregistre"}]})
    assert encore.json() == {"recues": 2, "creees": 0, "doublons": 2, "elements": [
        {"index": 0, "cle": "A1", "etat": "deja_enregistre"}, {"index": 1, "cle": "A2", "etat": "deja_enregistre"}]}
    a1 = RecouvrementAction.objects.get(reference="A1")
    assert (a1.agent_id, a1.statut, a1.statut_cle, a1.montant_recouvre) == (
        agent.id, "payé en partie", "paye en partie", Decimal("150.00"))
    # Yesterday's row: visites 2, paiements 1, refus 1 → 4 × 2/8 + 6 × 1/2 = 1 + 3 = 4.00.
    row = PerformanceHistorique.objects.get(agent=agent, date_stat=HIER)
    assert (row.visites, row.paiements, row.refus, row.score, row.montant_recouvre) == (
        2, 1, 1, Decimal("4.00"), Decimal("150.00"))


def test_actions_type_errors_are_caught_before_anything_else(client, agent, jeton, dossier):
    # The schema (types, amount ≥ 0) answers first; the other items' checks wait for it.
    lot = {"actions": [action("A1"), action("A2", locataire_code="L9"), action("A5", montant_recouvre="-5"),
                       action("A6", latitude="nord")]}

    reponse = envoyer(client, "actions", lot, jeton)

    assert reponse.status_code == 400
    assert reponse.json()["erreurs"] == [
        {"index": 2, "champ": "montant_recouvre", "motif": "valeur inférieure au minimum 0"},
        {"index": 3, "champ": "latitude", "motif": "nombre attendu"},
    ]
    assert not RecouvrementAction.objects.exists()


def test_actions_semantic_errors_name_item_field_and_reason(client, agent, jeton, dossier):
    lot = {"actions": [
        action("A1"),
        action("A2", locataire_code="L9"),
        action("A3", impaye_reference="I9"),
        action("A4", impaye_reference="I2"),
        action("A6", type_action="danse"),
        action("A7", date_action="2099-01-01T10:00:00"),
        action("A8", latitude=None),
        action("A9", montant_recouvre="1.234"),
    ]}

    reponse = envoyer(client, "actions", lot, jeton)

    assert reponse.status_code == 400
    assert reponse.json()["erreurs"] == [
        {"index": 1, "champ": "locataire_code", "motif": "code locataire inconnu « L9 »"},
        {"index": 2, "champ": "impaye_reference", "motif": "impayé inconnu « I9 »"},
        {"index": 3, "champ": "impaye_reference", "motif": "l'impayé « I2 » n'est pas du locataire « L1 »"},
        {"index": 4, "champ": "type_action",
         "motif": "valeur « danse » inconnue (attendu : visite, appel, sms, promesse, paiement, refus, absent)"},
        {"index": 5, "champ": "date_action", "motif": "horodatage dans le futur « 2099-01-01T10:00:00 »"},
        {"index": 6, "champ": "longitude", "motif": "latitude et longitude vont ensemble : les deux ou aucune"},
        {"index": 7, "champ": "montant_recouvre", "motif": "montant « 1.234 » : plus de 2 décimales"},
    ]
    assert not RecouvrementAction.objects.exists()


def test_actions_for_another_agent_are_refused(client, agent, jeton, dossier):
    AgentFactory(code="AG2")
    reponse = envoyer(client, "actions", {"actions": [action("A1"), action("A2", agent_code="AG2")]}, jeton)

    assert reponse.status_code == 403
    assert reponse.json()["erreurs"] == [
        {"index": 1, "champ": "agent_code", "motif": "action d'un autre agent « AG2 » : refusée"},
    ]
    assert not RecouvrementAction.objects.exists()


def test_actions_reference_of_another_agent_is_a_409_naming_it(client, agent, jeton, dossier):
    autre = AgentFactory(code="AG2")
    envoyer(client, "actions", {"actions": [action("A1")]}, jeton_creer(agent_id=autre.id))

    reponse = envoyer(client, "actions", {"actions": [action("A1"), action("A2")]}, jeton)

    assert reponse.status_code == 409
    assert reponse.json()["erreurs"] == [
        {"index": 0, "champ": "reference", "motif": "référence « A1 » déjà enregistrée pour un autre agent"},
    ]
    assert list(RecouvrementAction.objects.values_list("reference", "agent_id")) == [("A1", autre.id)]


def test_openapi_description_and_docs_need_a_login(client, django_user_model):
    assert client.get("/api/terrain/openapi.json").status_code == 302
    assert client.get("/api/terrain/docs")["Location"].startswith("/connexion/")
    client.force_login(django_user_model.objects.create_user(username="lecteur"))

    description = client.get("/api/terrain/openapi.json").json()
    docs = client.get("/api/terrain/docs")

    assert {"/api/terrain/positions", "/api/terrain/actions"} <= set(description["paths"])
    assert description["components"]["securitySchemes"]["JetonAgent"]["scheme"] == "bearer"
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn." not in docs.content


def _textes(noeud, chemin=""):
    """Every (path, text) of the OpenAPI description's titles, summaries and descriptions."""
    if isinstance(noeud, dict):
        for cle, valeur in noeud.items():
            if cle in ("title", "summary", "description") and isinstance(valeur, str):
                yield f"{chemin}/{cle}", valeur
            yield from _textes(valeur, f"{chemin}/{cle}")
    elif isinstance(noeud, list):
        for valeur in noeud:
            yield from _textes(valeur, chemin)


def test_openapi_description_is_in_french(admin_client):
    description = admin_client.get("/api/terrain/openapi.json").json()

    positions, actions = (description["paths"][f"/api/terrain/{c}"]["post"] for c in ("positions", "actions"))
    assert description["info"]["title"] == "AKIG Ops — API terrain"
    assert (positions["summary"], actions["summary"]) == ("Envoyer des positions GPS", "Envoyer des actions de recouvrement")
    assert positions["description"].startswith("Enregistre les positions de l'agent du jeton.")
    assert actions["description"].startswith("Enregistre les actions de l'agent du jeton et recalcule le score")
    # Each answer says what it means in French, not HTTP's reason phrase ("Bad Request").
    assert {code: r["description"] for code, r in actions["responses"].items()} == {
        "200": "Lot enregistré (ou déjà enregistré : doublons).",
        "400": "Lot refusé : JSON mal formé ou éléments invalides, rien n'est enregistré.",
        "401": "Jeton absent, inconnu ou révoqué.",
        "403": "Un élément concerne un autre agent que celui du jeton : rien n'est enregistré.",
        "409": "Une référence est déjà enregistrée pour un autre agent : rien n'est enregistré.",
        "413": "Corps de requête trop gros : envoyez des lots plus petits.",
    }
    assert positions["responses"]["413"]["description"] == actions["responses"]["413"]["description"]
    schemas = description["components"]["schemas"]
    assert schemas["Position"]["properties"]["precision_m"]["title"] == "Précision (m)"
    assert schemas["Compte"]["properties"]["recues"]["title"] == "Reçues"
    # Every field of every schema is described; the token scheme too.
    assert [f"{nom}.{champ}" for nom, schema in schemas.items() for champ, propriete in schema["properties"].items()
            if "description" not in propriete] == []
    assert description["components"]["securitySchemes"]["JetonAgent"]["description"].startswith("Jeton d'un agent")
    # None of ninja's or pydantic's English defaults is left.
    anglais = {"OK", "Bad Request", "Unauthorized", "Forbidden", "Request Entity Too Large", "Precision M",
               "Recues", "Creees", "Detail", "Locataire Code", "Montant Recouvre", "PositionIn", "ErreurOut"}
    assert [(chemin, texte) for chemin, texte in _textes(description)
            if texte in anglais or texte.startswith(("Store ", "The "))] == []


def test_docs_page_is_french_and_served_from_our_static_files(admin_client, settings):
    page = admin_client.get("/api/terrain/docs").content.decode()

    assert '<html lang="fr">' in page
    assert "<title>Documentation — AKIG Ops — API terrain</title>" in page
    assert "Documentation de l'API terrain" in page and "restent en anglais" in page
    # Swagger UI's script and style, from our static files (no CDN, no outside address at all).
    assert f'src="{settings.STATIC_URL}ninja/swagger-ui-bundle.js"' in page
    assert f'href="{settings.STATIC_URL}ninja/swagger-ui.css"' in page
    assert re.findall(r'(?:src|href)="(?:https?:)?//', page) == []
    # Swagger UI's validator badge would be fetched from validator.swagger.io.
    assert '"validatorUrl": null' in page


# --- Values out of bounds or unstorable: a French 400 naming the field, nothing stored.


@pytest.mark.parametrize("champ, valeur, motif", [
    ("date_action", "0001-01-01T00:00:00", "date-heure « 0001-01-01T00:00:00 » hors des bornes (du 01/01/2000 au "),
    ("date_action", "1999-12-31T23:59:59+00:00", "date-heure « 1999-12-31T23:59:59+00:00 » hors des bornes (du 01/01/2000 au "),
    ("date_action", "9999-12-31T23:59:59", "horodatage dans le futur « 9999-12-31T23:59:59 »"),
    ("montant_recouvre", "9999999999.99", "montant « 9999999999.99 » au-dessus du plafond (1\u202f000\u202f000,00\u00a0€)"),
    ("montant_recouvre", "1000000.01", "montant « 1000000.01 » au-dessus du plafond (1\u202f000\u202f000,00\u00a0€)"),
    ("reference", "A\x00", "caractère NUL (octet 0) interdit"),
    ("reference", "A\nB", "retour à la ligne interdit (une seule ligne)"),
    ("reference", "A\x1b[31m", "caractère de contrôle U+001B interdit"),
    ("statut", "fait\x00", "caractère NUL (octet 0) interdit"),
    ("resultat", "payé\x00", "caractère NUL (octet 0) interdit"),
    ("resultat", "payé\ud800", "caractère invalide (demi-paire de substitution UTF-16)"),
    ("statut", "\udfff", "caractère invalide (demi-paire de substitution UTF-16)"),
    # Looked up before being checked, it once reached the database: 500.
    ("impaye_reference", "I1\ud800", "caractère invalide (demi-paire de substitution UTF-16)"),
    ("locataire_code", "L1\ud800", "caractère invalide (demi-paire de substitution UTF-16)"),
])
def test_actions_value_out_of_bounds_is_a_french_400_naming_the_field(client, agent, jeton, dossier, champ, valeur, motif):
    # json.dumps writes a lone surrogate as the \\udXXX escape a phone would send.
    mauvaise = {**action("A1"), champ: valeur}
    reponse = envoyer(client, "actions", {"actions": [action("A0"), mauvaise]}, jeton)

    assert reponse.status_code == 400
    [erreur] = reponse.json()["erreurs"]
    assert (erreur["index"], erreur["champ"]) == (1, champ)
    assert erreur["motif"].startswith(motif)
    assert not RecouvrementAction.objects.exists() and not PerformanceHistorique.objects.exists()


def test_actions_at_the_bounds_are_stored(client, agent, jeton, dossier):
    debut = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC).isoformat()
    lot = {"actions": [action("A1", montant_recouvre="1000000.00"), action("A2", date_action=debut)]}

    reponse = envoyer(client, "actions", lot, jeton)

    assert (reponse.status_code, reponse.json()["creees"]) == (200, 2)
    jour = PerformanceHistorique.objects.get(agent=agent, date_stat=HIER)
    assert jour.montant_recouvre == Decimal("1000000.00")


@pytest.mark.parametrize("horodatage, motif", [
    ("0001-01-01T00:00:00", "date-heure « 0001-01-01T00:00:00 » hors des bornes"),
    ("9999-12-31T23:59:59", "horodatage dans le futur"),
    ("2026-01-01T10:00:00\x00", "date-heure invalide"),
])
def test_positions_out_of_bounds_are_a_french_400(client, agent, jeton, horodatage, motif):
    lot = positions(2)
    lot[1]["timestamp"] = horodatage

    reponse = envoyer(client, "positions", {"positions": lot}, jeton)

    assert reponse.status_code == 400
    [erreur] = reponse.json()["erreurs"]
    assert (erreur["index"], erreur["champ"]) == (1, "timestamp") and erreur["motif"].startswith(motif)
    assert not AgentGeolocalisation.objects.exists()
