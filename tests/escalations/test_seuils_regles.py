"""Thresholds come from the rules: a director changes a rule's threshold and delay in the admin,
and the dashboard card, the ageing chart, /metrics, the email's links and the next evaluation
all follow (escalations.selectors.seuils_alertes)."""
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from akig_ops.lib.metriques import jauges_metier_calculer
from dashboard.selectors import tableau_de_bord
from escalations.models import Escalade, Message, Regle
from escalations.rapports import pdf_rendre
from escalations.services import escalades_evaluer
from tests.escalations.conftest import impayes_critiques, paris
from tests.escalations.test_synthese_et_pdf import texte_pdf
from tests.test_figures_partout import apres
from tests.factories import ImpayeFactory, LocataireFactory, PerformanceFactory, agent_au_travail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()  # the pages' figures are cached per data generation, in Redis across tests


def modifier_dans_l_admin(client, regle: Regle, **champs) -> None:
    """Post the rule's admin change form with `champs` changed, the rest as it is."""
    donnees = {
        "nom": regle.nom, "severite": regle.severite, "active": "on" if regle.active else "",
        "seuil": str(regle.seuil), "retard_min": regle.retard_min, "duree_min": regle.duree_min,
        "niveau_initial": regle.niveau_initial, "delai_relance_min": regle.delai_relance_min,
        "delai_resolution_min": regle.delai_resolution_min,
        **({"seuil_contentieux": str(regle.seuil_contentieux)} if regle.type == Regle.Type.IMPAYES_CRITIQUES else {}),
        **champs,
    }
    reponse = client.post(reverse("admin:escalations_regle_change", args=[regle.pk]), donnees)
    assert reponse.status_code == 302, reponse.content.decode()[:2000]


def carte(page: str, libelle: str) -> str:
    """The big number of the dashboard card labelled `libelle`."""
    reste = page[page.index(libelle):]
    return reste[reste.index('class="grand') :].split(">", 1)[1].split("<", 1)[0].strip()


def test_rule_threshold_and_delay_edited_in_the_admin_reach_every_place(
    client, django_user_model, gens, deux_sites, horloge,
):
    horloge(paris(2026, 11, 30, 10, 0))
    s01, s02 = deux_sites
    # S01: 4 instalments 40 days late (each of 500.00 €); S02: 2 instalments 70 days late.
    impayes_critiques(site=s01, nb=4, retard=40)
    impayes_critiques(site=s02, nb=2, retard=70)
    client.force_login(django_user_model.objects.create_superuser(username="admin@akig.local", password=None))

    # With the runbook's defaults (more than 50 past 60 days, a site more than 10): 2 past 60 days.
    avant = client.get(reverse("dashboard:accueil")).content.decode()
    assert "sous le seuil d'alerte (plus de 50 échéances)" in avant and "retard:60%2B" in avant

    # When a director sets: overall more than 5 past 30 days; a site more than 3 past 30 days.
    modifier_dans_l_admin(client, Regle.objects.get(code="impayes-critiques"), seuil="5", retard_min=30)
    modifier_dans_l_admin(client, Regle.objects.get(code="impayes-critiques-site"), seuil="3", retard_min=30)

    # Then the card counts past 30 days: 4 + 2 = 6 > 5, its link and its line say so.
    page = client.get(reverse("dashboard:accueil")).content.decode()
    carte = page[page.index('id="carte-critiques"'):]
    carte = carte[:carte.index("</a>")]
    assert "Reste dû à plus de 30 jours" in carte and "3\u00a0000,00\u00a0€" in carte
    assert "6 échéances impayées · 6 locataires" in carte
    assert "seuil d'alerte (plus de 5 échéances) dépassé" in carte
    assert 'href="/dashboard/impayes?filter=retard:30%2B" id="carte-critiques"' in page
    assert "retard:60" not in page
    # The chart, as the page gives it to the browser: a site's line at 3, its bottom part past
    # 30 days (S01 4, S02 2) and its top part the rest (none).
    assert json.loads(apres(page, '<script id="donnees-seuils" type="application/json">', "</script>")) == {
        "site": 3, "global": 5, "retard": 30, "retard_site": 30}
    graphique = json.loads(apres(page, '<script id="donnees-vieillissement" type="application/json">', "</script>"))
    assert graphique["retard_min"] == 30
    assert dict(zip(graphique["sites"], zip(graphique["au_dela"]["nb"], graphique["en_deca"]["nb"]))) == {
        "S01": (4, 0), "S02": (2, 0)}
    donnees = tableau_de_bord()
    assert donnees["seuils_graphiques"] == {"site": 3, "global": 5, "retard": 30, "retard_site": 30}
    assert donnees["vieillissement"]["retard_min"] == 30
    assert dict(zip(donnees["vieillissement"]["sites"], donnees["vieillissement"]["au_dela"]["nb"])) == {
        "S01": 4, "S02": 2}
    # /metrics' gauges: the count past 30 days and the rule's values.
    jauges = {j["nom"]: j["valeurs"][0][1] for j in jauges_metier_calculer()["jauges"] if not j["etiquettes"]}
    assert (jauges["akig_impayes_critiques"], jauges["akig_seuil_impayes_critiques"],
            jauges["akig_retard_critique_jours"]) == (6, 5, 30)

    # The next evaluation: the overall rule (6 > 5) and S01 (4 > 3) fire, S02 (2, not > 3) does not.
    escalades_evaluer()
    ouvertes = {(e.regle.code, e.site.code if e.site_id else None) for e in Escalade.objects.all()}
    assert ouvertes == {("impayes-critiques", None), ("impayes-critiques-site", "S01")}
    liens = " ".join(m.corps_texte for m in Message.objects.all())
    assert f"Lien urgent: {settings.AKIG_BASE_URL}/dashboard/impayes?filter=retard:30+" in liens
    assert f"Lien urgent: {settings.AKIG_BASE_URL}/dashboard/sites/{s01.pk}/" in liens
    assert "retard:60" not in liens
    assert Escalade.objects.get(site=s01).valeur_declenchement["nb_impayes"] == 4
    assert Decimal(Escalade.objects.get(site=s01).valeur_declenchement["montant_total"]) == Decimal("2000.00")


def test_legal_and_score_thresholds_edited_in_the_admin_reach_every_place(
    client, django_user_model, gens, deux_sites, horloge, tmp_path,
):
    horloge(paris(2026, 11, 30, 12, 0))
    s01, s02 = deux_sites
    # T1 (S01) owes 6 000,00, T2 (S02) 4 000,00: nobody above the runbook's 10 000 €.
    t1 = LocataireFactory(site=s01, code="T1", nom="Claire Un")
    ImpayeFactory(locataire=t1, retard=70, montant_du=Decimal("6000.00"))
    ImpayeFactory(locataire=LocataireFactory(site=s02, code="T2"), retard=20, montant_du=Decimal("4000.00"))
    # An agent done with their 09:00–11:00 mission: 4 visits, no answer: 4 × 4/8 + 6 × 2/4 = 5.00.
    agent = agent_au_travail(jour=paris(2026, 11, 30, 0, 0).date(), actions={"visite": 4}, equipe=gens["equipe"])
    PerformanceFactory(agent=agent, date_stat=paris(2026, 11, 29, 0, 0).date(), score=Decimal("5.00"))
    client.force_login(django_user_model.objects.create_superuser(username="admin@akig.local", password=None))

    # With the defaults: nobody on the legal list; 5.00 is not under 5.
    avant = client.get(reverse("dashboard:accueil")).content.decode()
    assert "Locataires devant plus de 10\u00a0000\u00a0€" in avant
    assert carte(avant, "Locataires devant plus de") == "0"
    assert carte(avant, "Agents sous 5 en ce moment") == "0"

    # When a director lowers the legal list to 5 000 € and raises the score threshold to 5.01.
    modifier_dans_l_admin(client, Regle.objects.get(code="impayes-critiques"), seuil_contentieux="5000")
    modifier_dans_l_admin(client, Regle.objects.get(code="score-agent-bas"), seuil="5.01")

    # The dashboard's cards, the legal list page and its CSV.
    page = client.get(reverse("dashboard:accueil")).content.decode()
    assert carte(page, "Locataires devant plus de 5\u00a0000\u00a0€") == "1"
    assert "6\u00a0000,00\u00a0€ dus · liste pour l'escalade juridique" in page
    assert carte(page, "Agents sous 5,01 en ce moment") == "1"
    liste = client.get(reverse("dashboard:contentieux")).content.decode()
    assert "Escalade juridique : locataires devant plus de 5\u00a0000\u00a0€" in liste
    assert "<strong>1</strong> locataire, <strong>6\u00a0000,00\u00a0€</strong> dus au total." in liste
    assert "10\u00a0000" not in liste
    csv = b"".join(client.get(reverse("dashboard:contentieux_csv")).streaming_content).decode()
    assert [ligne.split(";")[0] for ligne in csv.splitlines()[1:]] == ["T1"]
    # /api/dashboard/resume and /metrics.
    resume = client.get("/api/dashboard/resume").json()
    assert (resume["seuil_contentieux"], resume["nb_locataires_contentieux"], resume["montant_contentieux"],
            resume["seuil_score"], resume["nb_agents_sous_5"]) == ("5000.00", 1, "6000.00", "5.01", 1)
    jauges = {j["nom"]: j["valeurs"][0][1] for j in jauges_metier_calculer()["jauges"] if not j["etiquettes"]}
    assert (jauges["akig_seuil_score"], jauges["akig_agents_score_sous_5"]) == (5.01, 1)
    # The agents' list flags the agent; its page draws the line at 5.01.
    agents = client.get(reverse("agents:liste")).content.decode()
    assert "sous 5,01 : en rouge" in agents
    rangees = client.get(reverse("agents:liste")).context["rangees"]()
    assert [r["alerte"] for r in rangees if r["nom"] == agent.nom] == [True]
    fiche = client.get(reverse("agents:detail", args=[agent.pk])).content.decode()
    assert 'data-seuil="5.01"' in fiche and '<td class="n alerte">5,00</td>' in fiche  # yesterday's row
    # The impayés report's legal list (read back from the PDF).
    contenu, _pages = pdf_rendre(type_rapport="impayes", escalade=None)
    texte = texte_pdf(contenu, tmp_path)
    assert "Escalade juridique : locataires devant plus de 5 000 €" in texte
    assert "T1 — Claire Un" in texte and "plus de 10 000" not in texte
