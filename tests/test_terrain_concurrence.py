"""Two phones at the same moment (PostgreSQL, two real connections): what each answer says
stored is what the database holds, a reference belongs to exactly one agent."""
import datetime
import json
import threading
from collections import Counter

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from agents.models import AgentGeolocalisation
from agents.services import jeton_creer
from recovery.models import RecouvrementAction
from tests.factories import AgentFactory, ImpayeFactory, LocataireFactory

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

TOURS = 60
HIER = timezone.localdate() - datetime.timedelta(days=1)
PARIS = timezone.get_default_timezone()


def _action(reference: str, minute: int) -> dict:
    instant = datetime.datetime.combine(HIER, datetime.time(10, minute % 60), tzinfo=PARIS)
    return {"reference": reference, "locataire_code": "L1", "impaye_reference": "I1", "type_action": "paiement",
            "statut": "fait", "montant_recouvre": "10.00", "date_action": instant.isoformat()}


def _en_meme_temps(envois: list[tuple[str, str, dict]]) -> list:
    """Send each (path, token, body) from its own thread (its own connection), released together."""
    depart = threading.Barrier(len(envois))
    reponses: list = [None] * len(envois)

    def envoyer(rang: int, chemin: str, jeton: str, corps: dict):
        try:
            depart.wait()
            reponse = Client().post(f"/api/terrain/{chemin}", json.dumps(corps), content_type="application/json",
                                    HTTP_AUTHORIZATION=f"Bearer {jeton}")
            reponses[rang] = (reponse.status_code, reponse.json())
        finally:
            connection.close()

    fils = [threading.Thread(target=envoyer, args=(rang, *envoi)) for rang, envoi in enumerate(envois)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(60)
    return reponses


@pytest.fixture
def deux_agents():
    locataire = LocataireFactory(code="L1")
    ImpayeFactory(reference="I1", locataire=locataire)
    a, b = AgentFactory(code="AG1"), AgentFactory(code="AG2")
    return {a.id: jeton_creer(agent_id=a.id), b.id: jeton_creer(agent_id=b.id)}


def test_two_agents_racing_on_the_same_references_one_wins_the_other_gets_a_409_naming_them(deux_agents):
    (id_a, jeton_a), (id_b, jeton_b) = deux_agents.items()
    bilan = Counter()
    for tour in range(TOURS):
        # Overlapping batches: R1 only A's, R2 and R3 both, R4 only B's.
        refs = [f"T{tour}-R{k}" for k in range(1, 5)]
        lot_a = {"actions": [_action(r, tour) for r in refs[:3]]}
        lot_b = {"actions": [_action(r, tour) for r in reversed(refs[1:])]}

        reponses = _en_meme_temps([("actions", jeton_a, lot_a), ("actions", jeton_b, lot_b)])

        proprietaires = dict(RecouvrementAction.objects.filter(reference__in=refs).values_list("reference", "agent_id"))
        statuts = sorted(statut for statut, _ in reponses)
        assert statuts == [200, 409], reponses
        for agent_id, (statut, corps) in zip((id_a, id_b), reponses):
            if statut == 200:
                # Every item said stored is this agent's row in the database, and the reverse.
                dits = {e["cle"] for e in corps["elements"] if e["etat"] == "enregistre"}
                assert dits == {r for r, p in proprietaires.items() if p == agent_id}
                assert corps["creees"] == 3
                bilan["gagnant_exact"] += 1
            else:
                nommees = {e["motif"].split("« ")[1].split(" »")[0] for e in corps["erreurs"]}
                # The 409 names exactly the shared references, which the other agent owns.
                assert nommees == {refs[1], refs[2]}
                assert {proprietaires[r] for r in nommees} == {id_a, id_b} - {agent_id}
                assert agent_id not in proprietaires.values()  # nothing of the refused batch
                bilan["perdant_409"] += 1
        assert set(proprietaires.values()) <= {id_a, id_b}
    assert bilan == {"gagnant_exact": TOURS, "perdant_409": TOURS}


def test_identical_batches_at_the_same_time_are_counted_stored_once(deux_agents):
    (id_a, jeton_a), _ = deux_agents.items()
    for tour in range(TOURS // 3):
        refs = [f"D{tour}-R{k}" for k in range(3)]
        lot = {"actions": [_action(r, tour) for r in refs]}
        positions = {"positions": [
            {"timestamp": datetime.datetime.combine(HIER, datetime.time(9, tour, k), tzinfo=PARIS).isoformat(),
             "latitude": 48.85, "longitude": 2.35} for k in range(3)]}

        reponses = _en_meme_temps([("actions", jeton_a, lot), ("actions", jeton_a, lot),
                                   ("positions", jeton_a, positions), ("positions", jeton_a, positions)])

        assert [statut for statut, _ in reponses] == [200] * 4
        actions, points = reponses[:2], reponses[2:]
        assert sum(corps["creees"] for _, corps in actions) == 3
        assert sum(corps["creees"] for _, corps in points) == 3
        assert sum(e["etat"] == "enregistre" for _, corps in reponses for e in corps["elements"]) == 6
    assert RecouvrementAction.objects.filter(agent_id=id_a).count() == 3 * (TOURS // 3)
    assert AgentGeolocalisation.objects.filter(agent_id=id_a).count() == 3 * (TOURS // 3)
