"""seed_demo: the small demo loads cleanly and looks like AKIG's business.

The demo is seeded once for the module (twice in fact, to check a second run
changes nothing), at an instant frozen a minute ago so both runs draw the same day.
"""
import datetime
from decimal import Decimal
import re
import statistics
from collections import Counter, defaultdict
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Avg, Count
from django.test import RequestFactory, override_settings
from django.utils import timezone

from agents.models import AgentGeolocalisation, Agent, Equipe, Mission, PerformanceHistorique
from donnees import demo
from donnees.management.commands.seed_demo import domain_tables_empty
from recovery.models import Impaye, ImpayeSolde, Locataire, RecouvrementAction, Site
from tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

MODELES = [
    Site, Locataire, Impaye, ImpayeSolde, Equipe, Agent, Mission, RecouvrementAction,
    AgentGeolocalisation, PerformanceHistorique,
]


def _compter() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELES}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    maintenant = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=1)
    sorties, comptes = [], []
    # The tests' fast hasher (conftest.py) applies per test: seed under it too.
    hashers = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), hashers, mock.patch("django.utils.timezone.now", return_value=maintenant):
        for _ in range(2):
            sortie = StringIO()
            call_command("seed_demo", "--profil", "small", "--dossier", str(out), "--remplacer", stdout=sortie)
            sorties.append(sortie.getvalue())
            comptes.append(_compter())
    yield SimpleNamespace(out=out, sortie=sorties[-1], comptes=comptes, maintenant=maintenant)
    with django_db_blocker.unblock():
        chefs = list(Equipe.objects.values_list("chef__username", flat=True))
        domain_tables_empty()
        get_user_model().objects.filter(username__in=["direction", *chefs]).delete()


def test_seed_demo_writes_akig_export_headers(seeded):
    attendus = {
        "sites.csv": "code,nom,adresse,latitude,longitude,sensible",
        "equipes.csv": "code,nom,chef_email",
        "agents.csv": "code,nom,email,telephone,equipe_code,actif",
        "locataires.csv": "code,nom,telephone,site_code,logement",
        "impayes.csv": "reference,locataire_code,periode,montant_du,montant_paye,date_echeance",
        "missions.csv": "reference,agent_code,site_code,date_prevue,heure_debut,heure_fin,status",
        "actions.csv": "reference,agent_code,locataire_code,impaye_reference,type_action,statut,"
        "resultat,montant_recouvre,date_action,latitude,longitude",
        "positions.csv": "agent_code,timestamp,latitude,longitude,precision_m",
    }
    for nom, entete in attendus.items():
        with (seeded.out / nom).open(encoding="utf-8") as f:
            assert f.readline().rstrip("\n") == entete, nom


def test_seed_demo_small_counts(seeded):
    c = seeded.comptes[-1]
    assert (c["Site"], c["Locataire"], c["Equipe"], c["Agent"]) == (20, 600, 2, 8)
    echeances = c["Impaye"] + c["ImpayeSolde"]
    # Leases start all along the 24 months: well under 24 instalments a tenant.
    assert 3_000 < echeances < 600 * 15
    # Most rent is paid on time.
    assert c["ImpayeSolde"] > 0.85 * echeances
    # 8 agents, ~21 working days, 3 to 5 missions a day.
    assert 400 < c["Mission"] < 900
    assert 3_000 < c["RecouvrementAction"] < 10_000
    # 30 s sampling over ~10 working days (today's trail depends on the hour).
    assert 50_000 < c["AgentGeolocalisation"] < 120_000
    assert c["PerformanceHistorique"] >= 8 * 15
    # The summary line says it in French, with the counts of this load.
    def n(valeur):
        return f"{valeur:,}".replace(",", "\u00a0")

    echeances = n(c["Impaye"] + c["ImpayeSolde"])  # the file's instalments, paid or not
    assert f"20 sites, 2 équipes, 8 agents, 600 locataires, {echeances} échéances" in seeded.sortie
    assert f"{n(c['AgentGeolocalisation'])} positions GPS" in seeded.sortie


def test_seed_demo_impayes_over_60_days_raise_the_alert_on_few_sites(seeded):
    limite = timezone.localdate() - datetime.timedelta(days=60)
    par_site = Counter(
        dict(Impaye.objects.filter(date_echeance__lt=limite).values_list("site__code").annotate(n=Count("id")))
    )
    total = sum(par_site.values())
    assert total > 50  # the runbook's "Impayés critiques" threshold
    assert sum(n for _, n in par_site.most_common(3)) > 0.75 * total
    # Recent (< 60 days) unpaid rent is everywhere, not only on the problem sites.
    recents = Impaye.objects.filter(date_echeance__gte=limite).values("site").distinct().count()
    assert recents >= 10


def test_seed_demo_impayes_follow_the_tenant_and_the_5th(seeded):
    for impaye in Impaye.objects.select_related("locataire")[:200]:
        assert impaye.site_id == impaye.locataire.site_id
        assert impaye.date_echeance == impaye.periode.replace(day=5)
        assert impaye.montant_paye < impaye.montant_du
    assert not Impaye.objects.filter(date_echeance__gt=timezone.localdate()).exists()


def test_seed_demo_on_site_actions_happen_at_their_mission_site(seeded):
    missions = defaultdict(list)
    for m in Mission.objects.select_related("site"):
        missions[m.agent_id, m.date_prevue].append(m)
    actions = RecouvrementAction.objects.all()
    assert actions.filter(type_action__in=RecouvrementAction.TYPES_SUR_PLACE).count() > 1_000
    for action in actions:
        if action.type_action not in RecouvrementAction.TYPES_SUR_PLACE:
            assert action.latitude is None and action.longitude is None
            continue
        heure = timezone.localtime(action.date_action)
        (mission,) = [
            m for m in missions[action.agent_id, heure.date()] if m.heure_debut <= heure.time() <= m.heure_fin
        ]
        assert demo.distance_m(action.latitude, action.longitude, mission.site.latitude, mission.site.longitude) < 300
        if action.type_action == "paiement" and action.statut == "realisee":
            assert action.montant_recouvre > 0


def test_seed_demo_dates_nothing_in_the_future(seeded):
    maintenant = timezone.now()
    assert RecouvrementAction.objects.filter(date_action__gt=maintenant).count() == 0
    assert AgentGeolocalisation.objects.filter(timestamp__gt=maintenant).count() == 0
    assert not Mission.objects.filter(date_prevue__gt=timezone.localdate()).exists()


def test_seed_demo_home_bound_agent_never_leaves_home(seeded):
    agent = Agent.objects.get(code=demo.AGENT_SEDENTAIRE)
    points = list(AgentGeolocalisation.objects.filter(agent=agent).values_list("latitude", "longitude"))
    assert len(points) > 1_000
    lat, lon = statistics.fmean(p[0] for p in points), statistics.fmean(p[1] for p in points)
    assert max(demo.distance_m(lat, lon, *p) for p in points) < 100
    assert not agent.actions.filter(type_action__in=RecouvrementAction.TYPES_SUR_PLACE).exists()
    passees = agent.missions.filter(date_prevue__lt=timezone.localdate())
    assert passees.exists() and not passees.exclude(status="non_complete").exists()
    # No visit and no answer on any day: 4 × 0/8 + 6 × (0 + 2)/(0 + 4) = 3.00 every day.
    assert agent.performances.aggregate(m=Avg("score"))["m"] == Decimal("3.00")


def test_seed_demo_avoiding_agent_never_goes_to_the_skipped_site(seeded):
    agent = Agent.objects.get(code=demo.AGENT_EVITEMENT)
    traces = defaultdict(list)
    for instant, lat, lon in agent.positions.values_list("timestamp", "latitude", "longitude"):
        traces[timezone.localdate(instant)].append((lat, lon))
    evitees = list(agent.missions.filter(status="non_complete").select_related("site"))
    controlees = [m for m in evitees if m.date_prevue in traces]
    assert controlees
    for mission in controlees:
        trace = traces[mission.date_prevue]
        assert len(trace) > 100  # he worked that day, elsewhere
        site = mission.site
        assert min(demo.distance_m(site.latitude, site.longitude, *p) for p in trace) > 200
    assert len({m.site_id for m in evitees}) == 1


def test_seed_demo_agents_score_differently(seeded):
    hier = timezone.localdate() - datetime.timedelta(days=1)
    moyennes = dict(
        PerformanceHistorique.objects.filter(date_stat__lte=hier)
        .values_list("agent__code")
        .annotate(m=Avg("score"))
    )
    # The home-bound agent: 4 × 0/8 + 6 × 2/4 = 3.00 every day (no visit, no answer).
    assert moyennes.pop(demo.AGENT_SEDENTAIRE) == Decimal("3.00")
    assert all(5 <= m <= 9 for m in moyennes.values()), moyennes
    assert max(moyennes.values()) - min(moyennes.values()) > 1


def test_seed_demo_logins_work_with_the_printed_passwords(seeded):
    assert "Ouvrez http://127.0.0.1:8000/" in seeded.sortie
    comptes = dict(re.findall(r"identifiant « (.+?) », mot de passe « (.+?) »", seeded.sortie))
    assert set(comptes) == {"direction", "chef@akig.local"}
    for username, password in comptes.items():
        assert authenticate(RequestFactory().post("/connexion/"), username=username, password=password) is not None
    # Only Direction reads the admin: it cannot hold a team lead to their own teams.
    assert get_user_model().objects.get(username="direction").is_staff
    assert not get_user_model().objects.get(username="chef@akig.local").is_staff
    assert authenticate(RequestFactory().post("/connexion/"), username="direction", password="mauvais") is None
    assert get_user_model().objects.get(username="direction").groups.filter(name="Direction").exists()
    assert Equipe.objects.get(code="EQ-NORD").chef.username == "chef@akig.local"


def test_seed_demo_twice_leaves_the_same_counts(seeded):
    premier, second = seeded.comptes
    assert premier == second


def test_demo_same_seed_and_instant_give_the_same_files(tmp_path):
    maintenant = timezone.localtime()
    for dossier in ("a", "b"):
        (tmp_path / dossier).mkdir()
        demo.write_demo_csv(
            dossier=tmp_path / dossier, profil=demo.PROFILS["small"], seed=7, maintenant=maintenant,
            heure_debut=datetime.time(8), heure_fin=datetime.time(18),
        )
    for nom in demo.COLONNES:
        assert (tmp_path / "a" / nom).read_bytes() == (tmp_path / "b" / nom).read_bytes(), nom


@pytest.mark.django_db
def test_seed_demo_outside_debug_refuses_to_replace_data_without_confirmation():
    SiteFactory(code="PROD-1")
    before = Site.objects.count()

    with pytest.raises(CommandError, match="ajoutez --remplacer pour confirmer"):
        call_command("seed_demo", "--profil", "small", stdout=StringIO())

    assert Site.objects.count() == before
    assert Site.objects.filter(code="PROD-1").exists()


def test_seed_demo_backfills_a_year_of_snapshots_consistent_with_its_debts(seeded):
    from recovery.models import InstantaneSite
    from recovery.selectors import impayes_par_site, impayes_par_site_au

    today = timezone.localtime(seeded.maintenant).date()
    jours = set(InstantaneSite.objects.values_list("jour", flat=True))
    # 365 days back and today: a year of history, something owed every day.
    assert (min(jours), max(jours), len(jours)) == (today - datetime.timedelta(days=365), today, 366)
    # Today's snapshot is today's analysis; no instalment is settled after today.
    aujourdhui = {site_id: (v["nb"], v["montant"]) for site_id, v in impayes_par_site_au(jour=today).items() if v["nb"]}
    assert aujourdhui == {ligne["site_id"]: (ligne["nb"], ligne["montant"]) for ligne in impayes_par_site()}
    assert not ImpayeSolde.objects.filter(solde_le__gt=today).exists()
    # Most settled instalments were paid around their due date, a few months late.
    retards = [(s.solde_le - s.date_echeance).days for s in ImpayeSolde.objects.all()]
    assert statistics.median(retards) <= 4
    assert 0 < sum(r > 60 for r in retards) < len(retards) * 0.05
