"""Admin of both apps: staff only, and a number of queries per page that does not grow with rows."""
import datetime

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agents.models import AgentGeolocalisation, Agent, Equipe, Mission, PerformanceHistorique
from recovery.models import Impaye, ImpayeSolde, Locataire, RecouvrementAction, Site
from tests.factories import (
    ActionFactory,
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    ImpayeSoldeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    PositionFactory,
    SiteFactory,
)

pytestmark = [
    pytest.mark.django_db,
    # WhiteNoise notes that STATIC_ROOT is not built; tests do not run collectstatic.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

DEBUT = datetime.datetime(2025, 6, 2, 9, 0, tzinfo=datetime.UTC)

# Each builder adds n rows of its model under the shared parents of the `parents` fixture;
# sequences keep (agent, date_stat) and (agent, timestamp) unique across calls.
BUILDERS = {
    Site: lambda p, n: SiteFactory.create_batch(n),
    Locataire: lambda p, n: LocataireFactory.create_batch(n, site=p["site"]),
    Impaye: lambda p, n: ImpayeFactory.create_batch(n, locataire=p["locataire"], retard=61),
    ImpayeSolde: lambda p, n: ImpayeSoldeFactory.create_batch(n, locataire=p["locataire"]),
    RecouvrementAction: lambda p, n: ActionFactory.create_batch(
        n, agent=p["agent"], locataire=p["locataire"]
    ),
    Equipe: lambda p, n: EquipeFactory.create_batch(n, chef=p["chef"]),
    Agent: lambda p, n: AgentFactory.create_batch(n, equipe=p["equipe"]),
    Mission: lambda p, n: MissionFactory.create_batch(n, agent=p["agent"], site=p["site"]),
    PerformanceHistorique: lambda p, n: PerformanceFactory.create_batch(
        n, agent=p["agent"], date_stat=factory.Sequence(lambda i: DEBUT.date() - datetime.timedelta(i))
    ),
    AgentGeolocalisation: lambda p, n: PositionFactory.create_batch(
        n, agent=p["agent"], timestamp=factory.Sequence(lambda i: DEBUT - datetime.timedelta(minutes=i))
    ),
}
MODELS = pytest.mark.parametrize("model", BUILDERS, ids=lambda model: model.__name__)


@pytest.fixture
def parents(django_user_model):
    """One of each parent row (the chef has no password: no hashing to wait for)."""
    chef = django_user_model.objects.create_user(username="chef@akig.local")
    site = SiteFactory()
    equipe = EquipeFactory(chef=chef)
    return {
        "chef": chef,
        "site": site,
        "locataire": LocataireFactory(site=site),
        "equipe": equipe,
        "agent": AgentFactory(equipe=equipe),
    }


@pytest.fixture
def superuser_client(client, django_user_model):
    pdg = django_user_model.objects.create_superuser(username="pdg@akig.local", password=None)
    client.force_login(pdg)
    return client


def changelist_url(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


@MODELS
def test_admin_changelist_queries_do_not_grow_with_rows(superuser_client, parents, model):
    BUILDERS[model](parents, 3)
    # A first visit fills per-process caches (content types): measure warm pages only.
    queries_for(superuser_client, changelist_url(model))
    queries_with_3_rows = queries_for(superuser_client, changelist_url(model))

    BUILDERS[model](parents, 27)

    assert queries_for(superuser_client, changelist_url(model)) == queries_with_3_rows
    assert queries_with_3_rows <= 10


@MODELS
def test_admin_changelist_search_runs(superuser_client, parents, model):
    BUILDERS[model](parents, 2)

    response = superuser_client.get(changelist_url(model), {"q": "AG001"})

    assert response.status_code == 200


@MODELS
def test_admin_change_page_bounded_queries(
    superuser_client, parents, model, django_assert_max_num_queries
):
    (obj,) = BUILDERS[model](parents, 1)

    with django_assert_max_num_queries(8):
        response = superuser_client.get(change_url(obj))

    assert response.status_code == 200


@MODELS
def test_admin_pages_refused_to_anonymous_and_non_staff(client, django_user_model, parents, model):
    (obj,) = BUILDERS[model](parents, 1)
    login = "/admin/login/"

    for url in (changelist_url(model), change_url(obj)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(login)

    client.force_login(django_user_model.objects.create_user(username="agent@akig.local"))
    for url in (changelist_url(model), change_url(obj)):
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response.url.startswith(login)


def test_admin_impaye_retard_filter_counts_like_the_runbook(superuser_client, parents):
    # 60 days late is not "more than 60 days"; 61 is.
    for retard in (60, 61, 90):
        ImpayeFactory(locataire=parents["locataire"], retard=retard)

    response = superuser_client.get(changelist_url(Impaye), {"retard": "60"})

    assert response.status_code == 200
    retards = [(timezone.localdate() - i.date_echeance).days for i in response.context["cl"].result_list]
    assert sorted(retards) == [61, 90]
