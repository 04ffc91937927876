"""The roll figures stored once a night (roulements_ecrire) are the live computation's
(roulement_lignes), month-end by month-end, payments at, just before and just after the
month-ends; the page reads them instead of grouping the instalments."""
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext

from akig_ops.lib.csv_import import importer_fichier
from akig_ops.models import Battement
from akig_ops.services import ROULEMENTS
from recovery import importers
from recovery.importers import ImpayesImporteur
from recovery.models import RoulementMois, RoulementMoisLigne
from recovery.roulement import (
    PARTIEL,
    ROULE,
    SOLDE,
    fins_de_mois,
    lignes_fusionner,
    matrice,
    roulement_lignes,
    roulements_ecrire,
    roulements_lire,
)
from recovery.services import roulements_mettre_a_jour
from tests.factories import EquipeFactory, LocataireFactory, MissionFactory, AgentFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

J = datetime.date
PARIS = ZoneInfo("Europe/Paris")
ENTETE = "reference,locataire_code,periode,montant_du,montant_paye,date_echeance\n"
LIGNES = {
    "A": "A,L1,2026-01,500.00,{},2026-01-01",
    "B": "B,L1,2025-12,300.00,{},2025-12-31",
    "C": "C,L1,2025-12,200.00,{},2025-12-31",
    "D": "D,L1,2026-01,250.00,{},2026-01-01",
    "E": "E,L2,2026-02,100.00,{},2026-02-01",
    "F": "F,L1,2026-01,100.00,{},2026-01-01",
}
# montant_paye of each instalment on each import day (the history starts on the first).
IMPORTS = [
    (J(2026, 1, 20), {"A": "0", "B": "0", "C": "0", "D": "0", "F": "0"}),
    (J(2026, 1, 30), {"A": "100.00", "B": "0", "C": "0", "D": "0", "F": "0"}),  # the day before D0 = 31/01
    (J(2026, 1, 31), {"A": "100.00", "B": "300.00", "C": "0", "D": "0", "F": "0"}),  # D0 itself
    (J(2026, 2, 1), {"A": "100.00", "B": "300.00", "C": "200.00", "D": "0", "E": "0", "F": "0"}),  # the day after
    (J(2026, 2, 28), {"A": "100.00", "B": "300.00", "C": "200.00", "D": "50.00", "E": "0", "F": "0"}),  # D1 itself
    (J(2026, 3, 1), {"A": "100.00", "B": "300.00", "C": "200.00", "D": "250.00", "E": "0", "F": "100.00"}),  # after
]
JANVIER, FEVRIER, DECEMBRE = J(2026, 1, 31), J(2026, 2, 28), J(2025, 12, 31)


@pytest.fixture
def parc(tmp_path):
    """Site S1 (tenant L1) and S2 (tenant L2), six instalments imported six times (IMPORTS),
    the history of montant_paye exact from 20/01/2026; today 05/04/2026."""
    s1, s2 = SiteFactory(code="S1"), SiteFactory(code="S2")
    LocataireFactory(code="L1", site=s1)
    LocataireFactory(code="L2", site=s2)
    for jour, payes in IMPORTS:
        chemin = tmp_path / f"impayes-{jour}.csv"
        chemin.write_text(ENTETE + "".join(LIGNES[r].format(p) + "\n" for r, p in payes.items()), encoding="utf-8")
        with time_machine.travel(datetime.datetime.combine(jour, datetime.time(10), tzinfo=PARIS), tick=False):
            assert importer_fichier(ImpayesImporteur(), chemin, skip_invalid=False).applique
    MigrationRecorder.Migration.objects.filter(app="recovery", name="0006_changements_paiement").update(
        applied=datetime.datetime(2026, 1, 20, 9, tzinfo=PARIS)
    )
    with time_machine.travel(datetime.datetime(2026, 4, 5, 9, tzinfo=PARIS), tick=False):
        yield {"s1": s1, "s2": s2}


def tri(lignes) -> list[tuple]:
    """The lines one per site, bucket and category (the live computation's two queries may
    give two), sorted."""
    return sorted((s, t, c, n, Decimal(m)) for s, t, c, n, m in lignes_fusionner(lignes))


def categories(bucket: dict) -> dict:
    return {c: (v["nb"], v["montant"], v["part"]) for c, v in bucket["categories"].items() if v["nb"]}


def test_stored_month_ends_are_the_live_computation(parc):
    fins = fins_de_mois()
    assert (fins[0], fins[-1]) == (J(2025, 3, 31), FEVRIER)
    roulements_mettre_a_jour()
    assert RoulementMois.objects.count() == 12
    assert Battement.objects.get(nom=ROULEMENTS).details["lignes"] == RoulementMoisLigne.objects.count()
    s1 = parc["s1"].pk
    for filtres in ({}, {"site_ids": [s1]}, {"site_ids": []}, {"tranche": 0}, {"tranche": 1}, {"site_ids": [s1], "tranche": 1}):
        stockes = roulements_lire(fins=fins, **filtres)
        for fin in fins:
            vivant = roulement_lignes(fin_mois=fin, **filtres)
            assert stockes[fin]["estime"] == vivant["estime"], (fin, filtres)
            assert stockes[fin]["fin_suivante"] == vivant["fin_suivante"]
            assert tri(stockes[fin]["lignes"]) == tri(vivant["lignes"]), (fin, filtres)
            assert matrice(stockes[fin]["lignes"]) == matrice(vivant["lignes"])


def test_stored_figures_by_hand_at_before_and_after_the_month_ends(parc):
    roulements_ecrire(fins=[DECEMBRE, JANVIER, FEVRIER])
    lus = roulements_lire(fins=[DECEMBRE, JANVIER, FEVRIER])
    # January (exact): A paid 100 the day before D0 owes 400, 30 days late (0–30 j), 58 at D1:
    # rolled; F too (100, settled after D1: the same line as A, from the settled ones). D, 250
    # owed, paid 50 on D1 itself: partly paid. B paid on D0 itself: absent. C, 31 days late
    # (31–60 j), paid the day after D0: cured. E's period starts after D0.
    m = matrice(lus[JANVIER]["lignes"])
    assert lus[JANVIER]["estime"] is False
    assert categories(m[0]) == {
        ROULE: (2, Decimal("500.00"), Decimal("66.7")), PARTIEL: (1, Decimal("250.00"), Decimal("33.3")),
    }
    assert categories(m[1]) == {SOLDE: (1, Decimal("200.00"), Decimal("100.0"))}
    # February: A 58 → 89 days late: rolled 400; D owes 200 at D0 (its 28/02 payment counts
    # on that day), paid the day after, and F (100) too: cured. E (S2) 27 → 58 days: rolled.
    m = matrice(lus[FEVRIER]["lignes"])
    assert categories(m[0]) == {ROULE: (1, Decimal("100.00"), Decimal("100.0"))}
    assert categories(m[1]) == {ROULE: (1, Decimal("400.00"), Decimal("57.1")), SOLDE: (2, Decimal("300.00"), Decimal("42.9"))}
    # December (before the history: estimated): B recorded settled on 31/01 = D1 itself:
    # cured; C recorded settled on 01/02, the day after D1: its 200 rolled (0 → 31 days).
    m = matrice(lus[DECEMBRE]["lignes"])
    assert lus[DECEMBRE]["estime"] is True
    assert categories(m[0]) == {
        ROULE: (1, Decimal("200.00"), Decimal("40.0")), SOLDE: (1, Decimal("300.00"), Decimal("60.0")),
    }


def test_stored_months_read_in_two_queries_without_the_instalments(parc):
    roulements_ecrire()
    fins = fins_de_mois()
    with CaptureQueriesContext(connection) as requetes:
        roulements_lire(fins=fins, exact_depuis=J(2026, 1, 20), tranche=1)
    assert len(requetes) == 2
    assert not any("impayes" in q["sql"] for q in requetes.captured_queries)


def test_month_not_stored_or_stored_under_another_history_start_is_computed_live(parc):
    roulements_ecrire(fins=[JANVIER])
    # Stored as exact from 20/01; were the history to start on 01/02, January is estimated.
    lus = roulements_lire(fins=[JANVIER, FEVRIER], exact_depuis=J(2026, 2, 1))
    assert lus[JANVIER] == roulement_lignes(fin_mois=JANVIER, exact_depuis=J(2026, 2, 1))
    assert lus[JANVIER]["estime"] is True
    assert tri(lus[FEVRIER]["lignes"]) == tri(roulement_lignes(fin_mois=FEVRIER)["lignes"])


def test_writing_a_month_again_replaces_it(parc):
    # January: (S1, 0–30 j, rolled) from A, owed today, and F, settled since: one line.
    assert len(roulement_lignes(fin_mois=JANVIER)["lignes"]) == 4
    roulements_ecrire(fins=[JANVIER])
    avant = RoulementMoisLigne.objects.count()
    roulements_ecrire(fins=[JANVIER])
    assert RoulementMois.objects.count() == 1 and RoulementMoisLigne.objects.count() == avant == 3


def test_an_applied_import_of_impayes_publishes_the_roll_job(monkeypatch, tmp_path):
    publiees = []
    monkeypatch.setattr(importers, "tache_apres_commit", lambda tache, *a: publiees.append(tache.name))
    LocataireFactory(code="L1", site=SiteFactory())
    chemin = tmp_path / "impayes.csv"
    chemin.write_text(ENTETE + LIGNES["A"].format("0") + "\n", encoding="utf-8")
    assert importer_fichier(ImpayesImporteur(), chemin, skip_invalid=False).applique
    assert publiees == ["recovery.tasks.roulements_task"]
    chemin.write_text(ENTETE + "X,INCONNU,2026-01,1.00,0,2026-01-01\n", encoding="utf-8")
    assert not importer_fichier(ImpayesImporteur(), chemin, skip_invalid=False).applique
    assert publiees == ["recovery.tasks.roulements_task"]


def test_page_reads_the_stored_months(client, parc):
    equipe = EquipeFactory(code="EQ1")
    MissionFactory(agent=AgentFactory(equipe=equipe), site=parc["s1"])
    roulements_ecrire()
    client.force_login(UserFactory(groups=["Direction"]))
    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get("/dashboard/roulement", {"mois": "2026-01"})
    assert reponse.status_code == 200
    assert not any("impayes" in q["sql"] for q in requetes.captured_queries)
    page = reponse.context["page"]
    assert page["total"]["montant"] == Decimal("950.00")
    tendance = {p["mois"]: p for p in reponse.context["tendance"]}
    # 31–60 j: January's C cured (nothing rolled), February's 700 of which A's 400 rolled.
    assert (tendance["2026-01"]["montant"], tendance["2026-01"]["taux"]) == (Decimal("200.00"), Decimal("0.0"))
    assert (tendance["2026-02"]["montant"], tendance["2026-02"]["taux"]) == (Decimal("700.00"), Decimal("57.1"))


def test_sites_of_the_teams_each_agent_skipped_site_to_site():
    from agents.selectors import sites_de_l_equipe, sites_des_equipes

    s1, s2, s3 = SiteFactory(code="S1"), SiteFactory(code="S2"), SiteFactory(code="S3")
    eq1, eq2, eq3 = EquipeFactory(code="EQ1"), EquipeFactory(code="EQ2"), EquipeFactory(code="EQ3")
    a1, a2, b1 = AgentFactory(equipe=eq1), AgentFactory(equipe=eq1), AgentFactory(equipe=eq2)
    AgentFactory(equipe=eq3)  # no mission
    for agent, site in ((a1, s2), (a1, s1), (a1, s2), (a2, s3), (a2, s2), (b1, s3), (b1, s3)):
        MissionFactory(agent=agent, site=site)
    assert sites_des_equipes(equipe_ids=[eq1.pk, eq2.pk, eq3.pk]) == {
        eq1.pk: sorted([s1.pk, s2.pk, s3.pk]), eq2.pk: [s3.pk],
    }
    assert sites_des_equipes(equipe_ids=[eq2.pk]) == {eq2.pk: [s3.pk]}
    assert sites_des_equipes(equipe_ids=[]) == {}
    assert sites_de_l_equipe(equipe_id=eq3.pk) == []
    assert sites_de_l_equipe(equipe_id=eq1.pk) == sorted([s1.pk, s2.pk, s3.pk])


def test_roll_job_nightly_after_the_snapshots_task_and_command(settings, parc):
    from recovery.tasks import roulements_task

    entree = settings.CELERY_BEAT_SCHEDULE["roulements"]
    assert entree["task"] == roulements_task.name == "recovery.tasks.roulements_task"
    assert (entree["schedule"].hour, entree["schedule"].minute) == ({0}, {20})
    assert roulements_task.apply().get() == RoulementMoisLigne.objects.count() > 0
    sortie = io.StringIO()
    call_command("roulements", stdout=sortie)
    assert RoulementMois.objects.count() == 12
    assert sortie.getvalue().startswith(
        f"{RoulementMoisLigne.objects.count()} lignes de roulement écrites pour les fins de mois du 31/03/2025 au 28/02/2026 en "
    )
