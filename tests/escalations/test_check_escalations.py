"""`manage.py check_escalations` says in French, with French plurals, what the evaluation did
and the outbox as the database holds it: sent by this run, still to send, waiting for a retry
(and when), failed."""
import datetime
import io

import pytest
from django.core.management import call_command

from escalations.models import EtatMessage, Message
from tests.escalations.conftest import impayes_critiques, paris

pytestmark = pytest.mark.django_db
LUNDI_9H = paris(2026, 11, 30, 9, 0)


def _commande() -> list[str]:
    sortie = io.StringIO()
    call_command("check_escalations", stdout=sortie)
    return sortie.getvalue().splitlines()


def _messages(n: int, **etat) -> None:
    for _ in range(n):
        Message.objects.create(gabarit="impayes-critiques", destinataires=["dir@akig.local"], sujet="URGENT",
                               corps_texte="…", **etat)


@pytest.fixture(autouse=True)
def _sans_redis(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def test_nothing_to_report_names_every_state_at_zero_in_the_singular(horloge):
    horloge(LUNDI_9H)

    assert _commande() == [
        "Évaluation : rien à signaler.",
        "Boîte d'envoi : 0 e-mail envoyé, 0 e-mail à envoyer, 0 e-mail en attente d'un nouvel essai, "
        "0 e-mail en échec.",
    ]


@pytest.mark.parametrize(("n", "attendu"), [
    (1, "Boîte d'envoi : 0 e-mail envoyé, 0 e-mail à envoyer, 1 e-mail en attente d'un nouvel essai "
        "(prochain essai le 30/11/2026 à 09:02), 1 e-mail en échec."),
    (2, "Boîte d'envoi : 0 e-mail envoyé, 0 e-mail à envoyer, 2 e-mails en attente d'un nouvel essai "
        "(prochain essai le 30/11/2026 à 09:02), 2 e-mails en échec."),
])
def test_waiting_for_a_retry_and_failed_are_told_with_the_next_attempt(horloge, n, attendu):
    # Given n messages that failed once (next attempts at 09:02 and 09:04) and n that failed for good.
    horloge(LUNDI_9H)
    for i in range(n):
        _messages(1, tentatives=1, prochain_essai=LUNDI_9H + datetime.timedelta(minutes=2 * (i + 1)))
    _messages(n, etat=EtatMessage.ECHEC, tentatives=8)

    assert _commande()[1] == attendu


@pytest.mark.parametrize(("n", "attendu"), [
    (1, "Boîte d'envoi : 1 e-mail envoyé, 0 e-mail à envoyer, 0 e-mail en attente d'un nouvel essai, "
        "0 e-mail en échec."),
    (2, "Boîte d'envoi : 2 e-mails envoyés, 0 e-mail à envoyer, 0 e-mail en attente d'un nouvel essai, "
        "0 e-mail en échec."),
])
def test_sent_counts_what_this_run_sent_not_what_was_sent_before(smtp, horloge, n, attendu):
    # Given n messages due now, and one sent yesterday.
    horloge(LUNDI_9H)
    _messages(1, etat=EtatMessage.ENVOYE, envoye_le=LUNDI_9H - datetime.timedelta(days=1))
    _messages(n)

    assert _commande()[1] == attendu
    assert len(smtp.boite.messages) == n


@pytest.mark.parametrize(("n", "attendu"), [
    (1, "Boîte d'envoi : 0 e-mail envoyé, 1 e-mail à envoyer, 0 e-mail en attente d'un nouvel essai, "
        "0 e-mail en échec."),
    (2, "Boîte d'envoi : 0 e-mail envoyé, 2 e-mails à envoyer, 0 e-mail en attente d'un nouvel essai, "
        "0 e-mail en échec."),
])
def test_with_a_broker_the_emails_left_to_the_workers_are_to_send(settings, horloge, n, attendu):
    # With Redis the command leaves the sending to the workers: the messages are still to send.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    horloge(LUNDI_9H)
    _messages(n)

    assert _commande()[1] == attendu


def test_smtp_down_the_alert_waits_for_a_retry_and_the_command_says_so(smtp, gens, deux_sites, horloge,
                                                                      django_capture_on_commit_callbacks):
    # Given 12 critical debts on S02 (the per-site rule) and an SMTP server that is down.
    horloge(LUNDI_9H)
    impayes_critiques(site=deux_sites[1], nb=12)
    smtp.arreter()

    with django_capture_on_commit_callbacks(execute=True):
        sortie = _commande()

    # Then the email waits for its second attempt, 60 s after the first (AKIG_OUTBOX_DELAI_S).
    assert sortie == [
        "Évaluation : 1 escalade déclenchée.",
        "Boîte d'envoi : 0 e-mail envoyé, 0 e-mail à envoyer, 1 e-mail en attente d'un nouvel essai "
        "(prochain essai le 30/11/2026 à 09:01), 0 e-mail en échec.",
    ]
    assert Message.objects.get().tentatives == 1


def test_evaluation_counts_are_french_plurals(gens, deux_sites, horloge, django_capture_on_commit_callbacks):
    # Given 12 critical debts on each of the two sites: the per-site rule fires twice.
    horloge(LUNDI_9H)
    for site in deux_sites:
        impayes_critiques(site=site, nb=12)

    with django_capture_on_commit_callbacks(execute=True):
        assert _commande()[0] == "Évaluation : 2 escalades déclenchées."


def test_a_snoozed_condition_is_told(gens, deux_sites, horloge):
    # Given the per-site alert of S02 resolved by a person with a snooze until 10:00, the condition still true.
    from escalations.services import escalade_resoudre, escalades_evaluer

    voyage = horloge(LUNDI_9H)
    impayes_critiques(site=deux_sites[1], nb=12)
    escalades_evaluer()
    escalade_resoudre(escalade_id=Message.objects.get().escalade_id, user=gens["direction"], note="Huissier.",
                      sourdine_jusqu_au="30/11/2026 10:00", motif_sourdine="Versement à 10 h.")
    voyage.move_to(LUNDI_9H + datetime.timedelta(minutes=5))

    assert _commande()[0] == "Évaluation : 1 condition en sourdine (escalade résolue par une personne)."
