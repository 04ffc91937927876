"""The replica router (akig_ops/lib/replique.py), without a replica: which reads may go there,
the fallback, the retry on the primary, the cookie of a browser that wrote, the cached
figures, /api/health and /metrics. tests/test_replique_reelle.py runs a real standby."""
import psycopg
import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection, connections, transaction
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from prometheus_client.parser import text_string_to_metric_families

from agents.models import Agent
from akig_ops.grappe import port_libre
from akig_ops.lib import cache_donnees, replique
from akig_ops.lib.replique import ALIAS, RouteurReplique, lecture_replique
from tests.factories import UserFactory

JETON = "jeton-ops-de-test-0123456789"
routeur = RouteurReplique()


def _mesure(etat, retard=None):
    return replique.Mesure(etat, retard, 0.0)


@pytest.fixture
def etat_replique(monkeypatch, settings):
    """A replica configured (not a real one: the router only decides, nothing queries it),
    in the state the test sets: etat_replique["mesure"]."""
    settings.AKIG_REPLICA_RETARD_MAX_S = 10
    settings.AKIG_REPLICA_VERIFICATION_MS = 5000
    etat = {"mesure": _mesure(replique.CONNECTE, 0.0), "erreur_replique": False}
    monkeypatch.setattr(replique, "configuree", lambda: True)
    monkeypatch.setattr(replique, "etat_courant", lambda: etat["mesure"])
    monkeypatch.setattr(replique, "_replique_en_erreur", lambda: etat["erreur_replique"])
    replique.oublier_mesure()
    yield etat
    replique.oublier_mesure()


def _vue_qui_lit(lectures: list):
    """A view recording where each of its reads of an Agent would go."""

    @lecture_replique
    def vue(request):
        lectures.append(routeur.db_for_read(Agent))
        return HttpResponse("ok")

    return vue


# --- which reads go to the replica


def test_reads_outside_a_marked_view_stay_on_the_primary(etat_replique):
    assert routeur.db_for_read(Agent) == "default"
    with replique.requete():
        assert routeur.db_for_read(Agent) == "default"


def test_a_marked_view_reads_on_the_replica_on_get_and_says_so(etat_replique):
    lectures = []
    reponse = _vue_qui_lit(lectures)(RequestFactory().get("/"))

    assert lectures == [ALIAS]
    assert reponse[replique.EN_TETE] == "replique"


def test_a_post_to_a_marked_view_reads_on_the_primary(etat_replique):
    lectures = []
    reponse = _vue_qui_lit(lectures)(RequestFactory().post("/"))

    assert lectures == ["default"]
    assert replique.EN_TETE not in reponse


@pytest.mark.parametrize("etat, retard", [
    (replique.EN_RETARD, 10.5),  # more than AKIG_REPLICA_RETARD_MAX_S
    (replique.EN_RETARD, None),  # unknown
    (replique.INDISPONIBLE, None),
    (replique.PAS_EN_RECUPERATION, None),  # promoted, or the URL of a primary
])
def test_a_replica_lagging_down_or_promoted_leaves_the_reads_on_the_primary(etat_replique, etat, retard):
    etat_replique["mesure"] = _mesure(etat, retard)
    lectures = []

    reponse = _vue_qui_lit(lectures)(RequestFactory().get("/"))

    assert lectures == ["default"]
    assert reponse[replique.EN_TETE] == "primaire"


def test_a_request_that_wrote_reads_its_writes_on_the_primary(etat_replique):
    lectures = []

    @lecture_replique
    def vue(request):
        lectures.append(routeur.db_for_read(Agent))
        assert routeur.db_for_write(Agent) == "default"
        lectures.append(routeur.db_for_read(Agent))
        return HttpResponse("ok")

    vue(RequestFactory().get("/"))

    assert lectures == [ALIAS, "default"]


@pytest.mark.django_db(transaction=True)  # outside the test's own transaction
def test_reads_inside_a_transaction_of_the_primary_and_of_the_session_stay_there(etat_replique):
    lectures = []

    @lecture_replique
    def vue(request):
        lectures.append(routeur.db_for_read(Session))
        with transaction.atomic():
            lectures.append(routeur.db_for_read(Agent))
        lectures.append(routeur.db_for_read(Agent))
        return HttpResponse("ok")

    vue(RequestFactory().get("/"))

    assert lectures == ["default", "default", ALIAS]


def test_a_browser_that_wrote_recently_reads_on_the_primary(etat_replique):
    lectures = []
    with replique.requete(primaire_impose=True):
        _vue_qui_lit(lectures)(RequestFactory().get("/"))

    assert lectures == ["default"]


def test_a_streamed_body_reads_where_its_view_would(etat_replique):
    lectures = []

    @lecture_replique
    def vue(request):
        def lignes():
            for _ in range(2):
                lectures.append(routeur.db_for_read(Agent))
                yield "ligne\n"
        return StreamingHttpResponse(lignes())

    reponse = vue(RequestFactory().get("/"))
    assert lectures == []  # nothing read yet: the server iterates the body after the view

    assert b"".join(reponse.streaming_content) == b"ligne\nligne\n"
    assert lectures == [ALIAS, ALIAS]
    assert reponse[replique.EN_TETE] == "replique"


def test_without_a_replica_the_marked_view_runs_untouched(monkeypatch):
    monkeypatch.setattr(replique, "configuree", lambda: False)
    lectures = []

    reponse = _vue_qui_lit(lectures)(RequestFactory().get("/"))

    assert lectures == ["default"]
    assert replique.EN_TETE not in reponse


# --- the view runs again on the primary when the replica fails it


def _erreur_de_connexion():
    erreur = OperationalError("connection refused")
    erreur.__cause__ = psycopg.OperationalError("connection refused")  # no SQLSTATE: the server is gone
    return erreur


def _conflit_de_recuperation():
    erreur = OperationalError("canceling statement due to conflict with recovery")
    erreur.__cause__ = psycopg.errors.SerializationFailure("conflict with recovery")
    return erreur


def _vue_qui_echoue_puis_reussit(erreur: Exception, lectures: list):
    @lecture_replique
    def vue(request):
        lectures.append(routeur.db_for_read(Agent))
        if len(lectures) == 1:
            raise erreur
        return HttpResponse("ok")

    return vue


def test_a_replica_lost_under_the_view_is_marked_down_and_the_view_runs_on_the_primary(etat_replique):
    etat_replique["erreur_replique"] = True
    lectures = []

    reponse = _vue_qui_echoue_puis_reussit(_erreur_de_connexion(), lectures)(RequestFactory().get("/"))

    assert (reponse.status_code, reponse[replique.EN_TETE]) == (200, "primaire")
    assert lectures == [ALIAS, "default"]
    assert replique._derniere.etat == replique.INDISPONIBLE


def test_a_query_cancelled_by_a_recovery_conflict_runs_again_on_the_primary(etat_replique):
    etat_replique["erreur_replique"] = True
    lectures = []

    reponse = _vue_qui_echoue_puis_reussit(_conflit_de_recuperation(), lectures)(RequestFactory().get("/"))

    assert (reponse.status_code, lectures) == (200, [ALIAS, "default"])
    assert replique._derniere is None  # the replica is up: not marked down


def test_a_404_read_on_the_replica_is_asked_again_of_the_primary(etat_replique):
    lectures = []

    reponse = _vue_qui_echoue_puis_reussit(Http404("pas encore rejoué"), lectures)(RequestFactory().get("/"))

    assert (reponse.status_code, lectures) == (200, [ALIAS, "default"])


def test_the_primarys_failure_is_not_run_again(etat_replique):
    etat_replique["erreur_replique"] = False  # the error came from the primary
    lectures = []

    with pytest.raises(OperationalError):
        _vue_qui_echoue_puis_reussit(_erreur_de_connexion(), lectures)(RequestFactory().get("/"))
    assert lectures == [ALIAS]


def test_a_view_that_wrote_before_failing_is_not_run_again(etat_replique):
    appels = []

    @lecture_replique
    def vue(request):
        appels.append(routeur.db_for_read(Agent))
        routeur.db_for_write(Agent)
        raise Http404

    with pytest.raises(Http404):
        vue(RequestFactory().get("/"))
    assert appels == [ALIAS]


# --- the cookie of a browser that wrote


@pytest.mark.django_db
def test_a_post_that_writes_keeps_the_browser_on_the_primary_until_the_replica_has_its_write(
    client, etat_replique, settings
):
    settings.DATABASE_ROUTERS = ["akig_ops.lib.replique.RouteurReplique"]
    settings.AKIG_REPLICA_RETARD_MAX_S, settings.AKIG_REPLICA_VERIFICATION_MS = 10, 2500
    UserFactory(username="dir@akig.local")

    connexion = client.post("/connexion/", {"username": "dir@akig.local", "password": "motdepasse-test"})
    sante = client.get("/api/health")  # a GET writes nothing: no cookie

    assert connexion.status_code == 302
    cookie = connexion.cookies[replique.COOKIE_PRIMAIRE]
    assert (cookie["max-age"], cookie["httponly"], cookie["samesite"]) == (13, True, "Lax")  # ⌈10 + 2,5⌉ s
    assert replique.COOKIE_PRIMAIRE not in sante.cookies


def test_a_post_that_writes_nothing_sets_no_cookie(client, etat_replique):
    reponse = client.post("/api/health")  # 405: nothing written

    assert replique.COOKIE_PRIMAIRE not in reponse.cookies


# --- the probe


@pytest.mark.postgresql
@pytest.mark.django_db
def test_probe_of_a_server_that_is_not_a_standby_says_so():
    mesure = replique.mesurer(primaire=connection, replique=connection, retard_max_s=10)

    assert (mesure.etat, mesure.retard_s, mesure.utilisable) == (replique.PAS_EN_RECUPERATION, None, False)


@pytest.mark.postgresql
@pytest.mark.django_db
def test_probe_of_a_dead_replica_says_unavailable_without_raising():
    primaire = connections["default"]
    morte = type(primaire)({**primaire.settings_dict, "PORT": port_libre()}, alias="morte")

    mesure = replique.mesurer(primaire=connection, replique=morte, retard_max_s=10)

    assert (mesure.etat, mesure.utilisable) == (replique.INDISPONIBLE, False)


def test_the_measure_is_cached_and_a_failure_longer(monkeypatch, settings):
    mesures = [replique.CONNECTE, replique.INDISPONIBLE, replique.CONNECTE, replique.CONNECTE]
    appels = []

    def mesurer(**kwargs):
        appels.append(1)
        return replique.Mesure(mesures[len(appels) - 1], None, replique.time.monotonic())

    monkeypatch.setattr(replique, "mesurer", mesurer)
    monkeypatch.setattr(replique, "connections", {"default": None, ALIAS: None})
    replique.oublier_mesure()
    try:
        settings.AKIG_REPLICA_VERIFICATION_MS, settings.AKIG_REPLICA_PAUSE_APRES_ECHEC_MS = 60_000, 0
        assert [replique.etat_courant().etat for _ in range(3)] == [replique.CONNECTE] * 3
        assert len(appels) == 1  # measured once in AKIG_REPLICA_VERIFICATION_MS

        replique.oublier_mesure()
        settings.AKIG_REPLICA_VERIFICATION_MS, settings.AKIG_REPLICA_PAUSE_APRES_ECHEC_MS = 0, 60_000
        assert [replique.etat_courant().etat for _ in range(3)] == [replique.INDISPONIBLE] * 3
        assert len(appels) == 2  # a failure is trusted for AKIG_REPLICA_PAUSE_APRES_ECHEC_MS

        settings.AKIG_REPLICA_PAUSE_APRES_ECHEC_MS = 0
        assert [replique.etat_courant().etat for _ in range(2)] == [replique.CONNECTE] * 2
        assert len(appels) == 4  # AKIG_REPLICA_VERIFICATION_MS = 0: measured at each read
    finally:
        replique.oublier_mesure()


# --- cached figures


def test_a_figure_read_on_the_replica_just_after_a_change_is_not_stored(etat_replique, monkeypatch):
    calculs = []

    def calcul():
        calculs.append(routeur.db_for_read(Agent))
        return 42

    @lecture_replique
    def vue(request):
        return HttpResponse(str(cache_donnees.en_cache("figure-replique", calcul)))

    cache_donnees.donnees_modifiees()  # a change: the replica may not have replayed it yet
    vue(RequestFactory().get("/"))
    vue(RequestFactory().get("/"))
    assert calculs == [ALIAS, ALIAS]  # computed again: nothing stored

    # The generation is older than the replica's possible lag (10 s + 5 s): stored.
    monkeypatch.setattr(cache_donnees, "_age_s", lambda generation: 15.0)
    vue(RequestFactory().get("/"))
    vue(RequestFactory().get("/"))
    assert calculs == [ALIAS, ALIAS, ALIAS]


def test_a_figure_read_on_the_replica_just_after_its_token_changed_is_not_stored(etat_replique, monkeypatch):
    """The agent page's case: a new position renews the agent's token, not the generation; a page
    read on the replica before it has surely replayed that position is not stored either."""
    calculs = []

    @lecture_replique
    def vue(request):
        valeur, _hit = cache_donnees.en_cache("page-agent", lambda: calculs.append(routeur.db_for_read(Agent)) or 7,
                                              jetons=("agent:1:positions",))
        return HttpResponse(str(valeur))

    cache_donnees.jeton_renouveler("agent:1:positions")  # a position arrives
    marque = cache_donnees.jeton("agent:1:positions")
    ages = {marque: 0.1}
    monkeypatch.setattr(cache_donnees, "_age_s", lambda m: ages.get(m, 3600.0))  # the generation: an hour old
    vue(RequestFactory().get("/"))
    vue(RequestFactory().get("/"))
    assert calculs == [ALIAS, ALIAS]  # computed again: nothing stored

    # The token as old as the replica's possible lag (10 s + 5 s): stored; just under it, not.
    ages[marque] = 14.999
    vue(RequestFactory().get("/"))
    assert calculs == [ALIAS] * 3
    ages[marque] = 15.0
    vue(RequestFactory().get("/"))
    vue(RequestFactory().get("/"))
    assert calculs == [ALIAS] * 4


def test_a_figure_read_on_the_primary_is_stored_at_once(etat_replique):
    etat_replique["mesure"] = _mesure(replique.EN_RETARD, 30.0)
    calculs = []

    @lecture_replique
    def vue(request):
        valeur, _hit = cache_donnees.en_cache("figure-primaire", lambda: calculs.append(1) or 7)
        return HttpResponse(str(valeur))

    cache_donnees.donnees_modifiees()
    vue(RequestFactory().get("/"))
    vue(RequestFactory().get("/"))

    assert calculs == [1]


# --- /api/health and /metrics


@pytest.mark.django_db
def test_health_without_a_replica_says_none(client):
    corps = client.get("/api/health").json()

    assert corps["replica"] == {"etat": "none", "retard_secondes": None, "retard_max_secondes": None}
    assert corps["statut"] == "ok"


@pytest.mark.django_db
@pytest.mark.parametrize("etat, retard, statut", [
    (replique.CONNECTE, 0.25, "ok"),
    (replique.EN_RETARD, 42.5, "degrade"),
    (replique.INDISPONIBLE, None, "degrade"),
])
def test_health_shows_the_replicas_state_and_lag(client, etat_replique, etat, retard, statut):
    etat_replique["mesure"] = _mesure(etat, retard)

    reponse = client.get("/api/health")

    assert (reponse.status_code, reponse.json()["statut"]) == (200, statut)  # a replica away: slower, serving
    assert reponse.json()["replica"] == {"etat": etat, "retard_secondes": retard, "retard_max_secondes": 10}


@pytest.mark.django_db
def test_metrics_show_the_replicas_lag_and_whether_it_takes_the_reads(client, etat_replique, settings):
    settings.AKIG_OPS_TOKEN = JETON

    def series():
        texte = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {JETON}").content.decode()
        return {s.name: s.value for f in text_string_to_metric_families(texte) for s in f.samples
                if s.name.startswith("akig_replica")}

    etat_replique["mesure"] = _mesure(replique.EN_RETARD, 42.5)
    assert series() == {"akig_replica_up": 1, "akig_replica_lectures": 0, "akig_replica_retard_secondes": 42.5}
    etat_replique["mesure"] = _mesure(replique.INDISPONIBLE)
    assert series() == {"akig_replica_up": 0, "akig_replica_lectures": 0}
    etat_replique["mesure"] = _mesure(replique.CONNECTE, 0.0)
    assert series() == {"akig_replica_up": 1, "akig_replica_lectures": 1, "akig_replica_retard_secondes": 0.0}


@pytest.mark.parametrize(("a_jour", "age_s", "etat", "retard"), [
    (True, 50.0, replique.CONNECTE, 0.0),  # replayed up to the primary's WAL: no lag, whatever the age
    (False, 2.999, replique.CONNECTE, 2.999),
    (False, 3.0, replique.CONNECTE, 3.0),  # at the limit: still read there
    (False, 3.0004, replique.EN_RETARD, 3.001),  # just above: lagging, and the figure says it is above
    (False, 3.001, replique.EN_RETARD, 3.001),
    (False, -0.2, replique.CONNECTE, 0.0),  # clocks a little apart: never a negative lag
    (False, None, replique.EN_RETARD, None),  # nothing replayed yet: not usable
])
def test_the_lag_judged_is_the_lag_shown(a_jour, age_s, etat, retard):
    assert replique.juger(en_recuperation=True, a_jour=a_jour, age_s=age_s, retard_max_s=3) == (etat, retard)
    if etat == replique.EN_RETARD and retard is not None:
        assert round(retard, 3) > 3  # /api/health prints round(retard, 3): above the limit too


def test_a_server_not_in_recovery_has_no_lag():
    assert replique.juger(en_recuperation=False, a_jour=False, age_s=1.0, retard_max_s=3) == (
        replique.PAS_EN_RECUPERATION, None)
