"""The directors' dashboard in a real browser: the runbook's link, filters, sorting,
drill-down to a tenant, the CSV download, the charts; screenshots at 1366 and 360 px."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from akig_ops.lib.cache_donnees import donnees_modifiees

from recovery.services import instantanes_sites_ecrire
from tests.factories import (
    ActionFactory,
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def donnees():
    """A: sensitive, 2 debts over 60 days (3 000,00); B: 2 over 60 days (14 000,01), with
    tenant b1 owing 10 000,01 (legal list); a team lead and their agent working on B."""
    donnees_modifiees()  # figures cached by an earlier test are stale
    a = SiteFactory(code="A", nom="Résidence des Acacias", sensible=True)
    b = SiteFactory(code="B", nom="Square Marcadet")
    a1 = LocataireFactory(site=a, code="L-A1", nom="Jeanne Martin")
    b1 = LocataireFactory(site=b, code="L-B1", nom="<script>alert(1)</script> Durand", telephone="06 12 34 56 78")
    b2 = LocataireFactory(site=b, code="L-B2", nom="Paul Petit")
    ImpayeFactory(locataire=a1, retard=61, montant_du=Decimal("1000.00"))
    ImpayeFactory(locataire=a1, retard=200, montant_du=Decimal("2000.00"))
    ImpayeFactory(locataire=b1, retard=95, montant_du=Decimal("10000.01"))
    ImpayeFactory(locataire=b2, retard=181, montant_du=Decimal("4000.00"))
    ImpayeFactory(locataire=b2, retard=10, montant_du=Decimal("650.00"))
    chef = UserFactory(username="chef.nord@akig.local", groups=["Chef d'équipe"])
    agent = AgentFactory(code="AG001", nom="Lucas David", equipe=EquipeFactory(code="EQN", nom="Équipe Nord", chef=chef))
    MissionFactory(agent=agent, site=b, status="non_complete")
    PerformanceFactory(agent=agent, date_stat=timezone.localdate(), score=Decimal("4.50"), montant_recouvre=Decimal("320.00"))
    ActionFactory(agent=agent, locataire=b1, type_action="promesse", resultat="Promesse de payer le 5",
                  date_action=timezone.now() - datetime.timedelta(hours=3))
    aujourdhui = timezone.localdate()
    instantanes_sites_ecrire(du=aujourdhui - datetime.timedelta(days=365), au=aujourdhui)
    UserFactory(username="pdg@akig.local", groups=["Direction"])


def _codes(page):
    return page.locator("#analyse tbody tr td:first-child strong").all_inner_texts()


def test_dashboard_director_journey(onglet, donnees, tmp_path):
    page = onglet.page
    onglet.connecter("pdg@akig.local")

    # The director lands on the dashboard; the three charts are drawn.
    assert page.url.endswith("/dashboard/")
    for graphique in ("vieillissement", "tendance", "recouvre"):
        page.wait_for_selector(f"#graphique-{graphique} .main-svg")
    assert page.locator(".cartes-chiffres .grand").first.inner_text() == "17\u00a0650,01\u00a0€"
    onglet.capturer("dashboard-accueil")

    # The runbook's link, as written.
    onglet.aller("/dashboard/impayes?filter=retard:60+")
    assert _codes(page) == ["B", "A"]
    onglet.capturer("dashboard-impayes")

    # Filter (htmx swaps the table and pushes the URL).
    page.check("input[name=sensibles]")
    page.click("form.filtres button[type=submit]")
    page.wait_for_url("**sensibles=1**")
    onglet.attendre("document.querySelectorAll('#analyse tbody tr').length === 1")
    assert _codes(page) == ["A"]
    page.uncheck("input[name=sensibles]")
    page.fill("input[name=retard]", "90")
    page.click("form.filtres button[type=submit]")
    page.wait_for_url("**retard=90**")
    onglet.attendre("document.querySelectorAll('#analyse tbody tr').length === 2")

    # Sort on the site column.
    page.click("#analyse th a:text-is('Site')")
    page.wait_for_url("**tri=code**")
    onglet.attendre("document.querySelector('#analyse tbody strong').textContent === 'A'")
    assert _codes(page) == ["A", "B"]

    # Download exactly what the table shows.
    with page.expect_download() as attente:
        page.click("#analyse a:text('Exporter en CSV')")
    contenu = attente.value.path().read_bytes().decode("utf-8")
    assert contenu.startswith("\ufeffCode site;Site;Sensible;Impayés > 90 j;")
    assert [ligne.split(";")[0] for ligne in contenu.splitlines()[1:]] == ["A", "B"]

    # Drill down: site B, then its tenant b1 (name escaped), and back up.
    page.click("#analyse a:has-text('Square Marcadet')")
    page.wait_for_url("**/dashboard/sites/**")
    assert page.locator("#locataires tbody tr").count() == 2
    onglet.capturer("dashboard-site")
    page.click("#locataires a:has-text('L-B1')")
    page.wait_for_url("**/dashboard/locataires/**")
    assert "<script>alert(1)</script> Durand" in page.locator("h1").inner_text()
    assert "Promesse de payer le 5" in page.locator("main").inner_text()
    onglet.capturer("dashboard-locataire")
    page.click("nav.fil a:text-is('B')")
    page.wait_for_url("**/dashboard/sites/**")

    onglet.aller("/dashboard/contentieux/")
    assert page.locator("#locataires tbody tr").count() == 1
    onglet.capturer("dashboard-contentieux")

    assert onglet.erreurs_console == []


def test_team_lead_home_fits_a_phone(onglet, donnees):
    onglet.connecter("chef.nord@akig.local")

    assert "Lucas David" in onglet.page.locator("main").inner_text()
    onglet.capturer("accueil-chef")
    assert onglet.erreurs_console == []
    assert onglet.aller("/dashboard/").status == 403
