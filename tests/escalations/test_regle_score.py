"""The runbook's "Performance agent très basse" (score < 5 for 2 h) with frozen time:
pending → firing → raised → acknowledged → resolved; the pending start survives a beat
restart; only inside working hours (Paris time, winter and summer); never on leave or inactive."""
import datetime

import pytest
from django.core.management import call_command

from escalations.models import AttenteRegle, Conge, Escalade, Message
from escalations.services import escalade_prendre_en_charge, escalades_evaluer
from tests.escalations.conftest import paris, scores

pytestmark = pytest.mark.django_db
LUNDI = (2026, 11, 30)  # a Monday, UTC+1


def _attente(agent):
    return AttenteRegle.objects.filter(regle__code="score-agent-bas", sujet=f"agent:{agent.pk}").first()


def test_score_under_5_for_two_hours_fires_once_to_the_team_lead(gens, horloge):
    agent = gens["agent"]
    # Given snapshots at 3.50 every 5 minutes from 09:00 to 11:00 (Paris).
    scores(agent, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 11, 0), score="3.50")
    voyage = horloge(paris(*LUNDI, 9, 0))

    escalades_evaluer()  # 09:00: pending since 09:00
    assert _attente(agent).depuis == paris(*LUNDI, 9, 0)

    voyage.move_to(paris(*LUNDI, 10, 55))
    escalades_evaluer()  # 1 h 55 < 2 h: still pending
    assert not Escalade.objects.exists()

    voyage.move_to(paris(*LUNDI, 11, 0))
    escalades_evaluer()  # 2 h: fires
    escalades_evaluer()  # same episode: nothing more
    escalade = Escalade.objects.get()
    assert (escalade.sujet, escalade.niveau, escalade.equipe) == (f"agent:{agent.pk}", 1, gens["equipe"])
    assert escalade.valeur_declenchement["score"] == "3.50"
    assert _attente(agent) is None
    message = Message.objects.get()
    assert message.destinataires == ["chef@akig.local"]
    assert message.sujet == "Performance agent très basse - AG007 Lucas David"
    assert "L'agent Lucas David (AG007, Équipe Nord) a un score sous 5 depuis 2 h d'affilée" in message.corps_texte
    assert "(30/11/2026 09:00 → 11:00)" in message.corps_texte
    assert "Score du moment : 3,50 / 10" in message.corps_texte
    # The link opens the agent page on that day and window, not on an empty "now".
    assert f"/agents/{agent.pk}/?jour=2026-11-30&debut=09:00&fin=11:00" in message.corps_texte
    assert message.rapport_type == "agent"


def test_pending_start_survives_a_beat_restart(gens, horloge):
    agent = gens["agent"]
    scores(agent, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 11, 0), score="4.00")
    voyage = horloge(paris(*LUNDI, 9, 0))
    escalades_evaluer()  # beat, before it is restarted

    # Beat is down from 09:05 to 10:30; it (or cron's check_escalations) comes back:
    voyage.move_to(paris(*LUNDI, 10, 30))
    call_command("check_escalations")
    assert _attente(agent).depuis == paris(*LUNDI, 9, 0), "the clock was not reset"

    voyage.move_to(paris(*LUNDI, 11, 0))
    call_command("check_escalations")
    assert Escalade.objects.get().declenchee_le == paris(*LUNDI, 11, 0)


def test_a_good_snapshot_while_beat_was_down_restarts_the_clock(gens, horloge):
    agent = gens["agent"]
    scores(agent, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 11, 0), score="4.00")
    scores(agent, de=paris(*LUNDI, 10, 0), a=paris(*LUNDI, 10, 0), score="6.00")  # one good one at 10:00
    voyage = horloge(paris(*LUNDI, 9, 0))
    escalades_evaluer()
    voyage.move_to(paris(*LUNDI, 11, 0))

    escalades_evaluer()

    assert not Escalade.objects.exists()
    assert _attente(agent).depuis == paris(*LUNDI, 10, 5)  # the first low one after 10:00


@pytest.mark.parametrize("jour, utc_offset", [((2026, 11, 30), 1), ((2026, 6, 1), 2)], ids=["hiver", "ete"])
def test_working_day_starts_at_8_paris_time(gens, horloge, jour, utc_offset):
    agent = gens["agent"]
    # Low scores since 07:00 Paris; the hours before 08:00 do not count.
    scores(agent, de=paris(*jour, 7, 0), a=paris(*jour, 10, 0), score="2.00")
    voyage = horloge(paris(*jour, 7, 55))
    assert paris(*jour, 8, 0).utcoffset() == datetime.timedelta(hours=utc_offset)

    escalades_evaluer()  # 07:55: off duty
    assert _attente(agent) is None

    voyage.move_to(paris(*jour, 8, 0))
    escalades_evaluer()  # 08:00 on a working day: watched from now
    assert _attente(agent).depuis == paris(*jour, 8, 0)

    voyage.move_to(paris(*jour, 9, 55))
    escalades_evaluer()
    assert not Escalade.objects.exists()
    voyage.move_to(paris(*jour, 10, 0))
    escalades_evaluer()
    assert Escalade.objects.get().declenchee_le == paris(*jour, 10, 0)


def test_saturday_and_evening_never_trip(gens, horloge):
    agent = gens["agent"]
    scores(agent, de=paris(2026, 11, 28, 9, 0), a=paris(2026, 11, 28, 12, 0), score="1.00")  # Saturday
    scores(agent, de=paris(*LUNDI, 17, 0), a=paris(*LUNDI, 20, 0), score="1.00")
    voyage = horloge(paris(2026, 11, 28, 12, 0))
    escalades_evaluer()
    voyage.move_to(paris(*LUNDI, 17, 0))
    escalades_evaluer()  # pending from 17:00 …
    voyage.move_to(paris(*LUNDI, 18, 0))
    escalades_evaluer()  # … reset at 18:00, the end of the working day
    voyage.move_to(paris(*LUNDI, 19, 0))
    escalades_evaluer()

    assert not Escalade.objects.exists() and not AttenteRegle.objects.exists()


def test_agent_on_leave_or_inactive_never_trips(gens, horloge):
    agent = gens["agent"]
    inactif = type(agent).objects.create(code="AG099", nom="Inactif", equipe=gens["equipe"], actif=False)
    Conge.objects.create(agent=agent, debut=datetime.date(2026, 11, 30), fin=datetime.date(2026, 12, 4), motif="Congés")
    for a in (agent, inactif):
        scores(a, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 12, 0), score="1.00")
    voyage = horloge(paris(*LUNDI, 9, 0))
    for heure in (9, 10, 11, 12):
        voyage.move_to(paris(*LUNDI, heure, 0))
        escalades_evaluer()

    assert not Escalade.objects.exists() and not AttenteRegle.objects.exists()


def test_agent_escalation_raised_to_direction_then_acknowledged_then_resolved(gens, horloge):
    agent = gens["agent"]
    scores(agent, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 12, 0), score="3.00")
    scores(agent, de=paris(*LUNDI, 12, 5), a=paris(*LUNDI, 13, 0), score="6.50")
    voyage = horloge(paris(*LUNDI, 9, 0))
    escalades_evaluer()
    voyage.move_to(paris(*LUNDI, 11, 0))
    escalades_evaluer()  # fires: team lead
    voyage.move_to(paris(*LUNDI, 12, 0))
    escalades_evaluer()  # 60 min without acknowledgement: raised to Direction
    escalade = Escalade.objects.get()
    assert escalade.niveau == 2
    assert [m.destinataires for m in Message.objects.order_by("id")] == [
        ["chef@akig.local"], ["dir@akig.local", "pdg@akig.local"]
    ]
    escalade_prendre_en_charge(escalade_id=escalade.pk, user=gens["chef"])

    voyage.move_to(paris(*LUNDI, 12, 5))
    escalades_evaluer()  # 6.50: clear since 12:05
    voyage.move_to(paris(*LUNDI, 12, 35))
    escalades_evaluer()  # clear for 30 min: resolved, "résolu" email to the level reached
    escalade.refresh_from_db()
    assert escalade.etat == "resolue" and escalade.resolue_le == paris(*LUNDI, 12, 35)
    assert list(escalade.evenements.values_list("type", flat=True)) == [
        "declenchement", "relance", "prise_en_charge", "condition_levee", "resolution"
    ]
    assert Message.objects.order_by("id").last().sujet == "Résolu - Performance agent très basse - AG007 – Lucas David"


def test_agent_escalation_is_not_raised_at_night(gens, horloge):
    agent = gens["agent"]
    scores(agent, de=paris(*LUNDI, 15, 55), a=paris(*LUNDI, 18, 0), score="3.00")
    voyage = horloge(paris(*LUNDI, 16, 0))
    escalades_evaluer()
    voyage.move_to(paris(*LUNDI, 17, 55))
    escalades_evaluer()  # fires at 17:55 (pending since 15:55)
    voyage.move_to(paris(*LUNDI, 20, 0))
    escalades_evaluer()  # 2 h 05 unacknowledged, but off duty: the director is not woken up
    assert Escalade.objects.get().niveau == 1
    voyage.move_to(paris(2026, 12, 1, 8, 0))
    escalades_evaluer()  # next working morning: raised
    assert Escalade.objects.get().niveau == 2
    # The first email's window ends when it fired; the reminder's, the next morning, with its day.
    premier, relance = Message.objects.order_by("id")
    assert "(30/11/2026 15:55 → 17:55)" in premier.corps_texte
    assert "(30/11/2026 15:55 → 01/12/2026 08:00)" in relance.corps_texte


def test_email_subject_keeps_an_apostrophe_in_the_agent_name(gens, horloge):
    # Given an agent called « Aïcha N'Diaye & Fils » (an apostrophe and an ampersand): the
    # subject is a mail header, plain text, not HTML.
    agent = gens["agent"]
    type(agent).objects.filter(pk=agent.pk).update(nom="Aïcha N'Diaye & Fils")
    scores(agent, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 11, 0), score="3.50")
    voyage = horloge(paris(*LUNDI, 9, 0))
    escalades_evaluer()
    voyage.move_to(paris(*LUNDI, 11, 0))

    escalades_evaluer()

    message = Message.objects.get()
    assert message.sujet == "Performance agent très basse - AG007 Aïcha N'Diaye & Fils"
    assert "L'agent Aïcha N'Diaye & Fils (AG007" in message.corps_texte
    assert "Aïcha N&#x27;Diaye &amp; Fils" in message.corps_html  # the HTML body stays escaped


def test_agent_escalation_is_not_raised_while_the_agent_is_on_leave(gens, horloge):
    # Given an escalation fired at 11:00 (low since 09:00), then the agent goes home ill: a
    # director records a leave from today to Wednesday at 11:30.
    agent = gens["agent"]
    scores(agent, de=paris(*LUNDI, 9, 0), a=paris(*LUNDI, 11, 30), score="3.00")
    voyage = horloge(paris(*LUNDI, 9, 0))
    escalades_evaluer()
    voyage.move_to(paris(*LUNDI, 11, 0))
    escalades_evaluer()
    Conge.objects.create(agent=agent, debut=datetime.date(2026, 11, 30), fin=datetime.date(2026, 12, 2), motif="Maladie")

    # When the reminder delays pass during the leave (Monday noon, Tuesday, Wednesday):
    for instant in (paris(*LUNDI, 12, 0), paris(*LUNDI, 15, 0), paris(2026, 12, 1, 10, 0), paris(2026, 12, 2, 17, 0)):
        voyage.move_to(instant)
        escalades_evaluer()

    # Then nobody is told again: the rule does not watch an agent on leave.
    assert Escalade.objects.get().niveau == 1
    assert Message.objects.count() == 1
    # Back on Thursday and still unacknowledged: raised.
    voyage.move_to(paris(2026, 12, 3, 8, 0))
    escalades_evaluer()
    assert Escalade.objects.get().niveau == 2
