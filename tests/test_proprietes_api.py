"""Property tests of the field API (hypothesis, 1 000 batches each): whatever a phone sends —
year 1 or 9999, 10^10 €, NUL, lone surrogates, escape sequences, NaN, wrong types — the answer
is never a 5xx, and the database holds exactly what the answer says it stored: on a 200 the new
rows are the items said `enregistre`, on a 4xx nothing was written."""
import datetime
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agents.models import AgentGeolocalisation, PerformanceHistorique
from agents.services import jeton_creer
from recovery.models import RecouvrementAction
from tests.factories import AgentFactory, ImpayeFactory, LocataireFactory

pytestmark = pytest.mark.django_db

# deadline=None: a slow CI must not fail a correct example; derandomize: CI runs the same examples.
MILLE = settings(max_examples=1000, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                        HealthCheck.data_too_large, HealthCheck.filter_too_much])

HOSTILES = ["", " ", "\x00", "\ud800", "\udfff", "\n", "\r\n", "\x1b[2J", "\u202e", "\u2028", "é", "€", "'", '"', ";",
            "%00", "<script>", "0001-01-01", "9999-12-31"]
texte = st.one_of(
    st.sampled_from(HOSTILES),
    st.text(alphabet=st.sampled_from("AZaz09-_ é\x00\n\x1b\ud800€"), max_size=12),
    st.text(max_size=45),
)
# An instant anywhere between year 1 and 9999, written as phones and tools write them.
instant = st.one_of(
    st.datetimes(min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30)).map(
        lambda d: d.isoformat()),
    st.datetimes(min_value=datetime.datetime(1999, 12, 1), max_value=datetime.datetime(2026, 12, 1),
                 timezones=st.sampled_from([datetime.UTC, datetime.timezone(datetime.timedelta(hours=14))])).map(
        lambda d: d.isoformat()),
    texte,
)
montant = st.one_of(
    st.decimals(min_value=-1, max_value=10**11, places=2).map(str),
    st.sampled_from(["9999999999.99", "1000000.00", "1000000.01", "NaN", "Infinity", "-0", "1e400", "1,5", "0.001"]),
    st.integers(min_value=-5, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
)
coordonnee = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False, min_value=-200, max_value=200),
                       st.sampled_from(["48.85", "est", ""]))
# A few references, so batches meet each other's (and earlier examples') rows.
reference = st.one_of(st.sampled_from([f"R{k}" for k in range(8)]), texte)

# Mostly good items, each with one field perhaps replaced by anything above: batches are
# then stored, refused for one item, or met by earlier examples' rows.
HIER = datetime.date.today() - datetime.timedelta(days=1)
instant_bon = st.datetimes(min_value=datetime.datetime(2000, 1, 2), max_value=datetime.datetime.combine(HIER, datetime.time()),
                           timezones=st.just(datetime.UTC)).map(lambda d: d.isoformat())
action_bonne = st.fixed_dictionaries({
    "reference": st.sampled_from([f"R{k}" for k in range(12)]), "locataire_code": st.just("L1"),
    "type_action": st.sampled_from(["visite", "paiement", "refus", "promesse", "appel"]), "date_action": instant_bon,
    "impaye_reference": st.sampled_from(["", "I1"]), "statut": st.sampled_from(["fait", "RDV pris", ""]),
    "montant_recouvre": st.decimals(min_value=0, max_value=1_000_000, places=2).map(str),
})
action_hostile = st.fixed_dictionaries(
    {"reference": reference, "locataire_code": st.sampled_from(["L1", "L2", "L?", "\x00"]),
     "type_action": st.sampled_from(["visite", "paiement", "refus", "promesse", "appel", "vol", "\x00"]),
     "date_action": instant},
    optional={"impaye_reference": st.sampled_from(["", "I1", "I2", "I?"]), "statut": texte, "resultat": texte,
              "montant_recouvre": montant, "latitude": coordonnee, "longitude": coordonnee,
              "agent_code": st.sampled_from([None, "", "AG1", "AG2"])},
)
CHAMPS_ACTION = ["reference", "locataire_code", "impaye_reference", "type_action", "statut", "resultat",
                 "montant_recouvre", "date_action", "latitude", "longitude", "agent_code"]
valeur_hostile = st.one_of(texte, montant, instant, coordonnee)
action = st.one_of(
    action_bonne, action_bonne,
    st.builds(lambda a, champ, v: {**a, champ: v}, action_bonne, st.sampled_from(CHAMPS_ACTION), valeur_hostile),
    action_hostile,
)
position_bonne = st.fixed_dictionaries({
    "timestamp": instant_bon, "latitude": st.floats(min_value=-90, max_value=90), "longitude": st.floats(min_value=-180, max_value=180)})
position = st.one_of(
    position_bonne, position_bonne,
    st.builds(lambda p, champ, v: {**p, champ: v}, position_bonne,
              st.sampled_from(["timestamp", "latitude", "longitude", "precision_m"]), valeur_hostile),
    st.fixed_dictionaries(
        {"timestamp": instant, "latitude": coordonnee, "longitude": coordonnee},
        optional={"precision_m": st.one_of(st.none(), st.floats(min_value=-1, max_value=200_000), texte)},
    ),
)


@pytest.fixture
def telephone():
    locataire = LocataireFactory(code="L1")
    ImpayeFactory(reference="I1", locataire=locataire)
    ImpayeFactory(reference="I2", locataire=LocataireFactory(code="L2"))
    agent, autre = AgentFactory(code="AG1"), AgentFactory(code="AG2")
    return {"client": Client(), "agent": agent, "autre": autre, "jeton": jeton_creer(agent_id=agent.id),
            "jeton_autre": jeton_creer(agent_id=autre.id)}


def _envoyer(telephone, chemin, corps, *, autre=False):
    jeton = telephone["jeton_autre" if autre else "jeton"]
    # allow_nan: a phone may send NaN (not JSON); ensure_ascii writes lone surrogates as \ud800.
    return telephone["client"].post(f"/api/terrain/{chemin}", json.dumps(corps, default=str), content_type="application/json",
                                    HTTP_AUTHORIZATION=f"Bearer {jeton}")


def _stockees(modele, **filtre) -> set:
    return set(modele.objects.filter(**filtre).values_list("pk", flat=True))


@MILLE
@given(lot=st.lists(action, max_size=6), autre=st.booleans())
def test_actions_never_5xx_and_the_answer_is_what_the_database_stored(telephone, lot, autre):
    avant = set(RecouvrementAction.objects.values_list("reference", "agent_id"))
    performances = list(PerformanceHistorique.objects.values_list("agent_id", "date_stat", "montant_recouvre"))

    reponse = _envoyer(telephone, "actions", {"actions": lot}, autre=autre)

    apres = set(RecouvrementAction.objects.values_list("reference", "agent_id"))
    event(f"HTTP {reponse.status_code}")  # --hypothesis-show-statistics: how many stored, refused
    assert reponse.status_code < 500
    if reponse.status_code != 200:
        assert apres == avant, "a refused batch wrote rows"
        assert list(PerformanceHistorique.objects.values_list("agent_id", "date_stat", "montant_recouvre")) == performances
        assert reponse.json()["detail"]
        return
    corps = reponse.json()
    expediteur = telephone["autre" if autre else "agent"].id
    nouvelles = apres - avant
    dites = {e["cle"] for e in corps["elements"] if e["etat"] == "enregistre"}
    assert nouvelles == {(r, expediteur) for r in dites} and corps["creees"] == len(dites)
    # Every item, stored now or already there, is a row of the sender: never another agent's.
    proprietaires = dict(apres)
    assert {proprietaires[e["cle"]] for e in corps["elements"]} <= {expediteur}


@MILLE
@given(lot=st.lists(position, max_size=8))
def test_positions_never_5xx_and_the_answer_is_what_the_database_stored(telephone, lot):
    agent = telephone["agent"]
    avant = _stockees(AgentGeolocalisation, agent=agent)

    reponse = _envoyer(telephone, "positions", {"positions": lot})

    nouvelles = _stockees(AgentGeolocalisation, agent=agent) - avant
    event(f"HTTP {reponse.status_code}")
    assert reponse.status_code < 500
    if reponse.status_code != 200:
        assert not nouvelles, "a refused batch wrote rows"
        return
    corps = reponse.json()
    assert corps["creees"] == len(nouvelles) == sum(e["etat"] == "enregistre" for e in corps["elements"])
    assert corps["recues"] == len(lot) == len(corps["elements"])
