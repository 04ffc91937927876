"""The escalation pages in a real browser: a director opens the list, an impayés escalation
and acts on it; a team lead acknowledges their agent's. Screenshots at 1366 and 360 px."""
import datetime

import pytest
from django.utils import timezone

from escalations.models import Regle
from escalations.regles import Observation
from escalations.services import escalade_declencher
from tests.escalations.conftest import impayes_critiques, regles_et_roles
from tests.factories import AgentFactory, EquipeFactory, MissionFactory, SiteFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def escalades():
    regles_et_roles()
    UserFactory(username="dir@akig.local", groups=["Direction"])
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    equipe = EquipeFactory(code="NORD", nom="Équipe Nord", chef=chef)
    agent = AgentFactory(code="AG007", nom="Lucas David", equipe=equipe)
    site = SiteFactory(code="S02", nom="Résidence Marcadet", sensible=True)
    impayes_critiques(site=site, nb=12)
    MissionFactory(agent=agent, site=site, status="non_complete")
    maintenant = timezone.now()
    impayes = escalade_declencher(
        regle=Regle.objects.get(code="impayes-critiques-site"), sujet=f"site:{site.pk}", maintenant=maintenant,
        depuis=maintenant, observation=Observation(site_id=site.pk, valeur={
            "nb_impayes": 12, "montant_total": "6000.00", "retard_min": 60}),
    )
    score = escalade_declencher(
        regle=Regle.objects.get(code="score-agent-bas"), sujet=f"agent:{agent.pk}", maintenant=maintenant,
        depuis=maintenant, observation=Observation(agent_id=agent.pk, equipe_id=equipe.pk,
                                                   valeur={"score": "3.50", "seuil": "5"}),
    )
    return impayes, score


def test_escalations_pages_director_and_team_lead(onglet, escalades):
    impayes, score = escalades
    onglet.connecter("dir@akig.local")
    onglet.aller("/escalations/")
    assert onglet.page.locator("table.escalades tbody tr").count() == 2
    onglet.capturer("escalades-liste")

    onglet.aller(f"/escalations/{impayes.pk}/")
    onglet.page.fill("li:has(input[value=escalade_juridique]) input[name=commentaire]", "Dossier transmis à Me Martin")
    onglet.page.click("li:has(input[value=escalade_juridique]) button")
    onglet.page.wait_for_load_state("networkidle")
    assert "☑ Escalade juridique" in onglet.page.content()
    onglet.capturer("escalade-impayes")

    onglet.aller("/")
    onglet.page.click("button:has-text('Déconnexion')")
    onglet.connecter("chef@akig.local")
    onglet.aller(f"/escalations/{score.pk}/")
    onglet.page.click("button:has-text('Prendre en charge')")
    onglet.page.wait_for_load_state("networkidle")
    assert "Prise en charge" in onglet.page.locator(".pastille").inner_text()
    onglet.capturer("escalade-agent")
    assert onglet.erreurs_console == []


def test_resolving_while_the_condition_holds_asks_for_a_snooze(onglet, escalades):
    impayes, _score = escalades
    onglet.connecter("dir@akig.local")
    onglet.aller(f"/escalations/{impayes.pk}/")
    assert onglet.page.locator("fieldset.sourdine input[type=datetime-local]").count() == 1

    # Without the snooze (the browser's own check bypassed): a French 400 naming the fields.
    onglet.page.fill("#note", "Huissier mandaté")
    onglet.page.eval_on_selector("form.resoudre", "f => f.noValidate = true")
    onglet.page.click("form.resoudre button")
    onglet.page.wait_for_load_state("networkidle")
    assert "Jusqu'au : obligatoire" in onglet.page.locator("#sourdine-erreur").inner_text()
    assert "Motif de la mise en sourdine : obligatoire" in onglet.page.locator("#motif-erreur").inner_text()
    onglet.capturer("escalade-sourdine-erreurs")

    onglet.page.fill("#sourdine_jusqu_au", (timezone.localtime() + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    onglet.page.fill("#motif_sourdine", "Le syndic verse 6 000 € cet après-midi.")
    onglet.page.click("form.resoudre button")
    onglet.page.wait_for_load_state("networkidle")
    assert "En sourdine jusqu'au" in onglet.page.content()
    onglet.capturer("escalade-sourdine-resolue")
