"""/metrics: who may scrape it, and every series the runbooks' alerts read, with figures."""
import datetime
import ipaddress
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from akig_ops.lib import metriques
from akig_ops.lib.metriques import Jauge, jauges_metier
from akig_ops.models import Battement
from akig_ops.services import EVALUATION_ESCALADES, METRIQUES_METIER, battement_enregistrer
from akig_ops.tasks import metriques_metier_task
from tests.factories import (
    AgentFactory, ImpayeFactory, ScoreInstantaneFactory, UserFactory, agent_au_travail,
)

pytestmark = pytest.mark.django_db
JETON = "jeton-ops-de-test-0123456789"


@pytest.fixture(autouse=True)
def _jeton(settings):
    settings.AKIG_OPS_TOKEN = JETON
    settings.AKIG_METRIQUES_RESEAUX = []


def scraper(client) -> dict[tuple[str, tuple], float]:
    """Scrape /metrics with the token; return {(sample name, sorted labels): value}."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {JETON}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for famille in text_string_to_metric_families(response.content.decode())
        for s in famille.samples
    }


# --- access


def test_metrics_refuses_anonymous_wrong_token_and_even_a_director_session(client):
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer faux").status_code == 403
    client.force_login(UserFactory(groups=["Direction"]))
    assert client.get("/metrics").status_code == 403


def test_metrics_allowed_network_scrapes_without_token(client, settings):
    settings.AKIG_METRIQUES_RESEAUX = [ipaddress.ip_network("10.20.0.0/16")]

    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 403
    # The same IPv4 client seen by a server listening on [::] (dual stack).
    assert client.get("/metrics", REMOTE_ADDR="::ffff:10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::ffff:10.21.3.4").status_code == 403


def test_metrics_network_check_ignores_forwarded_headers(client, settings):
    settings.AKIG_METRIQUES_RESEAUX = [ipaddress.ip_network("10.20.0.0/16")]

    # An outsider claiming an allowed address through the proxies' headers is refused.
    reponse = client.get("/metrics", REMOTE_ADDR="203.0.113.9",
                         HTTP_X_FORWARDED_FOR="10.20.3.4", HTTP_X_REAL_IP="10.20.3.4")

    assert reponse.status_code == 403


# --- the series


# Today, after the working hours (08:00–18:00): the day's scores are closed.
APRES_LE_SERVICE = timezone.localtime().replace(hour=20, minute=0, second=0, microsecond=0)


@pytest.fixture
def donnees_connues():
    # Two debts more than 60 days late: 1,000.00 € (61 d) + 234.56 € (90 d) = 1,234.56 €,
    # one 30 days late (not critical); working agents today, judged at APRES_LE_SERVICE (day
    # closed): one without action, 0 + 6 × 2/4 = 3.00 (under 5), one with 8 promises,
    # 4 × 8/8 + 6 × 10/12 = 9.00.
    ImpayeFactory(retard=61, montant_du=Decimal("1000.00"))
    ImpayeFactory(retard=90, montant_du=Decimal("234.56"))
    ImpayeFactory(retard=30, montant_du=Decimal("999.00"))
    agent_au_travail(jour=APRES_LE_SERVICE.date())
    agent_au_travail(jour=APRES_LE_SERVICE.date(), actions={"promesse": 8})


def test_metrics_exposes_every_series_of_the_alerts(client, donnees_connues):
    cache.clear()
    instant_escalades = datetime.datetime(2026, 11, 27, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(instant_escalades, tick=False):
        battement_enregistrer(nom=EVALUATION_ESCALADES)
    # The business gauges come from beat's task (run here in-process), not from the scrape.
    with time_machine.travel(APRES_LE_SERVICE, tick=False):
        metriques_metier_task.apply()
    avant = scraper(client)
    client.get("/api/health")

    series = scraper(client)

    assert series[("akig_impayes_critiques", ())] == 2
    assert series[("akig_impayes_critiques_montant_euros", ())] == pytest.approx(1234.56)
    assert series[("akig_agents_score_sous_5", ())] == 1
    # 2026-11-27 08:00 UTC: 20 784 days after 1970-01-01, × 86 400 s + 8 × 3 600 s = 1 795 766 400 s.
    assert series[("akig_battement_dernier_succes_timestamp_seconds", (("tache", EVALUATION_ESCALADES),))] == 1795766400
    assert ("akig_battement_dernier_succes_timestamp_seconds", (("tache", METRIQUES_METIER),)) in series
    assert series[("akig_database_up", ())] == 1
    assert series[("akig_cache_up", ())] == 1
    assert series[("akig_broker_up", ())] == 1
    # One run of the metrics task, counted by Celery's signals.
    cle_tache = (("etat", "succes"), ("tache", "akig_ops.tasks.metriques_metier_task"))
    assert series[("akig_celery_taches_total", cle_tache)] == 1
    assert series[("akig_celery_taches_total", (("etat", "echec"), ("tache", "akig_ops.tasks.metriques_metier_task")))] == 0
    # Requests by view and status (django-prometheus): exactly one more /api/health 200.
    cle_sante = ("django_http_responses_total_by_status_view_method_total",
                 (("method", "GET"), ("status", "200"), ("view", "api-health")))
    assert series[cle_sante] - avant.get(cle_sante, 0) == 1
    assert any(nom == "django_http_requests_latency_seconds_by_view_method_bucket" for nom, _ in series)


def test_metrics_exposes_each_working_agents_latest_intraday_score(client, django_assert_max_num_queries):
    from agents.metriques import scores_instantanes

    maintenant = datetime.datetime(2026, 11, 27, 10, 0, tzinfo=datetime.UTC)
    il_y_a = lambda minutes: maintenant - datetime.timedelta(minutes=minutes)  # noqa: E731
    # AG1: 3.00 at 9:50, then 4.50 at 9:55 (latest, shown); AG2: 7.00 at 9:55;
    # AG3: 2.00 at 9:55 then NULL at 10:00 (latest: not enough to judge, left out);
    # AG4: 2.00 at 9:45 only (15 min old: stale, left out); AG5 inactive at 1.00 (left out).
    ag1, ag2, ag3, ag4 = (AgentFactory(code=f"AG{n}") for n in range(1, 5))
    ag5 = AgentFactory(code="AG5", actif=False)
    ScoreInstantaneFactory(agent=ag1, instant=il_y_a(10), score=Decimal("3.00"))
    ScoreInstantaneFactory(agent=ag1, instant=il_y_a(5), score=Decimal("4.50"))
    ScoreInstantaneFactory(agent=ag2, instant=il_y_a(5), score=Decimal("7.00"))
    ScoreInstantaneFactory(agent=ag3, instant=il_y_a(5), score=Decimal("2.00"))
    ScoreInstantaneFactory(agent=ag3, instant=maintenant, score=None)
    ScoreInstantaneFactory(agent=ag4, instant=il_y_a(15), score=Decimal("2.00"))
    ScoreInstantaneFactory(agent=ag5, instant=il_y_a(5), score=Decimal("1.00"))

    with time_machine.travel(maintenant, tick=False):
        with django_assert_max_num_queries(1):  # one query whatever the number of agents
            scores_instantanes()
        metriques_metier_task.apply()
    series = scraper(client)

    par_agent = {dict(etiquettes)["agent"]: v for (nom, etiquettes), v in series.items()
                 if nom == "akig_agent_score_instantane"}
    assert par_agent == {"AG1": 4.5, "AG2": 7.0}


def test_metrics_counts_the_outbox_emails_waiting_and_failed(client):
    from escalations.models import Message

    # Given 2 emails failed for good, 1 waiting for its retry, 1 being sent, 1 sent.
    for etat in ("echec", "echec", "en_attente", "en_cours", "envoye"):
        Message.objects.create(gabarit="impayes-critiques", destinataires=["dir@akig.local"], sujet="URGENT",
                               corps_texte="…", etat=etat)

    metriques_metier_task.apply()
    series = scraper(client)

    assert series[("akig_outbox_en_echec", ())] == 2
    assert series[("akig_outbox_en_attente", ())] == 2


def test_metrics_scrape_runs_no_business_sql(client, donnees_connues, django_assert_max_num_queries):
    metriques_metier_task.apply()

    # SELECT 1 (database up) and the heartbeats' row: nothing on impayés or agents.
    with django_assert_max_num_queries(2) as requetes:
        scraper(client)
    assert not any("impayes" in q["sql"] for q in requetes.captured_queries)


# --- the extension point


@pytest.fixture
def fonctions_temporaires():
    avant = dict(metriques._FONCTIONS)
    yield
    metriques._FONCTIONS.clear()
    metriques._FONCTIONS.update(avant)


def test_an_app_adds_labelled_gauges_through_the_extension_point(client, fonctions_temporaires):
    @jauges_metier
    def escalades_ouvertes():
        return [Jauge("akig_escalades_ouvertes", "Escalades ouvertes, par règle", etiquettes=("regle",),
                      valeurs={("impayes_critiques",): 1, ("score_agent",): 3})]

    metriques_metier_task.apply()
    series = scraper(client)

    assert series[("akig_escalades_ouvertes", (("regle", "impayes_critiques"),))] == 1
    assert series[("akig_escalades_ouvertes", (("regle", "score_agent"),))] == 3


def test_a_failing_gauge_function_does_not_hide_the_others(client, fonctions_temporaires, donnees_connues):
    @jauges_metier
    def cassee():
        raise ZeroDivisionError

    stockees = metriques_metier_task.apply().get()
    series = scraper(client)

    assert stockees == 10  # still stored: the dashboard's six gauges, the agents' scores, the escalations' three
    nom = f"{cassee.__module__}.{cassee.__qualname__}"
    assert Battement.objects.get(nom=METRIQUES_METIER).details["en_echec"] == [nom]
    assert series[("akig_jauges_metier_en_echec", (("fonction", nom),))] == 1
    assert series[("akig_impayes_critiques", ())] == 2
