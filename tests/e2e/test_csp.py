"""The Content-Security-Policy in a real browser: every main page, its charts (Plotly), its map
(Leaflet) and its htmx swaps work under the policy, with 0 violation and 0 console error."""
import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from akig_ops.lib.cache_donnees import donnees_modifiees
from escalations.models import Regle
from escalations.regles import Observation
from escalations.services import escalade_declencher
from recovery.services import instantanes_sites_ecrire
from tests.escalations.conftest import impayes_critiques, regles_et_roles
from tests.factories import (
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    PositionFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Every violation the page reports (the event fires once per blocked script, style or image).
ECOUTE_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__violations.push(e.effectiveDirective + " " + (e.blockedURI || "inline") + " "
                           + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture
def parc():
    """A director and a team lead; site S02 with 12 critical debts and a tenant, agent AG007 of
    the lead's team with a mission there, a 60-minute trail yesterday and 3 days of scores; an
    escalation of each kind."""
    cache.clear()
    donnees_modifiees()
    regles_et_roles()
    UserFactory(username="dir@akig.local", groups=["Direction"], is_staff=True, is_superuser=True)
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    equipe = EquipeFactory(code="NORD", nom="Équipe Nord", chef=chef)
    agent = AgentFactory(code="AG007", nom="Lucas David", equipe=equipe)
    site = SiteFactory(code="S02", nom="Résidence Marcadet", sensible=True, latitude=48.85, longitude=2.35)
    impayes_critiques(site=site, nb=12)
    locataire = LocataireFactory(site=site, code="L-1", nom="Jeanne Martin", telephone="06 12 34 56 78")
    ImpayeFactory(locataire=locataire, retard=95, montant_du=Decimal("1234.56"))
    hier = timezone.localdate() - datetime.timedelta(days=1)
    tz = timezone.get_default_timezone()
    MissionFactory(agent=agent, site=site, date_prevue=hier, heure_debut=datetime.time(9),
                   heure_fin=datetime.time(10), status="non_complete")
    for k in range(60):
        PositionFactory(agent=agent, timestamp=datetime.datetime.combine(hier, datetime.time(9, k), tzinfo=tz),
                        latitude=48.85 + k * 20 / 111_195, longitude=2.35)
    for jours, score in [(1, "6.50"), (2, "4.00"), (3, "7.25")]:
        PerformanceFactory(agent=agent, date_stat=timezone.localdate() - datetime.timedelta(days=jours),
                           score=Decimal(score))
    aujourdhui = timezone.localdate()
    instantanes_sites_ecrire(du=aujourdhui - datetime.timedelta(days=60), au=aujourdhui)
    maintenant = timezone.now()
    impayes = escalade_declencher(
        regle=Regle.objects.get(code="impayes-critiques-site"), sujet=f"site:{site.pk}", maintenant=maintenant,
        depuis=maintenant, observation=Observation(site_id=site.pk, valeur={
            "nb_impayes": 12, "montant_total": "6000.00", "retard_min": 60}),
    )
    escalade_declencher(
        regle=Regle.objects.get(code="score-agent-bas"), sujet=f"agent:{agent.pk}", maintenant=maintenant,
        depuis=maintenant, observation=Observation(agent_id=agent.pk, equipe_id=equipe.pk,
                                                   valeur={"score": "3.50", "seuil": "5"}),
    )
    return {"agent": agent, "site": site, "locataire": locataire, "escalade": impayes,
            "regle": Regle.objects.get(code="score-agent-bas")}


def _violations(onglet) -> list[str]:
    return onglet.page.evaluate("window.__violations")


def test_main_pages_run_under_the_csp_without_a_violation_or_a_console_error(onglet, parc):
    page = onglet.page
    page.add_init_script(ECOUTE_VIOLATIONS)
    bloquees = onglet.bloquer_l_exterieur()
    onglet.connecter("dir@akig.local")
    politique = page.goto(onglet.base_url + "/dashboard/").headers["content-security-policy"]
    assert "script-src 'self'" in politique and "unsafe-eval" not in politique

    vus = {}
    # The dashboard: its Plotly charts drawn.
    onglet.attendre("document.querySelectorAll('.js-plotly-plot .main-svg').length >= 1", timeout=20_000)
    vus["/dashboard/"] = _violations(onglet)
    # The analysis, then an htmx swap of its table (a sort).
    onglet.aller("/dashboard/impayes?filter=retard:60+")
    page.locator("#analyse th a").first.click()
    page.wait_for_load_state("networkidle")
    vus["/dashboard/impayes"] = _violations(onglet)
    for chemin in (f"/dashboard/sites/{parc['site'].pk}/", f"/dashboard/locataires/{parc['locataire'].pk}/",
                   "/escalations/", f"/escalations/{parc['escalade'].pk}/", "/agents/", "/journal/",
                   "/api/terrain/docs", "/admin/", "/admin/escalations/regle/",
                   f"/admin/escalations/regle/{parc['regle'].pk}/change/",
                   f"/admin/escalations/regle/{parc['regle'].pk}/apercu/", "/dashboard/roulement",
                   "/dashboard/contentieux/", "/promesses/", f"/agents/{parc['agent'].pk}/telephone/"):
        assert onglet.aller(chemin).status == 200, chemin
        page.wait_for_load_state("networkidle")
        if chemin == "/api/terrain/docs":  # Swagger UI: an operation opened, « Try it out »
            page.locator(".opblock-summary").first.click()
            page.locator("button.try-out__btn").first.click()
            page.wait_for_timeout(300)
        vus[chemin] = _violations(onglet)
    # The agent page: its map (Leaflet), its score charts (Plotly, loaded when seen), a day swap.
    onglet.aller(f"/agents/{parc['agent'].pk}/")
    page.locator("#carte").scroll_into_view_if_needed()
    onglet.attendre("document.getElementById('carte').dataset.pret === '1'", timeout=20_000)
    page.locator("#courbe-jour, #graphique-historique").last.scroll_into_view_if_needed()
    onglet.attendre("!!window.Plotly && document.querySelectorAll('.js-plotly-plot').length >= 1",
                           timeout=20_000)
    for bouton in ("#veille", "#lendemain", "#journee-entiere"):  # htmx swaps over the drawn map and chart
        page.click(bouton)
        page.wait_for_load_state("networkidle")
        onglet.attendre("document.getElementById('carte').dataset.pret === '1'", timeout=20_000)
    page.wait_for_timeout(500)  # htmx's settle
    vus["/agents/<id>/"] = _violations(onglet)

    violations = {chemin: v for chemin, v in vus.items() if v}
    assert not violations, "\n".join(f"{chemin} : {v}" for chemin, v in violations.items())
    assert onglet.erreurs_console == []
    assert bloquees == []

