"""The follow-up ladder: a tenant climbing day by day (each step's work created once, even
after a restart), dropping back after a payment, jumping a step after a broken promise, moving
back after a kept one; the mise en demeure PDF; the command; two runners at once (PostgreSQL)."""
import datetime
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from agents.models import Mission, Tache
from recovery.models import Impaye, ImpayeSolde
from relances.models import Etape, EtatRelance, Lettre, Passage
from relances.selectors import locataires_par_etape_et_site, locataires_suivi_juridique, relance_du_locataire
from relances.lettres import lettre_pdf
from relances.services import relances_avancer
from tests.escalations.test_synthese_et_pdf import texte_pdf
from tests.factories import (
    ActionFactory,
    AgentFactory,
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
# The oldest instalment's due date: day J+n of the ladder is J0 + n days.
J0 = datetime.date(2026, 1, 5)


def jour(n: int) -> datetime.date:
    return J0 + datetime.timedelta(days=n)


def le(n: int, heure: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(jour(n), datetime.time(heure), tzinfo=PARIS)


@pytest.fixture
def etapes():
    """The default ladder, built here: J+10 SMS, J+20 appel, J+35 visite, J+50 mise en demeure,
    J+60 dossier juridique."""
    Etape.objects.all().delete()
    return [Etape.objects.create(jours_retard=j, type_etape=t, libelle=l) for j, t, l in (
        (10, "sms", "SMS de rappel"), (20, "appel", "Appel"), (35, "visite", "Visite"),
        (50, "mise_en_demeure", "Mise en demeure"), (60, "juridique", "Dossier juridique"))]


@pytest.fixture
def monde(etapes):
    """Site S1, covered by AG1 (two missions there in December) rather than AG2 (one).
    L1 on S1 owes I1 (500,00 € due J0) and I2 (500,00 € due J0 + 31, 250,00 paid)."""
    s1 = SiteFactory(code="S1", nom="Les Vergers", adresse="3 rue des Vergers, Paris")
    ag1, ag2 = AgentFactory(code="AG1"), AgentFactory(code="AG2")
    for n, agent in ((1, ag1), (2, ag1), (3, ag2)):
        MissionFactory(reference=f"M{n}", agent=agent, site=s1, date_prevue=datetime.date(2025, 12, n), status="complete")
    l1 = LocataireFactory(code="L1", nom="Marie Curie", site=s1)
    ImpayeFactory(reference="I1", locataire=l1, date_echeance=J0, periode=datetime.date(2026, 1, 1),
                  montant_du=Decimal("500.00"))
    ImpayeFactory(reference="I2", locataire=l1, date_echeance=jour(31), periode=datetime.date(2026, 2, 1),
                  montant_du=Decimal("500.00"), montant_paye=Decimal("250.00"))
    return {"s1": s1, "ag1": ag1, "ag2": ag2, "l1": l1}


def etape_de(locataire) -> str | None:
    etat = EtatRelance.objects.select_related("etape").filter(locataire=locataire).first()
    return etat.etape.type_etape if etat and etat.etape else None


def historique(locataire) -> list[tuple]:
    return [(p.jour, p.de and p.de.type_etape, p.vers and p.vers.type_etape, p.motif)
            for p in Passage.objects.filter(locataire=locataire).order_by("version")]


def test_default_steps_come_from_the_migration():
    assert list(Etape.objects.values_list("jours_retard", "type_etape")) == [
        (10, "sms"), (20, "appel"), (35, "visite"), (50, "mise_en_demeure"), (60, "juridique")]


def test_tenant_climbs_the_ladder_day_by_day_each_work_once(monde):
    l1, ag1 = monde["l1"], monde["ag1"]
    vus = {}
    for n in range(0, 62):
        relances_avancer(aujourd_hui=jour(n))
        vus[n] = etape_de(l1)
        if n in (35, 50):  # a restart of beat the same day: nothing twice
            assert relances_avancer(aujourd_hui=jour(n)) == {"montees": 0, "descentes": 0, "inchanges": 1}

    # Just below, at and just above each threshold.
    assert [vus[n] for n in (9, 10, 11, 19, 20, 34, 35, 49, 50, 59, 60, 61)] == [
        None, "sms", "sms", "sms", "appel", "appel", "visite", "visite", "mise_en_demeure", "mise_en_demeure",
        "juridique", "juridique"]
    assert historique(l1) == [(jour(10), None, "sms", "retard"), (jour(20), "sms", "appel", "retard"),
                              (jour(35), "appel", "visite", "retard"), (jour(50), "visite", "mise_en_demeure", "retard"),
                              (jour(60), "mise_en_demeure", "juridique", "retard")]
    # SMS and call: tasks on AG1's list (who covers S1), on the day reached.
    assert list(Tache.objects.values_list("agent__code", "locataire__code", "type_tache", "jour")) == [
        ("AG1", "L1", "sms", jour(10)), ("AG1", "L1", "appel", jour(20))]
    # The visit: one mission for AG1 at S1 the next morning, created once.
    missions = list(Mission.objects.filter(reference__startswith="REL-").values_list("agent__code", "site__code",
                                                                                      "date_prevue", "status"))
    assert missions == [("AG1", "S1", jour(36), "planifiee")]
    # The formal notice: one PDF, both instalments, 500 + 250 = 750,00 € still owed.
    lettre = Lettre.objects.get()
    assert lettre.reste_du == Decimal("750.00") and bytes(lettre.pdf).startswith(b"%PDF")
    assert [l["locataire__code"] for l in locataires_suivi_juridique()] == ["L1"]


def test_visit_step_reuses_a_planned_mission_of_the_covering_agent(monde):
    MissionFactory(reference="M-PREVUE", agent=monde["ag1"], site=monde["s1"], date_prevue=jour(37))
    for n in (10, 20, 35):
        relances_avancer(aujourd_hui=jour(n))
    assert not Mission.objects.filter(reference__startswith="REL-").exists()
    assert "mission M-PREVUE du " in Passage.objects.get(vers__type_etape="visite").travail


def test_payment_clearing_the_oldest_instalment_drops_the_tenant_back(monde):
    l1 = monde["l1"]
    for n in (10, 20, 40):
        relances_avancer(aujourd_hui=jour(n))
    assert etape_de(l1) == "visite"
    # I1 paid in full: it leaves impayes; the oldest is now I2 (due J0 + 31, 10 days late on J0 + 41).
    i1 = Impaye.objects.get(reference="I1")
    ImpayeSolde.objects.create(reference="I1", locataire=l1, site=l1.site, periode=i1.periode, montant_du=i1.montant_du,
                               montant_paye=i1.montant_du, date_echeance=i1.date_echeance)
    i1.delete()

    relances_avancer(aujourd_hui=jour(40))
    assert etape_de(l1) is None
    relances_avancer(aujourd_hui=jour(41))

    assert etape_de(l1) == "sms"
    assert historique(l1)[-2:] == [(jour(40), "visite", None, "echeance_reglee"), (jour(41), None, "sms", "retard")]


def test_broken_promise_jumps_a_step_at_once(monde):
    l1 = monde["l1"]
    relances_avancer(aujourd_hui=jour(10))
    # On J+11, 200,00 € promised for J+13: with 3 days of grace, broken on J+17 (nothing paid).
    ActionFactory(agent=monde["ag1"], locataire=l1, type_action="promesse", date_action=le(11),
                  promesse_montant=Decimal("200.00"), promesse_date=jour(13))
    for n in (11, 16):
        relances_avancer(aujourd_hui=jour(n))
    assert etape_de(l1) == "sms"

    relances_avancer(aujourd_hui=jour(17))
    assert etape_de(l1) == "appel"
    assert historique(l1)[-1] == (jour(17), "sms", "appel", "promesse_rompue")
    assert Tache.objects.filter(type_tache="appel", jour=jour(17)).count() == 1
    # The step ahead holds: on J+20 (the call's own threshold) the tenant is at the visit.
    relances_avancer(aujourd_hui=jour(20))
    assert etape_de(l1) == "visite"


def test_kept_promise_moves_back_a_step(monde):
    l1 = monde["l1"]
    for n in (10, 20):
        relances_avancer(aujourd_hui=jour(n))
    # On J+21, 300,00 € for J+25; 300,00 paid on J+23: tenue on J+23.
    ActionFactory(agent=monde["ag1"], locataire=l1, type_action="promesse", date_action=le(21),
                  promesse_montant=Decimal("300.00"), promesse_date=jour(25))
    ActionFactory(agent=monde["ag2"], locataire=l1, type_action="paiement", date_action=le(23),
                  montant_recouvre=Decimal("300.00"))
    relances_avancer(aujourd_hui=jour(22))
    assert etape_de(l1) == "appel"

    relances_avancer(aujourd_hui=jour(23))
    assert etape_de(l1) == "sms"
    assert historique(l1)[-1] == (jour(23), "appel", "sms", "promesse_tenue")
    relances_avancer(aujourd_hui=jour(35))
    assert etape_de(l1) == "appel"


def test_a_step_switched_off_is_skipped(monde, etapes):
    Etape.objects.filter(type_etape="sms").update(active=False)
    for n in (10, 20):
        relances_avancer(aujourd_hui=jour(n))
    assert historique(monde["l1"]) == [(jour(20), None, "appel", "retard")]


def test_tenants_per_step_and_site_and_the_tenant_s_history(monde):
    # L2 owes I9, due J0 + 15: 20 days late on J0 + 35, the call; L1 is at the visit.
    autre = LocataireFactory(code="L2", site=monde["s1"])
    ImpayeFactory(reference="I9", locataire=autre, date_echeance=jour(15))
    relances_avancer(aujourd_hui=jour(35))

    tableau = locataires_par_etape_et_site()
    assert [e.type_etape for e in tableau["etapes"]] == ["sms", "appel", "visite", "mise_en_demeure", "juridique"]
    assert tableau["sites"] == [{"site_id": monde["s1"].id, "site_code": "S1", "comptes": [0, 1, 1, 0, 0], "total": 2}]
    relance = relance_du_locataire(locataire_id=monde["l1"].id)
    assert relance["etat"].etape.type_etape == "visite" and len(relance["passages"]) == 1


def test_command_runs_the_ladder_and_refuses_a_bad_day(monde):
    sortie = StringIO()
    call_command("relances_avancer", "--jour", f"{jour(20):%Y-%m-%d}", stdout=sortie)
    assert sortie.getvalue().strip() == "Relances : 1 montée(s), 0 descente(s), 0 inchangé(s)."
    with pytest.raises(CommandError, match="--jour : date invalide « 20/01/2026 » \\(attendu AAAA-MM-JJ\\)"):
        call_command("relances_avancer", "--jour", "20/01/2026")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_runners_at_once_create_the_visit_once(monde):
    for n in (10, 20):
        relances_avancer(aujourd_hui=jour(n))
    depart = threading.Barrier(2)
    resultats = []

    def courir():
        try:
            depart.wait()
            resultats.append(relances_avancer(aujourd_hui=jour(35)))
        finally:
            connection.close()

    fils = [threading.Thread(target=courir) for _ in range(2)]
    for f in fils:
        f.start()
    for f in fils:
        f.join(60)

    assert sorted(r["montees"] for r in resultats) == [0, 1]
    assert Mission.objects.filter(reference__startswith="REL-").count() == 1
    assert Passage.objects.filter(vers__type_etape="visite").count() == 1


# --- Pages


@pytest.fixture
def directeur():
    return UserFactory(username="pdg@akig.local", groups=["Direction"])


def test_tenant_page_shows_step_history_and_the_letter(client, monde, directeur):
    for n in (10, 20, 35, 50):
        relances_avancer(aujourd_hui=jour(n))
    lettre = Lettre.objects.get()
    client.force_login(directeur)

    page = client.get(f"/dashboard/locataires/{monde['l1'].id}/").content.decode()
    pdf = client.get(f"/dashboard/locataires/{monde['l1'].id}/lettres/{lettre.id}.pdf")
    ailleurs = client.get(f"/dashboard/locataires/{monde['l1'].id + 1}/lettres/{lettre.id}.pdf")

    assert "Étape actuelle : <strong>J+50 Mise en demeure</strong>" in page
    assert page.count('<td class="secondaire">Retard</td>') == 4
    assert "mission REL-" in page and "Mise en demeure du " in page and "(750,00\xa0€), PDF" in page
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:4]) == (200, "application/pdf", b"%PDF")
    assert ailleurs.status_code == 404


def test_letter_refused_to_a_team_lead_and_anonymous(client, monde):
    for n in (10, 50):
        relances_avancer(aujourd_hui=jour(n))
    url = f"/dashboard/locataires/{monde['l1'].id}/lettres/{Lettre.objects.get().id}.pdf"
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(username="chef@akig.local", groups=["Chef d'équipe"]))
    assert client.get(url).status_code == 403


def test_dashboard_and_legal_list_show_the_ladder(client, monde, directeur):
    for n in (10, 60):
        relances_avancer(aujourd_hui=jour(n))
    client.force_login(directeur)
    accueil = client.get("/dashboard/")
    contentieux = client.get("/dashboard/contentieux/")
    assert accueil.context["relances"]["sites"][0]["comptes"] == [0, 0, 0, 0, 1]
    assert 'id="relances-par-site"' in accueil.content.decode()
    assert [l["locataire__code"] for l in contentieux.context["suivi_juridique"]] == ["L1"]


def test_agent_page_lists_the_calls_and_sms_to_make(client, monde, directeur):
    for n in (10, 20):
        relances_avancer(aujourd_hui=jour(n))
    client.force_login(directeur)
    page = client.get(f"/agents/{monde['ag1'].id}/")
    assert [(t.type_tache, t.locataire.code) for t in page.context["taches"]] == [("sms", "L1"), ("appel", "L1")]


def test_mise_en_demeure_pdf_reads_back_with_the_instalments_of_its_day(monde, tmp_path):
    # A third instalment due J0 + 62 is not yet due on J0 + 50: not in the letter.
    ImpayeFactory(reference="I3", locataire=monde["l1"], date_echeance=jour(62), periode=datetime.date(2026, 3, 1),
                  montant_du=Decimal("500.00"))
    pdf, reste_du = lettre_pdf(locataire_id=monde["l1"].id, aujourd_hui=jour(50))

    texte = texte_pdf(pdf, tmp_path)
    assert reste_du == Decimal("750.00")
    assert "Mise en demeure de payer" in texte and "Marie Curie" in texte
    assert "Janvier 2026 05/01/2026 500,00 € 0,00 € 500,00 € 50 jours" in texte
    assert "Février 2026 05/02/2026 500,00 € 250,00 € 250,00 € 19 jours" in texte
    assert "Total restant dû 750,00 €" in texte and "Mars 2026" not in texte
    assert "au plus tard le 04/03/2026" in texte  # J0 + 50 = 24/02, 8 days to pay
