"""Fixtures of the escalation tests: the people who get the emails, a team with an agent,
intraday score snapshots, critical debts on two sites, and a real SMTP server (aiosmtpd)."""
import datetime
import email
import email.policy
import importlib
import socket
from decimal import Decimal

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.utils import timezone

from agents.models import ScoreInstantane
from tests.factories import AgentFactory, EquipeFactory, ImpayeFactory, LocataireFactory, SiteFactory, UserFactory



def paris(*args) -> datetime.datetime:
    """An aware datetime in the business time zone (Europe/Paris)."""
    return timezone.make_aware(datetime.datetime(*args), timezone.get_default_timezone())


def sourdine(heures: int = 1) -> dict:
    """The snooze fields of the resolve form: `heures` from now, with a reason (a person
    resolving an escalation whose condition still holds must give both)."""
    jusqu_au = timezone.localtime() + datetime.timedelta(hours=heures)
    return {"sourdine_jusqu_au": jusqu_au.strftime("%Y-%m-%dT%H:%M"), "motif_sourdine": "Plan d'action en cours."}


def regles_et_roles():
    """The rules and groups the migrations seed, again: a transactional test's flush removes them."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    importlib.import_module("escalations.migrations.0002_defaults").creer(apps, None)
    for nom in ("Direction", "Chef d'équipe", "PDG"):
        Group.objects.get_or_create(name=nom)


@pytest.fixture(autouse=True)
def _regles(db):
    regles_et_roles()


@pytest.fixture
def gens(db):
    """Who is told: a director, the PDG (also in Direction), a team lead and their team."""
    direction = UserFactory(username="dir@akig.local", groups=["Direction"])
    pdg = UserFactory(username="pdg@akig.local", groups=["Direction", "PDG"])
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    equipe = EquipeFactory(code="NORD", nom="Équipe Nord", chef=chef)
    agent = AgentFactory(code="AG007", nom="Lucas David", equipe=equipe)
    return {"direction": direction, "pdg": pdg, "chef": chef, "equipe": equipe, "agent": agent}


@pytest.fixture
def horloge():
    """Freeze time at a given instant: horloge(paris(2026, 11, 30, 9, 0)); move with .move_to."""
    voyages = []

    def figer(instant):
        voyage = time_machine.travel(instant, tick=False)
        voyages.append(voyage)
        return voyage.start()

    yield figer
    for voyage in reversed(voyages):
        voyage.stop()


def impayes_critiques(*, site, nb: int, montant: Decimal = Decimal("500.00"), retard: int = 61):
    """`nb` debts of `montant`, `retard` days late, each of its own tenant on `site`."""
    for _ in range(nb):
        ImpayeFactory(locataire=LocataireFactory(site=site), retard=retard, montant_du=montant)


def escalade_impayes_site(*, site, nb: int = 12):
    """`nb` critical debts of 500,00 on `site` and its open « impayés critiques » escalation."""
    from escalations.models import Regle
    from escalations.regles import Observation
    from escalations.services import escalade_declencher

    impayes_critiques(site=site, nb=nb)
    maintenant = timezone.now()
    return escalade_declencher(
        regle=Regle.objects.get(code="impayes-critiques-site"), sujet=f"site:{site.pk}", maintenant=maintenant,
        depuis=maintenant, observation=Observation(site_id=site.pk, valeur={
            "nb_impayes": nb, "montant_total": f"{nb * 500}.00", "retard_min": 60}))


@pytest.fixture
def deux_sites(db):
    return (
        SiteFactory(code="S01", nom="Les Vergers", sensible=True),
        SiteFactory(code="S02", nom="Marcadet"),
    )


def scores(agent, *, de: datetime.datetime, a: datetime.datetime, score: str | None):
    """Snapshots every 5 minutes from `de` to `a` included, all at `score`."""
    instant = de
    while instant <= a:
        ScoreInstantane.objects.update_or_create(
            agent=agent, instant=instant, defaults={"score": None if score is None else Decimal(score)}
        )
        instant += datetime.timedelta(minutes=5)


class Boite:
    """An SMTP server's mailbox: every message it accepted."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on a spare port; .arreter() / .demarrer() to simulate an outage."""
    port = port_libre()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.AKIG_BASE_URL = "https://akig.example"

    class Serveur:
        boite = Boite()
        controleur = None

        def demarrer(self):
            self.controleur = Controller(self.boite, hostname="127.0.0.1", port=port)
            self.controleur.start()

        def arreter(self):
            self.controleur.stop()
            self.controleur = None

    serveur = Serveur()
    serveur.demarrer()
    yield serveur
    if serveur.controleur:
        serveur.arreter()
