"""Both roles walk the main pages on the small demo, at 1366, 768 and 360 px wide.

On every page and width: no sideways page scroll, no table cut without its own scroll box (with a
visible scrollbar, reachable with the keyboard), a phone sees every table's priority columns,
0 console errors, 0 serious or critical axe-core violations (WCAG 2.1 A/AA; axe vendored under
tests/e2e/vendor/). Screenshots under captures/parcours/ (gitignored; CI keeps them), looked at
by a person. One seeded demo, one browser, one live server: some 2 minutes.
"""
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from escalations.models import Regle
from escalations.regles import Observation
from escalations.services import escalade_declencher

from tests.e2e.conftest import CAPTURES
from tests.e2e.mise_en_page import debordements, violations_axe
from tests.escalations.conftest import regles_et_roles

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LARGEURS = (1366, 768, 360)


@pytest.fixture
def demo():
    """The small demo (as `make demo` loads it) and the runbook's alerts on it; returns the ids
    the walk opens: {site, locataire, agent} (an agent of the first team lead's team)."""
    from agents.models import Agent
    from donnees.demo.profils import CHEF_PREMIERE_EQUIPE
    from recovery.models import Impaye, Locataire

    cache.clear()
    regles_et_roles()  # the rules' data migration, flushed by the transactional tests before
    call_command("seed_demo", "--profil", "small", "--remplacer", verbosity=0, stdout=open("/dev/null", "w"))
    call_command("check_escalations", stdout=open("/dev/null", "w"))
    # A tenant who owes (the page's tables full), with a phone number.
    locataire = Locataire.objects.get(pk=Impaye.objects.filter(locataire__telephone__gt="").order_by(
        "-montant_du", "pk").values_list("locataire_id", flat=True)[0])
    agent = Agent.objects.filter(equipe__chef__username=CHEF_PREMIERE_EQUIPE, actif=True).order_by("code").first()
    # The team lead's own alert: their agent's score below the threshold.
    maintenant = timezone.now()
    escalade_declencher(regle=Regle.objects.get(code="score-agent-bas"), sujet=f"agent:{agent.pk}",
                        maintenant=maintenant, depuis=maintenant,
                        observation=Observation(agent_id=agent.pk, equipe_id=agent.equipe_id,
                                                valeur={"score": "3.50", "seuil": "5"}))
    return {"site": locataire.site_id, "locataire": locataire.pk, "agent": agent.pk, "chef": CHEF_PREMIERE_EQUIPE}


def _visiter(onglet, chemin: str, nom: str) -> list[str]:
    """Open `chemin` at each width (a fresh load, as a phone would), check it, screenshot it."""
    page = onglet.page
    problemes = []
    for largeur in LARGEURS:
        page.set_viewport_size({"width": largeur, "height": 900})
        reponse = onglet.aller(chemin)
        assert reponse.status == 200, f"{chemin} : HTTP {reponse.status}"
        page.wait_for_load_state("networkidle")
        # The charts and the map are drawn when about to be seen: scroll them into view.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")
        problemes += [f"{chemin} à {largeur} px : {p}" for p in debordements(page)]
        if largeur in (1366, 360):
            problemes += [f"{chemin} à {largeur} px : axe {v}" for v in violations_axe(page)]
        page.screenshot(path=str(CAPTURES / "parcours" / f"{nom}-{largeur}.png"), full_page=True)
    problemes += [f"{chemin} : console : {e}" for e in onglet.erreurs_console]
    onglet.erreurs_console.clear()
    return problemes


def test_both_roles_walk_the_main_pages_at_three_widths(onglet, demo):
    (CAPTURES / "parcours").mkdir(parents=True, exist_ok=True)
    from donnees.management.commands.seed_demo import COMPTES_DEMO

    pages = {
        "direction": [
            ("/dashboard/", "dashboard"),
            ("/dashboard/impayes?filter=retard:60+", "impayes-60"),
            (f"/dashboard/sites/{demo['site']}/", "site"),
            (f"/dashboard/locataires/{demo['locataire']}/", "locataire"),
            ("/dashboard/contentieux/", "contentieux"),
            ("/dashboard/roulement", "roulement"),
            ("/agents/", "agents"),
            (f"/agents/{demo['agent']}/", "agent"),
            ("/promesses/", "promesses"),
            ("/escalations/", "escalades"),
            ("ESCALADE", "escalade"),
            ("/journal/", "journal"),
        ],
        "chef": [
            ("/", "accueil"),
            ("/dashboard/roulement", "roulement"),
            ("/agents/", "agents"),
            (f"/agents/{demo['agent']}/", "agent"),
            ("/promesses/", "promesses"),
            ("/escalations/?etat=tout", "escalades"),
            ("ESCALADE", "escalade"),
        ],
    }
    problemes = []
    for role, login in (("direction", "direction"), ("chef", demo["chef"])):
        onglet.page.context.clear_cookies()
        onglet.connecter(login, COMPTES_DEMO[login][0])
        for chemin, nom in pages[role]:
            if chemin == "ESCALADE":  # the first alert this role sees
                onglet.aller("/escalations/?etat=tout")
                chemin = onglet.page.locator("table.escalades tbody a").first.get_attribute("href")
            problemes += _visiter(onglet, chemin, f"{role}-{nom}")
        if role == "chef":
            _au_clavier(onglet, demo)
    assert problemes == []
    assert onglet.erreurs_console == []


def _au_clavier(onglet, demo):
    """The team lead with the keyboard only: a table's box scrolls with the arrows, the replay
    moves with the slider's keys, an escalation is taken on with Enter."""
    page = onglet.page
    page.set_viewport_size({"width": 360, "height": 900})
    onglet.aller(f"/agents/{demo['agent']}/")
    page.locator("#carte").scroll_into_view_if_needed()
    page.wait_for_function("document.getElementById('carte').dataset.pret === '1'")
    avant = page.locator("#horloge").inner_text()
    page.focus("#curseur")
    page.keyboard.press("End")
    assert page.locator("#horloge").inner_text() != avant
    page.keyboard.press("Home")
    assert page.locator("#horloge").inner_text() == avant

    onglet.aller("/agents/")
    page.check("#tableau .bascule-colonnes input")  # all the columns: the box now scrolls
    boite = page.locator("#tableau .defile")
    assert boite.evaluate("b => b.scrollWidth > b.clientWidth")
    boite.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('#tableau .defile').scrollLeft > 0")

    onglet.aller("/escalations/?etat=tout")
    page.locator("table.escalades tbody a").first.click()
    page.locator("button:text-is('Prendre en charge')").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".pastille-prise_en_charge")
