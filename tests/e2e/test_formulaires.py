"""The forms that pick a team, a site or an agent, in a real browser: the analysis' filters (team
select, site suggested by name), the promises' filters as a team lead, the reassignment of an
impayés escalation. Screenshots at 1366 and 360 px."""
import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.models import Mission
from tests.escalations.conftest import escalade_impayes_site, regles_et_roles
from tests.factories import (
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
def equipes():
    """Team Nord (its lead) works S01 Les Vergers and S02 Marcadet (12 critical debts, an open
    escalation); team Sud works S03 Square Ornano. Nord: AG200 Faible (2 non-complete missions on
    S02 and 1 planned tomorrow, 2.50 over 7 days), AG201 Bon (7.00), AG202 Nouveau (no score)."""
    from akig_ops.lib.cache_donnees import donnees_modifiees

    donnees_modifiees()
    regles_et_roles()
    UserFactory(username="dir@akig.local", groups=["Direction"])
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    nord = EquipeFactory(code="NORD", nom="Équipe Nord", chef=chef)
    sud = EquipeFactory(code="SUD", nom="Équipe Sud")
    vergers, marcadet = SiteFactory(code="S01", nom="Les Vergers"), SiteFactory(code="S02", nom="Marcadet")
    ornano = SiteFactory(code="S03", nom="Square Ornano")
    faible = AgentFactory(code="AG200", nom="Faible", equipe=nord)
    bon = AgentFactory(code="AG201", nom="Bon", equipe=nord)
    AgentFactory(code="AG202", nom="Nouveau", equipe=nord)
    AgentFactory(code="AG300", nom="Emma Leroy", equipe=sud)
    hier = timezone.localdate() - datetime.timedelta(days=1)
    for _ in range(2):
        MissionFactory(agent=faible, site=marcadet, status="non_complete", date_prevue=hier)
    MissionFactory(agent=faible, site=marcadet, date_prevue=timezone.localdate() + datetime.timedelta(days=1))
    MissionFactory(agent=bon, site=vergers, date_prevue=hier)
    MissionFactory(agent=AgentFactory(code="AG301", nom="Paul Petit", equipe=sud), site=ornano, date_prevue=hier)
    for jours, score in ((1, "2.00"), (3, "3.00")):
        PerformanceFactory(agent=faible, date_stat=timezone.localdate() - datetime.timedelta(days=jours),
                           score=Decimal(score))
    PerformanceFactory(agent=bon, date_stat=timezone.localdate(), score=Decimal("7.00"))
    for site in (vergers, ornano):
        ImpayeFactory(locataire=LocataireFactory(site=site), retard=75, montant_du=Decimal("800.00"))
    escalade = escalade_impayes_site(site=marcadet)
    return {"escalade": escalade, "faible": faible, "bon": bon}


def _codes(page):
    return page.locator("#analyse tbody tr td:first-child strong").all_inner_texts()


def test_filters_pick_a_team_and_a_site_by_name(onglet, equipes):
    page = onglet.page
    onglet.connecter("dir@akig.local")
    onglet.aller("/dashboard/impayes?filter=retard:60+")
    assert _codes(page) == ["S02", "S01", "S03"]

    page.select_option("#f-equipe", label="Équipe Nord")
    page.click(".filtres button[type=submit]")
    onglet.attendre("document.querySelectorAll('#analyse tbody tr').length === 2")
    assert sorted(_codes(page)) == ["S01", "S02"]
    assert "equipe=NORD" in page.url
    onglet.capturer("formulaire-analyse-equipe")

    # The site field's suggestions come when it first gets the focus, once; the URL stays.
    assert page.locator("#choix-sites option").count() == 0
    page.focus("#f-site")
    onglet.attendre("document.querySelectorAll('#choix-sites option').length === 3")
    options = page.locator("#choix-sites option")
    assert [(options.nth(i).get_attribute("value"), options.nth(i).text_content()) for i in range(3)] == [
        ("S01", "Les Vergers"), ("S02", "Marcadet"), ("S03", "Square Ornano")]
    assert "equipe=NORD" in page.url and "sites/choix" not in page.url

    # A name typed by hand, not picked: the only site it names.
    page.fill("#f-site", "vergers")
    page.click(".filtres button[type=submit]")
    onglet.attendre("document.querySelectorAll('#analyse tbody tr').length === 1")
    assert _codes(page) == ["S01"]

    # A name that names nothing: the message, and no row (never the unfiltered table).
    page.fill("#f-site", "Nord")
    page.click(".filtres button[type=submit]")
    onglet.attendre("document.querySelector('#analyse .messages-erreur') !== null")
    assert "aucun site n'a le code ou le nom « Nord »" in page.locator("#analyse").inner_text()
    assert page.locator("#analyse tbody tr").inner_text() == "Aucun site ne correspond à ces filtres."
    onglet.capturer("formulaire-analyse-site-inconnu")
    assert onglet.erreurs_console == [] or all("400" in e for e in onglet.erreurs_console)


def test_team_lead_picks_among_their_own_sites_and_agents(onglet, equipes):
    page = onglet.page
    onglet.connecter("chef@akig.local")
    onglet.aller("/promesses/")
    options = page.locator("#choix-sites option")
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["S01", "S02"]
    assert page.locator("select[name=agent] option").all_inner_texts() == [
        "Tous", "AG200 – Faible", "AG201 – Bon", "AG202 – Nouveau"]
    onglet.capturer("formulaire-promesses")
    page.fill("input[name=site]", "Ornano")  # team Sud's
    page.click("form.filtres button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Site « Ornano » inconnu ou hors de vos équipes" in page.locator("form.filtres").inner_text()
    assert page.locator("#promesses").count() == 0
    onglet.capturer("formulaire-promesses-hors-equipe")


def test_director_reassigns_to_an_agent_chosen_by_score(onglet, equipes):
    page = onglet.page
    onglet.connecter("dir@akig.local")
    onglet.aller(f"/escalations/{equipes['escalade'].pk}/")
    choix = page.locator(f"#vers-{equipes['faible'].pk} option")
    assert choix.all_inner_texts() == [
        "— choisir un agent —", "AG201 – Bon · score 7 j : 7,00", "AG202 – Nouveau · pas de score sur 7 j"]
    assert page.locator(f"#vers-{equipes['faible'].pk}").input_value() == "", "nobody chosen by default"
    page.locator("form.reassigner").first.scroll_into_view_if_needed()
    onglet.capturer("formulaire-reassignation")

    page.locator("form.reassigner button").first.click()  # nobody chosen: the browser asks, nothing sent
    assert page.evaluate(f"document.getElementById('vers-{equipes['faible'].pk}').validity.valueMissing")
    page.select_option(f"#vers-{equipes['faible'].pk}", label="AG201 – Bon · score 7 j : 7,00")
    page.locator("form.reassigner button").first.click()
    page.wait_for_load_state("networkidle")
    assert "Missions réassignées : 1." in page.content()  # tomorrow's; yesterday's non-complete ones stay
    assert Mission.objects.filter(agent=equipes["faible"]).count() == 2
    assert Mission.objects.filter(agent=equipes["bon"]).count() == 2
    assert onglet.erreurs_console == []
