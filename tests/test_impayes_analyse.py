"""The directors' analysis by site, the legal list and the ageing chart, computed by hand."""
import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recovery.models import InstantaneSite
from recovery.selectors import (
    TRANCHES,
    historique_disponible,
    impayes_au_dela_par_site,
    impayes_chiffres_cles,
    impayes_par_site,
    impayes_par_site_au,
    contentieux_chiffres,
    locataires_contentieux,
    locataires_endettes,
    tranches_ajouter,
    tranches_depuis,
    vieillissement_par_site,
)
from tests.factories import ActionFactory, AgentFactory, ImpayeFactory, LocataireFactory, SiteFactory
from tests.parc_impayes import parc  # noqa: F401  (the fixture)
from tests.test_runbook_sql import run_as_ops

pytestmark = pytest.mark.django_db


def _tranches(ligne):
    return [(t["nb"], t["montant"]) for t in ligne["tranches"]]


def test_impayes_par_site_every_column_by_hand(parc):
    lignes = impayes_par_site(retard_min=60)

    # Over 60 days: A = 61 j 1 000,00 + 200 j 2 000,00 = 2 debts, 3 000,00 (60 j is not > 60);
    # B = 95 j 10 000,01 + 181 j 4 000,00 = 2 debts, 14 000,01; C has none, so is not listed.
    # Largest amount first: B then A. Total 17 000,01: B 82.35…% → 82.4, A 17.64…% → 17.6.
    assert [ligne["code"] for ligne in lignes] == ["B", "A"]
    b, a = lignes
    assert (b["nb"], b["montant"], b["retard_max"], b["part"]) == (2, Decimal("14000.01"), 181, Decimal("82.4"))
    assert (a["nb"], a["montant"], a["retard_max"], a["part"]) == (2, Decimal("3000.00"), 200, Decimal("17.6"))
    assert (a["nom"], a["sensible"], b["sensible"]) == ("Résidence A", True, False)
    # Every outstanding debt by bucket (0–30 also holds A's debt not yet due):
    # A: 0–30 = 10 j 300 + −5 j 400; 31–60 = 60 j 700; 61–90 = 61 j 1 000; > 180 = 200 j 2 000.
    assert _tranches(a) == [
        (2, Decimal("700.00")), (1, Decimal("700.00")), (1, Decimal("1000.00")),
        (0, Decimal("0.00")), (1, Decimal("2000.00")),
    ]
    # B: 31–60 = 31 j 6 000; 91–180 = 95 j 10 000,01; > 180 = 181 j 4 000.
    assert _tranches(b) == [
        (0, Decimal("0.00")), (1, Decimal("6000.00")), (0, Decimal("0.00")),
        (1, Decimal("10000.01")), (1, Decimal("4000.00")),
    ]
    assert (a["nb_total"], a["montant_total"]) == (5, Decimal("4400.00"))
    assert (b["nb_total"], b["montant_total"]) == (3, Decimal("20000.01"))
    assert [t["tranche"].libelle for t in a["tranches"]] == ["0–30 j", "31–60 j", "61–90 j", "91–180 j", "> 180 j"]


def test_impayes_par_site_boundary_60_61_days():
    site = SiteFactory()
    ImpayeFactory(locataire=LocataireFactory(site=site), retard=60, montant_du=Decimal("100.00"))
    assert impayes_par_site(retard_min=60) == []

    ImpayeFactory(locataire=LocataireFactory(site=site), retard=61, montant_du=Decimal("250.00"))
    [ligne] = impayes_par_site(retard_min=60)
    assert (ligne["nb"], ligne["montant"]) == (1, Decimal("250.00"))


def test_impayes_par_site_retard_90(parc):
    # Over 90 days: A = 200 j 2 000,00; B = 95 j + 181 j = 14 000,01. Total 16 000,01.
    lignes = impayes_par_site(retard_min=90)
    assert [(ligne["code"], ligne["nb"], ligne["montant"]) for ligne in lignes] == [
        ("B", 2, Decimal("14000.01")), ("A", 1, Decimal("2000.00"))
    ]
    assert lignes[1]["part"] == Decimal("12.5")  # 2 000 / 16 000,01 = 12.499…%


def test_impayes_par_site_retard_between_two_limits(parc):
    # Over 45 days (not a bucket limit: the query cuts there too). A = 60 j 700 + 61 j 1 000
    # + 200 j 2 000 = 3 debts, 3 700,00; B = 95 j + 181 j = 14 000,01 (31 j is not over 45).
    lignes = impayes_par_site(retard_min=45)
    assert [(ligne["code"], ligne["nb"], ligne["montant"], ligne["retard_max"]) for ligne in lignes] == [
        ("B", 2, Decimal("14000.01"), 181), ("A", 3, Decimal("3700.00"), 200)
    ]
    # The buckets are those of every outstanding debt, whatever the retard asked.
    a = lignes[1]
    assert _tranches(a) == [
        (2, Decimal("700.00")), (1, Decimal("700.00")), (1, Decimal("1000.00")),
        (0, Decimal("0.00")), (1, Decimal("2000.00")),
    ]
    assert (a["nb_total"], a["montant_total"]) == (5, Decimal("4400.00"))


def test_impayes_par_site_retard_0_counts_every_debt_past_due(parc):
    # Over 0 days: every debt but A's not yet due (−5 j). A: 4 debts, 4 000,00; B: 3 debts,
    # 20 000,01; C: 30 j 800,00. The 0–30 bucket still holds the debt not yet due.
    lignes = impayes_par_site(retard_min=0)
    assert [(ligne["code"], ligne["nb"], ligne["montant"]) for ligne in lignes] == [
        ("B", 3, Decimal("20000.01")), ("A", 4, Decimal("4000.00")), ("C", 1, Decimal("800.00"))
    ]
    assert _tranches(lignes[1])[0] == (2, Decimal("700.00"))


@pytest.fixture
def bornes():
    """One site, one debt at each retard around the cuts, amounts in powers of two (each sum
    names its debts): −5 j 128 ; 44 j 1 ; 45 j 2 ; 46 j 4 ; 180 j 8 ; 181 j 16 ; 200 j 32 ; 201 j 64."""
    site = SiteFactory(code="S")
    for retard, montant in [(-5, 128), (44, 1), (45, 2), (46, 4), (180, 8), (181, 16), (200, 32), (201, 64)]:
        ImpayeFactory(locataire=LocataireFactory(site=site), retard=retard, montant_du=Decimal(montant))
    return site


@pytest.mark.parametrize("retard, nb, montant", [
    (0, 7, "127.00"),  # all but the debt not yet due
    (44, 6, "126.00"),  # 45 j and beyond
    (45, 5, "124.00"),  # 46 j and beyond: not a bucket limit, cut there all the same
    (180, 3, "112.00"),  # 181, 200, 201
    (200, 1, "64.00"),  # beyond the last limit: 201 only
])
def test_impayes_par_site_at_each_side_of_the_cut(bornes, retard, nb, montant):
    [ligne] = impayes_par_site(retard_min=retard)
    assert (ligne["nb"], ligne["montant"], ligne["retard_max"]) == (nb, Decimal(montant), 201)
    # The buckets hold every outstanding debt whatever the retard asked: 0–30: −5 j;
    # 31–60: 44, 45, 46 j; 61–90: none; 91–180: 180 j; > 180: 181, 200, 201 j.
    assert _tranches(ligne) == [
        (1, Decimal("128.00")), (3, Decimal("7.00")), (0, Decimal("0.00")),
        (1, Decimal("8.00")), (3, Decimal("112.00")),
    ]
    assert (ligne["nb_total"], ligne["montant_total"]) == (8, Decimal("255.00"))


def test_impayes_par_site_none_beyond_the_oldest_debt(bornes):
    assert impayes_par_site(retard_min=201) == []


def test_impayes_par_site_custom_limits_and_a_retard_between_them(bornes):
    # Limits 45 and 120, over 60 days: 180, 181, 200, 201 j = 4 debts, 120,00.
    [ligne] = impayes_par_site(retard_min=60, limites=(45, 120))
    assert (ligne["nb"], ligne["montant"]) == (4, Decimal("120.00"))
    # 0–45: −5, 44, 45 j = 131,00; 46–120: 46 j = 4,00; > 120: the four beyond 180 j.
    assert _tranches(ligne) == [(3, Decimal("131.00")), (1, Decimal("4.00")), (4, Decimal("120.00"))]


def test_chiffres_cles_for_another_retard(bornes):
    # What the escalation report reads for a rule over 45 days: 5 debts, 124,00, on 1 site.
    chiffres = impayes_chiffres_cles(retard_min=45, seuil_contentieux=Decimal("10000.00"))
    assert (chiffres["nb_critiques"], chiffres["montant_critiques"], chiffres["nb_sites_critiques"]) == (
        5, Decimal("124.00"), 1
    )
    assert (chiffres["nb_impayes"], chiffres["total_restant_du"]) == (8, Decimal("255.00"))


def test_impayes_par_site_filters_keep_the_share_of_all_sites(parc):
    # Sensitive sites only: A, whose share stays 3 000 / 17 000,01 of every site.
    [a] = impayes_par_site(retard_min=60, sensibles=True)
    assert (a["code"], a["part"]) == ("A", Decimal("17.6"))
    # A minimum amount over 60 days of 5 000,00: only B (14 000,01).
    assert [ligne["code"] for ligne in impayes_par_site(retard_min=60, montant_min=Decimal("5000"))] == ["B"]
    # Given sites: only those.
    assert [ligne["code"] for ligne in impayes_par_site(retard_min=60, site_ids=[parc["A"].pk])] == ["A"]


def test_impayes_par_site_custom_limits(parc):
    # Limits 45 and 120: A = 0–45: 10 j + −5 j = 700; 46–120: 60 j + 61 j = 1 700; > 120: 2 000.
    a = next(ligne for ligne in impayes_par_site(retard_min=60, limites=(45, 120)) if ligne["code"] == "A")
    assert _tranches(a) == [(2, Decimal("700.00")), (2, Decimal("1700.00")), (1, Decimal("2000.00"))]
    assert [t.libelle for t in tranches_depuis((45, 120))] == ["0–45 j", "46–120 j", "> 120 j"]


def test_impayes_par_site_two_queries_whatever_the_sites_and_filters(parc):
    for i in range(20):
        ImpayeFactory(locataire=LocataireFactory(site=SiteFactory()), retard=61 + i)
    for filtres in ({}, {"sensibles": True}, {"montant_min": Decimal("1")}, {"site_ids": [parc["A"].pk]}):
        with CaptureQueriesContext(connection) as requetes:
            impayes_par_site(retard_min=60, **filtres)
        assert len(requetes) == 2, filtres  # the debts by site and bucket, the sites


@pytest.mark.postgresql
def test_impayes_par_site_equals_the_runbook_first_query(parc):
    runbook = """SELECT site_id, COUNT(*), SUM(montant)
        FROM impayes
        WHERE EXTRACT(DAY FROM CURRENT_DATE - date_echeance) > 60
        GROUP BY site_id
        ORDER BY 3 DESC;"""
    # As ops run it from psql: CURRENT_DATE in the business time zone (not the UTC of Django's
    # connection, which is the day before for the hour after midnight in Paris).
    attendu = run_as_ops(runbook)
    assert [(ligne["site_id"], ligne["nb"], ligne["montant"]) for ligne in impayes_par_site(retard_min=60)] == attendu


def test_locataires_contentieux_strictly_above_10000(parc):
    # b1 owes 10 000,01 (listed); b2 owes 6 000 + 4 000 = 10 000,00 exactly (not listed);
    # a1 3 000, a2 1 400, c1 800.
    hier = timezone.now() - datetime.timedelta(days=1)
    ActionFactory(locataire=parc["b1"], type_action="visite", date_action=hier - datetime.timedelta(days=2),
                  agent=AgentFactory(nom="Agent X"))
    ActionFactory(locataire=parc["b1"], type_action="promesse", date_action=hier, agent=AgentFactory(nom="Agent Y"))

    with CaptureQueriesContext(connection) as requetes:
        [ligne] = locataires_contentieux(seuil=Decimal("10000.00"))

    assert len(requetes) == 1
    assert (ligne["code"], ligne["nom"]) == ("b1", "<b>Bé</b>")
    assert (ligne["montant"], ligne["retard_max"], ligne["nb"]) == (Decimal("10000.01"), 95, 1)
    assert (ligne["site_code"], ligne["site_nom"], ligne["telephone"]) == ("B", "Résidence B", "06 12 34 56 78")
    assert (ligne["derniere_action_type"], ligne["derniere_action_agent"]) == ("promesse", "Agent Y")
    assert ligne["derniere_action_date"] == hier


@pytest.mark.parametrize("seuil, attendu", [
    # At b2's 10 000,00: b2 is not strictly above it, b1's 10 000,01 is.
    ("10000.00", (1, Decimal("10000.01"))),
    # Just below: both (10 000,01 + 10 000,00); just above b1: nobody.
    ("9999.99", (2, Decimal("20000.01"))),
    ("10000.01", (0, Decimal("0.00"))),
])
def test_contentieux_chiffres_at_below_and_above_the_threshold(parc, seuil, attendu):
    chiffres = contentieux_chiffres(seuil=Decimal(seuil))
    assert (chiffres["nb"], chiffres["montant"]) == attendu
    # The list's rows add up to its figures; on site A alone (3 000 and 1 400) nobody.
    lignes = locataires_contentieux(seuil=Decimal(seuil))
    assert (len(lignes), sum((l["montant"] for l in lignes), Decimal("0.00"))) == attendu
    assert contentieux_chiffres(seuil=Decimal(seuil), site_ids=[parc["A"].pk]) == {
        "nb": 0, "montant": Decimal("0.00")}


def test_locataires_contentieux_lower_threshold(parc):
    # Above 1 000,00: b1 10 000,01, b2 10 000,00, a1 3 000,00, a2 1 400,00 (c1 800 is not).
    lignes = locataires_contentieux(seuil=Decimal("1000.00"))
    assert [(ligne["code"], ligne["montant"]) for ligne in lignes] == [
        ("b1", Decimal("10000.01")), ("b2", Decimal("10000.00")),
        ("a1", Decimal("3000.00")), ("a2", Decimal("1400.00")),
    ]
    assert lignes[0]["derniere_action_type"] is None


def test_locataires_endettes_of_a_site_most_owed_first(parc):
    lignes = list(locataires_endettes(site_id=parc["B"].pk))
    # b1: 10 000,01, oldest 95 j; b2: 10 000,00 over 2 debts, oldest 181 j.
    assert [(ligne["code"], ligne["montant"], ligne["nb"], ligne["retard_max"]) for ligne in lignes] == [
        ("b1", Decimal("10000.01"), 1, 95), ("b2", Decimal("10000.00"), 2, 181)
    ]


@pytest.mark.parametrize(("tri", "codes"), [
    # Owed: a1 3 000, a2 1 400, b1 10 000,01, b2 10 000,00, c1 800;
    # oldest retard: a1 200, a2 60, b1 95, b2 181, c1 30.
    ("-montant", ["b1", "b2", "a1", "a2", "c1"]),
    ("montant", ["c1", "a2", "a1", "b2", "b1"]),
    ("-retard_max", ["a1", "b2", "b1", "a2", "c1"]),
    ("retard_max", ["c1", "a2", "b1", "b2", "a1"]),
    ("-code", ["c1", "b2", "b1", "a2", "a1"]),
    ("site", ["a1", "a2", "b1", "b2", "c1"]),
])
def test_locataires_endettes_sorts_on_every_column(parc, tri, codes):
    assert [ligne["code"] for ligne in locataires_endettes(tri=tri)] == codes


def test_vieillissement_par_site_worst_sites_first(parc):
    donnees = vieillissement_par_site(nb_sites=1)
    # The worst site over 60 days is B; its 91–180 bucket is b1's 10 000,01.
    assert donnees["sites"] == ["B"]
    assert [t["libelle"] for t in donnees["tranches"]] == ["0–30 j", "31–60 j", "61–90 j", "91–180 j", "> 180 j"]
    assert (donnees["tranches"][3]["nb"], donnees["tranches"][3]["montant"]) == ([1], [Decimal("10000.01")])
    assert vieillissement_par_site()["sites"] == ["B", "A"]


def test_vieillissement_par_site_ties_at_the_cut_go_by_code():
    # Four sites over 60 days: D 900,00; then Z, M, C at 500,00 each. The 2 worst: D, then the
    # first of the tied three by code (C), not whichever the aggregate returned first.
    for code, montant in [("Z", 500), ("D", 900), ("M", 500), ("C", 500)]:
        ImpayeFactory(locataire=LocataireFactory(site=SiteFactory(code=code)), retard=61, montant_du=Decimal(montant))
    assert vieillissement_par_site(nb_sites=2)["sites"] == ["D", "C"]
    assert vieillissement_par_site(nb_sites=9)["sites"] == ["D", "C", "M", "Z"]


@pytest.mark.parametrize("retard, limites", [(60, TRANCHES), (0, TRANCHES), (45, TRANCHES), (90, (45, 120)), (199, TRANCHES)])
def test_impayes_par_site_without_buckets_then_buckets_added_are_the_one_pass_rows(parc, retard, limites):
    # The analysis page reads the figures past the delay for every site, then the buckets of
    # the rows it shows: the same rows, cell for cell, as the one pass the reports make.
    d_abord = impayes_par_site(retard_min=retard, limites=limites, avec_tranches=False)
    assert all("tranches" not in ligne and "nb_total" not in ligne for ligne in d_abord)
    assert tranches_ajouter(d_abord, retard_min=retard, limites=limites) == impayes_par_site(
        retard_min=retard, limites=limites)


@pytest.mark.parametrize("filtres", [{"sensibles": True}, {"montant_min": Decimal("5000")}, {"site_ids": "A"},
                                     {"sensibles": True, "montant_min": Decimal("5000")}])
def test_impayes_par_site_filters_alike_with_or_without_buckets(parc, filtres):
    if "site_ids" in filtres:
        filtres = {"site_ids": [parc["A"].pk]}
    sans = impayes_par_site(retard_min=60, avec_tranches=False, **filtres)
    avec = impayes_par_site(retard_min=60, **filtres)
    assert [ligne["code"] for ligne in sans] == [ligne["code"] for ligne in avec]
    assert tranches_ajouter(sans, retard_min=60) == avec


def test_impayes_au_dela_par_site_by_hand_at_60_61_days(parc):
    # Past 60 days: A's 61 j 1 000,00 and 200 j 2 000,00 (its 60 j debt is not past 60); B's
    # 95 j and 181 j; C's 30 j none. The oldest due date is the 200 j and the 181 j one.
    jour = timezone.localdate()
    assert impayes_au_dela_par_site(retard_min=60) == {
        parc["A"].pk: {"nb": 2, "montant": Decimal("3000.00"), "echeance_min": jour - datetime.timedelta(days=200),
                       "code": "A", "nom": "Résidence A", "sensible": True},
        parc["B"].pk: {"nb": 2, "montant": Decimal("14000.01"), "echeance_min": jour - datetime.timedelta(days=181),
                       "code": "B", "nom": "Résidence B", "sensible": False},
    }
    # 59 days: A's 60 j debt now counts; 61: A's 61 j no longer does.
    assert impayes_au_dela_par_site(retard_min=59)[parc["A"].pk]["nb"] == 3
    assert impayes_au_dela_par_site(retard_min=61)[parc["A"].pk]["nb"] == 1


def test_tranches_ajouter_reads_the_given_sites_only(parc):
    [b, a] = impayes_par_site(retard_min=60, avec_tranches=False)
    with CaptureQueriesContext(connection) as requetes:
        [a_detaillee] = tranches_ajouter([a], retard_min=60)
    assert len(requetes.captured_queries) == 1
    lus = re.search(r'"site_id" IN \(([^)]*)\)', requetes.captured_queries[0]["sql"]).group(1)
    assert [int(site_id) for site_id in lus.split(",")] == [parc["A"].pk]
    assert (a_detaillee["nb_total"], a_detaillee["montant_total"]) == (5, Decimal("4400.00"))
    assert a_detaillee["code"] == "A" and "tranches" not in a


def test_impayes_par_site_au_on_some_sites_and_whether_history_can_tell(parc):
    jour = timezone.localdate() - datetime.timedelta(days=30)
    assert not historique_disponible(jour=jour, retard_min=60)  # no snapshot that day
    InstantaneSite.objects.create(site=parc["A"], jour=jour, nb_61_90=1, montant_61_90=Decimal("10.00"))
    InstantaneSite.objects.create(site=parc["B"], jour=jour, nb_plus_180=2, montant_plus_180=Decimal("20.00"),
                                  nb_31_60=4, montant_31_60=Decimal("40.00"))
    assert historique_disponible(jour=jour, retard_min=60)
    assert historique_disponible(jour=jour, retard_min=30)
    # 45 days is not one of the snapshots' limits: they cannot tell.
    assert not historique_disponible(jour=jour, retard_min=45)
    assert not historique_disponible(jour=jour - datetime.timedelta(days=1), retard_min=60)
    assert impayes_par_site_au(jour=jour, retard_min=60, site_ids=[parc["B"].pk]) == {
        parc["B"].pk: {"nb": 2, "montant": Decimal("20.00")}}
    # Past 30 days B also had its 31–60 bucket.
    assert impayes_par_site_au(jour=jour, retard_min=30, site_ids=[parc["B"].pk, parc["C"].pk]) == {
        parc["B"].pk: {"nb": 6, "montant": Decimal("60.00")}}
    assert impayes_par_site_au(jour=jour, retard_min=60)[parc["A"].pk] == {"nb": 1, "montant": Decimal("10.00")}
