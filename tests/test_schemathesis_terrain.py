"""schemathesis over the field API's OpenAPI description, in-process (WSGI): a few hundred
generated requests per run (120 per operation), never a 5xx."""
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from agents.api import api
from agents.services import jeton_creer
from akig_ops.wsgi import application
from tests.factories import AgentFactory, ImpayeFactory, LocataireFactory

pytestmark = pytest.mark.django_db

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/terrain/"))
schema.app = application


@pytest.fixture(autouse=True)
def _connexion_gardee():
    """The WSGI app called directly sends request_started/finished, whose close_old_connections
    would close the test's connection (and its transaction) on PostgreSQL: Django's test client
    disconnects them in the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def jeton():
    locataire = LocataireFactory(code="L1")
    ImpayeFactory(reference="I1", locataire=locataire)
    return jeton_creer(agent_id=AgentFactory(code="AG1").id)


@schema.parametrize()
@settings(max_examples=120, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_field_api_never_answers_5xx(case, jeton):
    reponse = case.call(headers={"Authorization": f"Bearer {jeton}"})

    assert reponse.status_code < 500, (case.path, case.body, reponse.text[:500])
    case.validate_response(reponse, checks=[schemathesis.checks.not_a_server_error])
