"""Fixtures of the escalation tests: the people who get the emails, a team with an agent,
intraday score snapshots, and critical debts on two sites."""
import datetime
import importlib
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from agents.models import ScoreInstantane
from tests.factories import AgentFactory, EquipeFactory, ImpayeFactory, LocataireFactory, SiteFactory, UserFactory



def paris(*args) -> datetime.datetime:
    """An aware datetime in the business time zone (Europe/Paris)."""
    return timezone.make_aware(datetime.datetime(*args), timezone.get_default_timezone())


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
