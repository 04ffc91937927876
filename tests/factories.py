"""Test data builders. Every test states the figures it relies on; these only fill the rest."""
import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from agents.models import AgentGeolocalisation, Agent, Equipe, Mission, PerformanceHistorique, ScoreInstantane
from recovery.models import Impaye, ImpayeSolde, Locataire, RecouvrementAction, Site


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@akig.local")
    email = factory.LazyAttribute(lambda u: u.username)
    password = factory.django.Password("motdepasse-test")

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        for name in names or ():
            # get_or_create: a transactional test (browser, real worker) flushes the
            # tables after itself, groups created by the migrations included.
            self.groups.add(Group.objects.get_or_create(name=name)[0])


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    code = factory.Sequence(lambda n: f"S{n:03d}")
    nom = factory.Sequence(lambda n: f"Résidence {n}")
    adresse = "1 rue de la Paix, Paris"
    latitude = 48.8566
    longitude = 2.3522


class LocataireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locataire

    code = factory.Sequence(lambda n: f"L{n:05d}")
    nom = factory.Sequence(lambda n: f"Locataire {n}")
    site = factory.SubFactory(SiteFactory)
    logement = "A1"


class _EcheanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    reference = factory.Sequence(lambda n: f"IMP-{n:06d}")
    locataire = factory.SubFactory(LocataireFactory)
    site = factory.LazyAttribute(lambda i: i.locataire.site)
    date_echeance = factory.LazyFunction(timezone.localdate)
    periode = factory.LazyAttribute(lambda i: i.date_echeance.replace(day=1))
    montant_du = Decimal("500.00")


class ImpayeFactory(_EcheanceFactory):
    """An outstanding debt; pass `retard=N` to make it N days late today."""

    class Meta:
        model = Impaye

    class Params:
        retard = None

    montant_paye = Decimal("0.00")

    @factory.lazy_attribute
    def date_echeance(self):
        if self.retard is None:
            return timezone.localdate()
        return timezone.localdate() - datetime.timedelta(days=self.retard)


class ImpayeSoldeFactory(_EcheanceFactory):
    class Meta:
        model = ImpayeSolde

    montant_paye = factory.LazyAttribute(lambda i: i.montant_du)


class EquipeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipe

    code = factory.Sequence(lambda n: f"EQ{n:02d}")
    nom = factory.Sequence(lambda n: f"Équipe {n}")
    chef = factory.SubFactory(UserFactory, groups=["Chef d'équipe"])


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    # Not AKIG's shape (AG + 3 digits): the tests name their agents AG001, AG007… by hand.
    code = factory.Sequence(lambda n: f"AGF{n:03d}")
    nom = factory.Sequence(lambda n: f"Agent {n}")
    equipe = factory.SubFactory(EquipeFactory)


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mission

    reference = factory.Sequence(lambda n: f"MIS-{n:06d}")
    agent = factory.SubFactory(AgentFactory)
    site = factory.SubFactory(SiteFactory)
    date_prevue = factory.LazyFunction(timezone.localdate)
    heure_debut = datetime.time(9, 0)
    heure_fin = datetime.time(11, 0)
    status = "planifiee"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecouvrementAction

    reference = factory.Sequence(lambda n: f"ACT-{n:06d}")
    agent = factory.SubFactory(AgentFactory)
    locataire = factory.SubFactory(LocataireFactory)
    type_action = "visite"
    statut = "realisee"
    montant_recouvre = Decimal("0.00")
    date_action = factory.LazyFunction(timezone.now)


class PositionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentGeolocalisation

    agent = factory.SubFactory(AgentFactory)
    timestamp = factory.LazyFunction(timezone.now)
    latitude = 48.8566
    longitude = 2.3522
    precision_m = 8.0


class PerformanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PerformanceHistorique

    agent = factory.SubFactory(AgentFactory)
    date_stat = factory.LazyFunction(timezone.localdate)
    score = Decimal("6.00")


class ScoreInstantaneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScoreInstantane

    agent = factory.SubFactory(AgentFactory)
    instant = factory.LazyFunction(timezone.now)
    score = Decimal("6.00")


def agent_au_travail(*, jour: datetime.date, actions: dict[str, int] | None = None, **champs):
    """An agent with a 09:00–11:00 mission on `jour` and, at 10:00 that day, `actions`
    ({type_action: how many}, all done): a working agent whose score the figures judge."""
    agent = AgentFactory(**champs)
    MissionFactory(agent=agent, date_prevue=jour)
    dix_heures = timezone.make_aware(datetime.datetime.combine(jour, datetime.time(10, 0)))
    for type_action, nombre in (actions or {}).items():
        ActionFactory.create_batch(nombre, agent=agent, type_action=type_action, date_action=dix_heures)
    return agent


def sequences_remettre_a_zero() -> None:
    """Every factory's sequence back to 0: each test builds the same codes and names whatever
    ran before it in the process (the database is rolled back, the counters are not)."""
    for fabrique in list(globals().values()):
        if (isinstance(fabrique, type) and issubclass(fabrique, factory.Factory)
                and fabrique._meta.model is not None and fabrique._meta.counter_reference is fabrique._meta):
            fabrique.reset_sequence()
