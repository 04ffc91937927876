"""The runbook's "Impayés critiques" rule walked through its life with frozen time:
the threshold (exactly 50 does not fire), one escalation and one email per episode,
a reminder one level up, acknowledgement, automatic resolution with a "résolu" email."""
import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError

from akig_ops.models import Battement
from akig_ops.services import EVALUATION_ESCALADES
from escalations.models import AttenteRegle, Escalade, Evenement, Message, Regle
from escalations.services import (
    Refus,
    escalade_declencher,
    escalade_prendre_en_charge,
    escalades_evaluer,
)
from escalations.regles import Observation
from recovery.models import Impaye
from tests.escalations.conftest import impayes_critiques, paris

pytestmark = pytest.mark.django_db
LUNDI_9H = paris(2026, 11, 30, 9, 0)


def _types(escalade):
    return list(escalade.evenements.order_by("instant", "id").values_list("type", flat=True))


def test_impayes_critiques_exactly_50_does_not_fire(gens, deux_sites, horloge):
    # Given 30 + 20 = 50 debts more than 60 days late, and 5 exactly 60 days late (not critical).
    horloge(LUNDI_9H)
    s1, s2 = deux_sites
    impayes_critiques(site=s1, nb=30)
    impayes_critiques(site=s2, nb=20)
    impayes_critiques(site=s2, nb=5, retard=60)

    bilan = escalades_evaluer()

    assert not Escalade.objects.filter(regle__code="impayes-critiques").exists()
    # The per-site rule (> 10 on one site) fires for both sites: 30 and 20.
    assert set(Escalade.objects.values_list("sujet", flat=True)) == {f"site:{s1.pk}", f"site:{s2.pk}"}
    assert bilan == {"declenchees": 2}
    assert Battement.objects.get(nom=EVALUATION_ESCALADES).details == {"declenchees": 2}


def test_impayes_critiques_51_fires_once_to_pdg_and_direction(gens, deux_sites, horloge):
    # Given 31 debts of 500.00 on S01 and 20 of 250.50 on S02, all 61 days late:
    # 51 impayés, 31 × 500.00 + 20 × 250.50 = 15 500.00 + 5 010.00 = 20 510.00 €.
    horloge(LUNDI_9H)
    s1, s2 = deux_sites
    impayes_critiques(site=s1, nb=31)
    impayes_critiques(site=s2, nb=20, montant=Decimal("250.50"))
    Regle.objects.filter(code="impayes-critiques-site").update(active=False)

    escalades_evaluer()
    escalades_evaluer()  # the next run (5 minutes later in production): same episode

    escalade = Escalade.objects.get()
    assert (escalade.sujet, escalade.etat, escalade.niveau) == ("global", "declenchee", 3)
    assert escalade.valeur_declenchement["nb_impayes"] == 51
    assert escalade.valeur_declenchement["montant_total"] == "20510.00"
    assert escalade.valeur_declenchement["sites"] == ["S01", "S02"]  # largest amount first
    message = Message.objects.get()
    assert message.destinataires == ["dir@akig.local", "pdg@akig.local"]
    assert message.sujet == "URGENT - Impayés Critiques Détectés"
    assert "51 impayés dépassent 60 jours pour S01, S02" in message.corps_texte
    assert "Montant total: 20\u00a0510,00\u00a0€" in message.corps_texte
    assert "Dashboard: http://akig.test/dashboard/" in message.corps_texte
    assert "Lien urgent: http://akig.test/dashboard/impayes?filter=retard:60+" in message.corps_texte
    assert f"http://akig.test/escalations/{escalade.pk}/" in message.corps_texte
    assert 'href="http://akig.test/dashboard/impayes?filter=retard:60+"' in message.corps_html
    assert message.rapport_type == "impayes"
    assert _types(escalade) == ["declenchement"]


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.AKIG_BASE_URL = "http://akig.test"


def test_second_evaluator_loses_the_insert_and_sends_nothing(gens, deux_sites, horloge):
    # Given two evaluators that both saw the condition before either wrote anything.
    horloge(LUNDI_9H)
    regle = Regle.objects.get(code="impayes-critiques")
    observation = Observation(valeur={"nb_impayes": 51, "montant_total": "20510.00", "sites": ["S01"], "nb_sites": 1})

    premiere = escalade_declencher(regle=regle, sujet="global", observation=observation,
                                   depuis=LUNDI_9H, maintenant=LUNDI_9H)
    seconde = escalade_declencher(regle=regle, sujet="global", observation=observation,
                                  depuis=LUNDI_9H, maintenant=LUNDI_9H)

    assert premiere is not None and seconde is None
    assert Escalade.objects.count() == 1 and Message.objects.count() == 1
    assert Evenement.objects.count() == 1


def test_another_integrity_error_is_not_taken_for_the_other_evaluator(gens, deux_sites, horloge, monkeypatch):
    # Given no open escalation, a write that fails on another constraint (here the timeline's
    # insert, made to fail): the error surfaces and nothing is half-written.
    horloge(LUNDI_9H)
    regle = Regle.objects.get(code="impayes-critiques")
    observation = Observation(valeur={"nb_impayes": 51, "montant_total": "20510.00", "sites": ["S01"], "nb_sites": 1})

    def echoue(*args, **kwargs):
        raise IntegrityError('new row violates check constraint "autre"')

    monkeypatch.setattr(Evenement.objects, "create", echoue)
    with pytest.raises(IntegrityError):
        escalade_declencher(regle=regle, sujet="global", observation=observation, depuis=LUNDI_9H, maintenant=LUNDI_9H)
    assert Escalade.objects.count() == 0 and Message.objects.count() == 0


def test_site_rule_raised_acknowledged_then_resolved_automatically(gens, deux_sites, horloge):
    # Given 12 critical debts on S02 (> 10: the per-site rule), 12 in all (< 50: not overall).
    voyage = horloge(LUNDI_9H)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)

    escalades_evaluer()  # 09:00 fires, tells Direction (level 2)
    escalade = Escalade.objects.get()
    assert escalade.niveau == 2
    assert Message.objects.get().destinataires == ["dir@akig.local", "pdg@akig.local"]

    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=239))
    escalades_evaluer()  # 12:59: 239 min unacknowledged < 240: nothing yet
    assert Escalade.objects.get().niveau == 2 and Message.objects.count() == 1

    # Meanwhile 3 more debts of S02 pass 60 days: 15 debts, 7 500,00 €.
    impayes_critiques(site=s2, nb=3)
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=240))
    escalades_evaluer()  # 13:00: raised to PDG, told again
    escalade.refresh_from_db()
    assert escalade.niveau == 3 and escalade.etat == "declenchee"
    relance = Message.objects.order_by("id").last()
    assert relance.sujet == "[Relance] URGENT - Impayés Critiques Détectés - S02"
    # The reminder tells where things stand now, not at 09:00 (12 debts, 6 000,00 €).
    assert "15 impayés dépassent 60 jours pour S02 – Marcadet" in relance.corps_texte
    assert "Montant total: 7\u00a0500,00\u00a0€" in relance.corps_texte
    premier = Message.objects.order_by("id").first()
    assert "12 impayés dépassent 60 jours" in premier.corps_texte

    escalade_prendre_en_charge(escalade_id=escalade.pk, user=gens["direction"])
    with pytest.raises(Refus):
        escalade_prendre_en_charge(escalade_id=escalade.pk, user=gens["pdg"])
    voyage.move_to(LUNDI_9H + datetime.timedelta(hours=9))
    escalades_evaluer()  # acknowledged: no more reminders
    assert Message.objects.count() == 2

    # The debts are paid (they leave `impayes`): the condition clears at 18:00 …
    Impaye.objects.all().delete()
    escalades_evaluer()
    escalade.refresh_from_db()
    assert escalade.levee_depuis == LUNDI_9H + datetime.timedelta(hours=9)
    voyage.move_to(LUNDI_9H + datetime.timedelta(hours=9, minutes=59))
    escalades_evaluer()
    assert Escalade.objects.get().etat == "prise_en_charge"

    voyage.move_to(LUNDI_9H + datetime.timedelta(hours=10))  # … and stayed clear 60 min
    escalades_evaluer()
    escalade.refresh_from_db()
    assert escalade.etat == "resolue" and escalade.resolue_par is None
    assert escalade.resolue_le == paris(2026, 11, 30, 19, 0)
    resolu = Message.objects.order_by("id").last()
    assert resolu.sujet == "Résolu - Impayés critiques sur un site - S02 – Marcadet"
    assert resolu.rapport_type == ""
    assert _types(escalade) == [
        "declenchement", "relance", "prise_en_charge", "condition_levee", "resolution"
    ]
    assert escalade.evenements.get(type="prise_en_charge").auteur == gens["direction"]


def test_condition_back_before_the_delay_keeps_the_escalation_open(gens, deux_sites, horloge):
    voyage = horloge(LUNDI_9H)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=11)
    escalades_evaluer()
    Impaye.objects.filter(pk=Impaye.objects.first().pk).delete()  # 10: clear
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=5))
    escalades_evaluer()
    impayes_critiques(site=s2, nb=1)  # 11 again within the hour
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=10))
    escalades_evaluer()

    escalade = Escalade.objects.get()
    assert escalade.etat == "declenchee" and escalade.levee_depuis is None
    assert _types(escalade) == ["declenchement", "condition_levee", "condition_revenue"]


def test_check_escalations_command_evaluates_and_sends_without_redis(gens, deux_sites, horloge, settings, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    # No Redis: Celery eager, the command sends at once (the PDF is built on the way).
    settings.CELERY_TASK_ALWAYS_EAGER = True
    horloge(LUNDI_9H)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=11)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_escalations")

    assert [m.subject for m in mailoutbox] == ["URGENT - Impayés Critiques Détectés - S02"]
    assert mailoutbox[0].attachments[0][0].startswith("impayes-critiques-")
    assert Message.objects.get().etat == "envoye"
    assert Escalade.objects.get().evenements.filter(type="notification").count() == 1
    assert not AttenteRegle.objects.exists()


def test_impayes_rule_with_a_duration_waits_pending_then_fires(gens, deux_sites, horloge):
    # A director asks the overall rule to hold 15 minutes before firing (admin).
    Regle.objects.filter(code="impayes-critiques").update(duree_min=15)
    Regle.objects.filter(code="impayes-critiques-site").update(active=False)
    voyage = horloge(LUNDI_9H)
    s1, _ = deux_sites
    impayes_critiques(site=s1, nb=51)

    escalades_evaluer()
    attente = AttenteRegle.objects.get()
    assert (attente.sujet, attente.depuis, attente.derniere_valeur["nb_impayes"]) == ("global", LUNDI_9H, 51)
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=10))
    assert escalades_evaluer() == {"en_attente": 1}
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=15))
    assert escalades_evaluer() == {"declenchees": 1}
    assert datetime.datetime.fromisoformat(Escalade.objects.get().valeur_declenchement["depuis"]) == LUNDI_9H
    assert not AttenteRegle.objects.exists()


def test_resolved_email_subject_keeps_an_apostrophe_in_the_site_name(gens, horloge):
    # Given « Résidence l'Orée » with 11 critical debts (> 10: the per-site rule fires).
    from tests.factories import SiteFactory

    voyage = horloge(LUNDI_9H)
    site = SiteFactory(code="S03", nom="Résidence l'Orée")
    impayes_critiques(site=site, nb=11)
    escalades_evaluer()
    Impaye.objects.all().delete()
    escalades_evaluer()  # clear since 09:00
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=60))

    escalades_evaluer()  # clear for 60 min: resolved

    resolu = Message.objects.order_by("id").last()
    assert resolu.sujet == "Résolu - Impayés critiques sur un site - S03 – Résidence l'Orée"
    assert "(S03 – Résidence l'Orée) est résolue." in resolu.corps_texte


def test_slow_evaluator_does_not_resolve_an_escalation_whose_condition_came_back(gens, deux_sites, horloge):
    # Given a site escalation whose condition has been clear since 09:05 (10 debts: not > 10).
    from escalations.services import _condition_levee, _condition_tient

    voyage = horloge(LUNDI_9H)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=11)
    escalades_evaluer()
    Impaye.objects.filter(pk=Impaye.objects.first().pk).delete()
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=5))
    escalades_evaluer()
    # At 10:05 a slow evaluator A reads it (clear for 60 min: due for resolution) …
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=65))
    lue_par_a = Escalade.objects.select_related("regle").get()
    # … evaluator B, meanwhile, sees 11 debts again: the condition is back.
    impayes_critiques(site=s2, nb=1)
    _condition_tient(escalade=Escalade.objects.get(), observation=Observation(valeur={"nb_impayes": 11}),
                     maintenant=LUNDI_9H + datetime.timedelta(minutes=65))

    # When A acts on what it read:
    resolue = _condition_levee(escalade=lue_par_a, maintenant=LUNDI_9H + datetime.timedelta(minutes=65))

    # Then nothing: the state A read is gone (no "résolu" email about a condition that holds).
    escalade = Escalade.objects.get()
    assert resolue is False
    assert (escalade.etat, escalade.levee_depuis) == ("declenchee", None)
    assert _types(escalade) == ["declenchement", "condition_levee", "condition_revenue"]
    assert Message.objects.count() == 1


def test_no_reminder_while_the_condition_is_clear(gens, deux_sites, horloge):
    # Given 12 critical debts on S02: the per-site rule fires at 09:00 (Direction, reminder
    # after 240 min, resolved after 60 min clear).
    voyage = horloge(LUNDI_9H)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)
    escalades_evaluer()
    # The debts are paid at 12:30: clear since then.
    voyage.move_to(paris(2026, 11, 30, 12, 30))
    Impaye.objects.all().delete()
    escalades_evaluer()

    # When 13:00 comes (240 min unacknowledged) and then 13:30 (60 min clear):
    voyage.move_to(paris(2026, 11, 30, 13, 0))
    escalades_evaluer()
    escalade = Escalade.objects.get()
    assert escalade.niveau == 2, "the PDG is not told of a condition that has already cleared"
    voyage.move_to(paris(2026, 11, 30, 13, 30))
    escalades_evaluer()

    # Then: fired, cleared, resolved; two emails (the alert, then « Résolu »), no reminder.
    escalade.refresh_from_db()
    assert escalade.etat == "resolue"
    assert _types(escalade) == ["declenchement", "condition_levee", "resolution"]
    assert [m.sujet for m in Message.objects.order_by("id")] == [
        "URGENT - Impayés Critiques Détectés - S02", "Résolu - Impayés critiques sur un site - S02 – Marcadet",
    ]


def test_reminder_resumes_when_the_condition_comes_back(gens, deux_sites, horloge):
    voyage = horloge(LUNDI_9H)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=11)
    escalades_evaluer()  # 09:00 fires
    voyage.move_to(paris(2026, 11, 30, 12, 55))
    Impaye.objects.filter(pk=Impaye.objects.first().pk).delete()
    escalades_evaluer()  # 12:55: 10, clear
    voyage.move_to(paris(2026, 11, 30, 13, 0))
    escalades_evaluer()  # 13:00: due, but clear: no reminder
    assert Escalade.objects.get().niveau == 2

    voyage.move_to(paris(2026, 11, 30, 13, 5))
    impayes_critiques(site=s2, nb=1)
    escalades_evaluer()  # 13:05: 11 again, still unacknowledged: raised now

    assert Escalade.objects.get().niveau == 3
    assert Message.objects.order_by("id").last().sujet == "[Relance] URGENT - Impayés Critiques Détectés - S02"



def test_no_reminder_once_a_director_deactivates_the_rule(gens, deux_sites, horloge):
    # Given the per-site rule fired at 09:00, then deactivated by a director in the admin.
    voyage = horloge(LUNDI_9H)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)
    escalades_evaluer()
    Regle.objects.filter(code="impayes-critiques-site").update(active=False)

    voyage.move_to(paris(2026, 11, 30, 13, 0))  # 240 min unacknowledged
    escalades_evaluer()

    assert Escalade.objects.get().niveau == 2
    assert Message.objects.count() == 1


def test_reminders_at_the_pdg_level_only_in_working_hours_and_once_a_working_day(gens, deux_sites, horloge):
    # Given 51 critical debts: the overall rule fires on Monday at 20:00 straight to the PDG
    # (its first level), reminder after 120 min unacknowledged (the per-site rule is off).
    voyage = horloge(paris(2026, 11, 30, 20, 0))
    Regle.objects.filter(code="impayes-critiques-site").update(active=False)
    s1, _ = deux_sites
    impayes_critiques(site=s1, nb=51)
    escalades_evaluer()
    escalade = Escalade.objects.get()
    assert escalade.niveau == 3 and Message.objects.count() == 1

    def relances_a(*instant) -> int:
        voyage.move_to(paris(*instant))
        avant = Message.objects.count()
        escalades_evaluer()
        return Message.objects.count() - avant

    # When the evaluations go on, unacknowledged: no reminder at night …
    assert relances_a(2026, 11, 30, 22, 0) == 0
    assert relances_a(2026, 12, 1, 3, 0) == 0
    # … one when the working day begins, then none for the rest of that day …
    assert relances_a(2026, 12, 1, 8, 0) == 1
    assert relances_a(2026, 12, 1, 10, 0) == 0
    assert relances_a(2026, 12, 1, 17, 55) == 0
    # … and one the next working day.
    assert relances_a(2026, 12, 2, 8, 0) == 1

    # Then the PDG got the alert and one reminder a working day, each on the timeline.
    assert [m.sujet for m in Message.objects.order_by("id")] == [
        "URGENT - Impayés Critiques Détectés",
        "[Relance] URGENT - Impayés Critiques Détectés",
        "[Relance] URGENT - Impayés Critiques Détectés",
    ]
    assert _types(escalade) == ["declenchement", "relance", "relance"]


def test_raise_to_the_pdg_is_not_held_until_working_hours(gens, deux_sites, horloge):
    # Given the per-site rule fired at 18:00 to Direction (reminder after 240 min):
    voyage = horloge(paris(2026, 11, 30, 18, 0))
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)
    escalades_evaluer()

    # When nobody acknowledged it by 22:00:
    voyage.move_to(paris(2026, 11, 30, 22, 0))
    escalades_evaluer()

    # Then the PDG is told then: only the repeats at the top level wait for the working day.
    assert Escalade.objects.get().niveau == 3
    assert Message.objects.count() == 2
