"""The test data builders (tests/factories.py): a test gets the same codes whatever ran before it
in the process, and never a code that a test writes by hand."""
import pytest

from agents.models import Equipe
from tests.factories import AgentFactory, ImpayeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("passage", [1, 2])
def test_each_test_builds_the_same_codes_whatever_ran_before(passage):
    # The second run follows the first in the same process: same codes, not the next ones.
    assert [agent.code for agent in AgentFactory.create_batch(3)] == ["AGF000", "AGF001", "AGF002"]
    assert sorted(Equipe.objects.values_list("code", flat=True)) == ["EQ00", "EQ01", "EQ02"]
    assert ImpayeFactory().reference == "IMP-000000"


def test_factory_agents_never_take_a_code_written_by_hand():
    # Eight built agents beside AG007 (the escalation tests' agent): the 7th was AG007 before.
    AgentFactory(code="AG007")
    assert [agent.code for agent in AgentFactory.create_batch(8)] == [f"AGF00{n}" for n in range(1, 9)]
