"""The outbox through a real SMTP server (aiosmtpd on a spare port): the message read back
(subject, links, the PDF attached and opening), an outage that delays and loses nothing,
a worker killed mid-send, a message that keeps failing, two evaluators at once."""
import asyncio
import datetime
import subprocess
import threading
import time

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from akig_ops.lib.taches import attendre_fond
from escalations.models import Escalade, Evenement, Message, Regle
from escalations.outbox import _reserver, outbox_vider
from escalations.regles import Observation
from escalations.services import escalade_declencher, escalades_evaluer
from tests.escalations.conftest import impayes_critiques, port_libre, regles_et_roles, sourdine

pytestmark = pytest.mark.django_db


@pytest.fixture
def douze_sur_s02(gens, deux_sites):
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)  # 12 × 500.00 = 6 000.00 €, > 10 on one site
    return s2


def test_email_read_back_from_a_real_smtp_server_with_its_pdf(smtp, douze_sur_s02, tmp_path):
    escalades_evaluer()

    assert outbox_vider() == {"envoye": 1}

    (recu,) = smtp.boite.messages
    assert recu["Subject"] == "URGENT - Impayés Critiques Détectés - S02"
    assert sorted(recu["To"].addresses, key=str)[0].addr_spec == "dir@akig.local"
    texte = recu.get_body(("plain",)).get_content()
    assert "12 impayés dépassent 60 jours pour S02 – Marcadet" in texte
    assert "Montant total: 6\u00a0000,00\u00a0€" in texte
    # A site's alert: the urgent link opens that site's page, not the list of every site.
    assert f"Lien urgent: https://akig.example/dashboard/sites/{douze_sur_s02.pk}/" in texte
    assert 'href="https://akig.example/dashboard/"' in recu.get_body(("html",)).get_content()
    (piece,) = list(recu.iter_attachments())
    assert piece.get_content_type() == "application/pdf"
    fichier = tmp_path / piece.get_filename()
    fichier.write_bytes(piece.get_content())
    infos = subprocess.run(["pdfinfo", str(fichier)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89 pts (A4)" in infos and "Pages:           2" in infos
    texte_pdf = subprocess.run(["pdftotext", "-layout", str(fichier), "-"], capture_output=True, text=True,
                               check=True).stdout
    assert "Impayés critiques — S02 Marcadet" in texte_pdf
    assert "page 1 / " in texte_pdf
    escalade = Escalade.objects.get()
    assert escalade.rapports.get().nom_fichier == piece.get_filename(), "the PDF is kept with the escalation"
    assert escalade.evenements.filter(type="notification").count() == 1


def test_a_pdf_that_fails_to_build_does_not_hold_back_the_alert(smtp, douze_sur_s02, monkeypatch):
    # Given a PDF builder that fails (WeasyPrint or a font broken on the worker):
    def pdf_en_panne(**kwargs):
        raise RuntimeError("Pango introuvable")

    monkeypatch.setattr("escalations.outbox.rapport_generer", pdf_en_panne)
    escalades_evaluer()

    # When the outbox sends the alert:
    bilan = outbox_vider()

    # Then it leaves at once, on the first attempt, without the PDF, saying so and where the
    # escalation's page is (in both bodies) …
    assert bilan == {"envoye": 1}
    (recu,) = smtp.boite.messages
    assert recu["Subject"] == "URGENT - Impayés Critiques Détectés - S02"
    assert list(recu.iter_attachments()) == []
    escalade = Escalade.objects.get()
    url = f"https://akig.example/escalations/{escalade.pk}/"
    texte = recu.get_body(("plain",)).get_content()
    assert "12 impayés dépassent 60 jours pour S02 – Marcadet" in texte
    assert f"Le rapport PDF n'a pas pu être généré ; il n'est pas joint. Tout le détail est sur la page de l'escalade : {url}" in texte
    assert "est joint à ce message" not in texte
    html = recu.get_body(("html",)).get_content()
    assert "Le rapport PDF n'a pas pu être généré ; il n'est pas joint." in html and f'href="{url}"' in html
    message = Message.objects.get()
    assert (message.etat, message.tentatives, message.rapport) == ("envoye", 1, None)
    assert url in message.corps_texte, "the outbox keeps what was sent"
    # … and the escalation's timeline shows the failed PDF, then the email.
    assert list(escalade.evenements.values_list("type", flat=True)) == [
        "declenchement", "echec_rapport", "notification"
    ]
    echec = escalade.evenements.get(type="echec_rapport")
    assert "RuntimeError: Pango introuvable" in echec.message
    assert echec.valeur == {"message_id": message.pk, "rapport_type": "impayes"}


def test_a_failed_pdf_is_on_the_timeline_once_whatever_the_smtp_retries(smtp, douze_sur_s02, monkeypatch):
    # Given a PDF builder that fails and an SMTP server down for the first two attempts:
    def pdf_en_panne(**kwargs):
        raise RuntimeError("Pango introuvable")

    monkeypatch.setattr("escalations.outbox.rapport_generer", pdf_en_panne)
    smtp.arreter()
    escalades_evaluer()
    assert outbox_vider() == {"reessai": 1}
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        assert outbox_vider() == {"reessai": 1}
    smtp.demarrer()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61 + 181)):
        assert outbox_vider() == {"envoye": 1}

    # Then three attempts tried the PDF, and the timeline says once that it failed.
    assert Message.objects.get().tentatives == 3
    assert Escalade.objects.get().evenements.filter(type="echec_rapport").count() == 1


def test_an_attached_pdf_is_announced_in_both_bodies(smtp, douze_sur_s02):
    escalades_evaluer()

    outbox_vider()

    (recu,) = smtp.boite.messages
    assert "Le rapport PDF est joint à ce message." in recu.get_body(("plain",)).get_content()
    assert "Le rapport PDF est joint à ce message." in recu.get_body(("html",)).get_content()


def test_smtp_outage_delays_the_mail_and_it_goes_once_when_the_server_returns(smtp, douze_sur_s02):
    smtp.arreter()
    escalades_evaluer()

    assert outbox_vider() == {"reessai": 1}
    message = Message.objects.get()
    assert (message.etat, message.tentatives) == ("en_attente", 1)
    assert "ConnectionRefusedError" in message.derniere_erreur
    assert message.rapport is not None, "the PDF is built once, kept for the retries"

    smtp.demarrer()
    assert outbox_vider() == {}, "not due before its backoff (60 s)"
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        assert outbox_vider() == {"envoye": 1}
        assert outbox_vider() == {}
    assert len(smtp.boite.messages) == 1
    message.refresh_from_db()
    assert (message.etat, message.tentatives, message.derniere_erreur) == ("envoye", 2, "")


def test_worker_killed_while_sending_the_message_goes_once_after_its_lease(smtp, douze_sur_s02):
    escalades_evaluer()
    message = Message.objects.get()
    # A worker claims it, then is killed (SIGKILL) before the SMTP server accepted anything.
    assert _reserver(message.pk, timezone.now())

    assert outbox_vider() == {}, "another worker does not take a claimed message"
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=601)):
        assert outbox_vider() == {"envoye": 1}
        assert outbox_vider() == {}
    assert len(smtp.boite.messages) == 1


def test_a_message_whose_workers_keep_dying_fails_after_its_attempts(smtp, douze_sur_s02, settings):
    # Given a message whose PDF kills every worker that builds it (out of memory): each
    # worker claims it, then dies without reporting back.
    settings.AKIG_OUTBOX_TENTATIVES = 2
    escalades_evaluer()
    message = Message.objects.get()
    debut = timezone.now()
    assert _reserver(message.pk, debut)  # attempt 1: the worker is killed
    assert _reserver(message.pk, debut + datetime.timedelta(seconds=601))  # attempt 2: killed too

    # When the sweep finds it again once the second lease has expired:
    with time_machine.travel(debut + datetime.timedelta(seconds=1202)):
        bilan = outbox_vider()

    # Then it is not tried a third time (it would kill a third worker, then a fourth…):
    # it is failed and the escalation says so.
    assert bilan == {"echec": 1}
    assert smtp.boite.messages == []
    message.refresh_from_db()
    assert (message.etat, message.tentatives) == ("echec", 2)
    echec = Evenement.objects.get(type="echec_envoi")
    assert echec.escalade == Escalade.objects.get()
    assert "jamais abouti" in message.derniere_erreur


def test_a_message_that_keeps_failing_shows_on_its_escalation(smtp, douze_sur_s02, settings):
    settings.AKIG_OUTBOX_TENTATIVES = 2
    smtp.arreter()
    escalades_evaluer()
    outbox_vider()
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=61)):
        assert outbox_vider() == {"echec": 1}

    message = Message.objects.get()
    assert (message.etat, message.tentatives) == ("echec", 2)
    echec = Evenement.objects.get(type="echec_envoi")
    assert echec.escalade == Escalade.objects.get()
    assert "ConnectionRefusedError" in echec.message


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_evaluators_at_once_open_one_escalation_and_send_one_email(gens, deux_sites, mailoutbox):
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)
    depart = threading.Barrier(2)
    erreurs = []

    def evaluateur():
        try:
            depart.wait()
            escalades_evaluer()
        except Exception as erreur:  # pragma: no cover - reported below
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=evaluateur) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()

    assert erreurs == []
    assert Escalade.objects.count() == 1
    assert Message.objects.count() == 1
    assert Evenement.objects.filter(type="declenchement").count() == 1


@pytest.mark.redis
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_the_outbox_message_through_redis_and_smtp(smtp, gens, deux_sites):
    """Production's path: the task goes through Redis to a real `celery worker`, which builds
    the PDF and talks to the SMTP server."""
    import os
    import sys
    import uuid

    from django.conf import settings

    from escalations.tasks import message_send_task

    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)
    with transaction.atomic():
        escalades_evaluer()
    message = Message.objects.get()
    file = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {**os.environ, "SECRET_KEY": settings.SECRET_KEY,
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
           "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(settings.EMAIL_PORT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "akig_ops", "worker", "--pool=solo", "-Q", file,
         "--without-mingle", "--without-gossip", "--loglevel=WARNING"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        assert message_send_task.apply_async(args=[message.pk], queue=file).get(timeout=90) in ("envoye", "ignore")
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    message.refresh_from_db()
    assert message.etat == "envoye"
    (recu,) = smtp.boite.messages  # once: the on_commit send went to the default queue, unconsumed here
    assert recu["Subject"] == "URGENT - Impayés Critiques Détectés - S02"
    assert [p.get_content_type() for p in recu.iter_attachments()] == ["application/pdf"]


class BoiteBloquee:
    """An SMTP server that accepts the connection, then never answers the message's DATA."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(60)
        return "250 OK"


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_hung_smtp_server_does_not_hold_the_page(client, settings, gens):
    # Given no broker (eager tasks) and an SMTP server that hangs on every message for longer
    # than EMAIL_TIMEOUT (3 s here), an escalation of the team lead's agent (its firing email
    # already tried once: nothing listened yet).
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("un broker est configuré (REDIS_URL) : l'envoi passe par Celery, jamais par la requête ; "
                    "ce cas ne se pose que sans broker (configuration SQLite du CI)")
    regles_et_roles()
    port = port_libre()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 3
    maintenant = timezone.now()
    escalade = escalade_declencher(
        regle=Regle.objects.get(code="score-agent-bas"), sujet=f"agent:{gens['agent'].pk}",
        observation=Observation(valeur={"score": "3.00", "seuil": "5"}, agent_id=gens["agent"].pk,
                                equipe_id=gens["equipe"].pk),
        depuis=maintenant, maintenant=maintenant)
    controleur = Controller(BoiteBloquee(), hostname="127.0.0.1", port=port)
    controleur.start()
    try:
        client.force_login(gens["chef"])
        # When the lead resolves it (an email to send), the page answers at once.
        debut = time.perf_counter()
        reponse = client.post(reverse("escalations:resoudre", args=[escalade.pk]), {"note": "Agent recadré.", **sourdine()})
        duree = time.perf_counter() - debut
        assert reponse.status_code == 302
        assert duree < 1.0, f"{duree:.2f} s"
        # The sending goes on in the background, bounded by EMAIL_TIMEOUT, and the message
        # waits in the outbox for its next attempt: nothing lost.
        assert attendre_fond(10)
    finally:
        controleur.stop()
    resolution = Message.objects.get(escalade=escalade, rapport_type="")
    assert (resolution.etat, resolution.tentatives) == ("en_attente", 1)
    assert "timed out" in resolution.derniere_erreur or "Timeout" in resolution.derniere_erreur
