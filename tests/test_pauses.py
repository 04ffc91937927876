"""Litigation and payment plans: which debts are paused on a day (at, before and after its
bounds), shown apart in the analysis, out of the ladder, counted or not by a rule; entered by
directors in the admin with who and when."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from escalations.models import Regle
from escalations.regles import impayes_critiques
from recovery.models import Pause
from recovery.selectors import echeance_limite, impayes_critiques_par_site, impayes_en_pause
from relances.models import Etape, EtatRelance, Passage
from relances.services import relances_avancer
from tests.factories import ImpayeFactory, LocataireFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

AUJOURD_HUI = timezone.localdate()


def il_y_a(jours: int) -> datetime.date:
    return AUJOURD_HUI - datetime.timedelta(days=jours)


@pytest.fixture
def monde():
    """S1: L1 owes I1a (70 days late, 500,00 €) and I1b (80 days, 500,00 €), all under litigation
    from 5 days ago to 30 days ahead; L2 owes I2a (90 days, 500,00 €, under a payment plan) and
    I2b (20 days, 300,00 €); L3 owes I3 (65 days, 400,00 €). Over 60 days: 4 debts, 1 900,00 €,
    of which 2 (1 000,00 €) in litigation and 1 (500,00 €) under a plan."""
    directeur = UserFactory(username="pdg@akig.local", groups=["Direction"])
    s1 = SiteFactory(code="S1")
    l1, l2, l3 = (LocataireFactory(code=f"L{n}", site=s1) for n in (1, 2, 3))
    for ref, locataire, retard, montant in (("I1a", l1, 70, "500.00"), ("I1b", l1, 80, "500.00"),
                                            ("I2a", l2, 90, "500.00"), ("I2b", l2, 20, "300.00"),
                                            ("I3", l3, 65, "400.00")):
        ImpayeFactory(reference=ref, locataire=locataire, retard=retard, montant_du=Decimal(montant))
    Pause.objects.create(locataire=l1, type_pause="contentieux", motif="Assignation au tribunal",
                         debut=il_y_a(5), fin=AUJOURD_HUI + datetime.timedelta(days=30), cree_par=directeur)
    Pause.objects.create(locataire=l2, impaye_reference="I2a", type_pause="plan_apurement", motif="Plan 6 mois",
                         debut=il_y_a(5), fin=AUJOURD_HUI + datetime.timedelta(days=30), cree_par=directeur)
    return {"directeur": directeur, "s1": s1, "l1": l1, "l2": l2, "l3": l3}


def test_paused_debts_are_counted_apart(monde):
    assert impayes_en_pause(jour=AUJOURD_HUI, echeance_avant=echeance_limite(retard_min=60)) == {
        "contentieux": {"nb": 2, "montant": Decimal("1000.00")},
        "plan_apurement": {"nb": 1, "montant": Decimal("500.00")},
    }
    # Over 85 days: only I2a (90 days) is left, under the plan.
    assert impayes_en_pause(jour=AUJOURD_HUI, echeance_avant=echeance_limite(retard_min=85)) == {
        "contentieux": {"nb": 0, "montant": Decimal("0.00")},
        "plan_apurement": {"nb": 1, "montant": Decimal("500.00")},
    }


@pytest.mark.parametrize("decalage, en_pause", [(-6, False), (-5, True), (30, True), (31, False)])
def test_a_pause_is_in_force_from_its_start_to_its_end_included(monde, decalage, en_pause):
    jour = AUJOURD_HUI + datetime.timedelta(days=decalage)
    nb = impayes_en_pause(jour=jour, echeance_avant=il_y_a(60))["contentieux"]["nb"]
    assert nb == (2 if en_pause else 0)


def test_a_rule_counts_pauses_by_default_or_not_when_told(monde):
    regle = Regle.objects.get(code="impayes-critiques")
    regle.seuil = Decimal("3")
    maintenant = timezone.now()

    compte = impayes_critiques(regle=regle, maintenant=maintenant, contexte={})
    regle.compter_pauses = False
    sans = impayes_critiques(regle=regle, maintenant=maintenant, contexte={})

    assert compte.vrais["global"].valeur["nb_impayes"] == 4  # 4 > 3: fires, as the runbook's count
    assert sans.vrais == {}  # I3 alone: 1 ≤ 3
    assert [l["nb"] for l in impayes_critiques_par_site(compter_pauses=False)] == [1]


def test_paused_tenant_leaves_the_ladder(monde):
    # Before the pauses, on the day the ladder ran: L1 at the visit (80 days ≥ 35... the last
    # step reached is J+60), L2 at J+60 too (90 days), L3 at J+60 (65 days).
    Etape.objects.filter(jours_retard__gte=50).update(active=False)  # keep the PDF out of this test
    pauses = list(Pause.objects.all())
    Pause.objects.all().delete()
    relances_avancer(aujourd_hui=AUJOURD_HUI)
    assert {e.locataire.code: e.etape.type_etape for e in EtatRelance.objects.select_related("etape", "locataire")} == {
        "L1": "visite", "L2": "visite", "L3": "visite"}
    Pause.objects.bulk_create(pauses)

    relances_avancer(aujourd_hui=AUJOURD_HUI)

    etats = {e.locataire.code: e.etape and e.etape.type_etape for e in EtatRelance.objects.select_related("etape", "locataire")}
    # L1 wholly paused: off; L2's oldest not paused is I2b, 20 days late: the call; L3 unchanged.
    assert etats == {"L1": None, "L2": "appel", "L3": "visite"}
    assert list(Passage.objects.filter(locataire=monde["l1"]).order_by("version").values_list("motif", flat=True)) == [
        "retard", "pause"]


def test_analysis_and_dashboard_show_them_apart(client, monde):
    client.force_login(monde["directeur"])
    analyse = client.get("/dashboard/impayes?filter=retard:60+").content.decode()
    accueil = client.get("/dashboard/").content.decode()
    attendu = "dont 2 impayés en contentieux (1\xa0000,00\xa0€)\n  / 1 sous plan d'apurement (500,00\xa0€)"
    assert attendu in analyse and attendu in accueil


def test_tenant_page_lists_its_pauses_with_who_and_when(client, monde):
    client.force_login(monde["directeur"])
    page = client.get(f"/dashboard/locataires/{monde['l2'].id}/").content.decode()
    assert 'Plan d&#x27;apurement</td><td class="secondaire">I2a</td>' in page and "pdg@akig.local, " in page


def test_director_enters_a_pause_in_the_admin_and_is_kept_as_its_author(client, monde):
    directeur = monde["directeur"]
    directeur.is_staff = True
    directeur.save()
    client.force_login(directeur)
    champs = {"locataire": monde["l3"].id, "type_pause": "contentieux", "motif": "Huissier",
              "debut": f"{AUJOURD_HUI:%d/%m/%Y}", "fin": f"{AUJOURD_HUI + datetime.timedelta(days=10):%d/%m/%Y}"}

    mauvaise = client.post("/admin/recovery/pause/add/", {**champs, "impaye_reference": "I1a"})
    bonne = client.post("/admin/recovery/pause/add/", {**champs, "impaye_reference": "I3"})

    assert mauvaise.status_code == 200
    assert "Aucun impayé « I1a » en cours pour ce locataire." in mauvaise.content.decode()
    assert bonne.status_code == 302
    pause = Pause.objects.get(locataire=monde["l3"])
    assert (pause.impaye_reference, pause.cree_par, pause.type_pause) == ("I3", directeur, "contentieux")


def test_a_debt_under_both_a_litigation_and_a_plan_counts_once_as_litigation(monde):
    # L3's I3 (65 days, 400,00 €): a plan on the tenant and a litigation on that debt. L2's
    # I2a, already under its plan, also gets a tenant-wide litigation that ended yesterday.
    Pause.objects.create(locataire=monde["l3"], type_pause="plan_apurement", motif="Plan",
                         debut=il_y_a(1), fin=AUJOURD_HUI, cree_par=monde["directeur"])
    Pause.objects.create(locataire=monde["l3"], impaye_reference="I3", type_pause="contentieux", motif="Huissier",
                         debut=AUJOURD_HUI, fin=AUJOURD_HUI, cree_par=monde["directeur"])
    Pause.objects.create(locataire=monde["l2"], type_pause="contentieux", motif="Close",
                         debut=il_y_a(10), fin=il_y_a(1), cree_par=monde["directeur"])
    assert impayes_en_pause(jour=AUJOURD_HUI, echeance_avant=echeance_limite(retard_min=60)) == {
        "contentieux": {"nb": 3, "montant": Decimal("1400.00")},
        "plan_apurement": {"nb": 1, "montant": Decimal("500.00")},
    }


def test_analysis_reads_the_pauses_once_for_the_page_and_not_for_htmx_s_table(client, monde, monkeypatch):
    """The page shows « dont … » once, from one read; htmx's table (a sort, a page) does not
    show it and does not read it."""
    from dashboard import views

    appels = []
    vrai = views.impayes_en_pause
    monkeypatch.setattr(views, "impayes_en_pause", lambda **kw: appels.append(kw) or vrai(**kw))
    client.force_login(monde["directeur"])

    tableau = client.get("/dashboard/impayes?filter=retard:60+&tri=-nb", HTTP_HX_REQUEST="true").content.decode()
    assert appels == [] and "contentieux" not in tableau and "<td" in tableau
    page = client.get("/dashboard/impayes?filter=retard:60+").content.decode()
    assert len(appels) == 1 and "dont 2 impayés en contentieux (1\xa0000,00\xa0€)" in page
