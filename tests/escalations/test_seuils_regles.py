"""Thresholds come from the rules: a director changes a rule's threshold and delay in the admin,
and the dashboard card, the ageing chart, /metrics, the email's links and the next evaluation
all follow (escalations.selectors.seuils_alertes)."""
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from akig_ops.lib.metriques import jauges_metier_calculer
from dashboard.selectors import tableau_de_bord
from escalations.models import Escalade, Message, Regle
from escalations.services import escalades_evaluer
from tests.escalations.conftest import impayes_critiques, paris

pytestmark = pytest.mark.django_db


def modifier_dans_l_admin(client, regle: Regle, **champs) -> None:
    """Post the rule's admin change form with `champs` changed, the rest as it is."""
    donnees = {
        "nom": regle.nom, "severite": regle.severite, "active": "on" if regle.active else "",
        "seuil": str(regle.seuil), "retard_min": regle.retard_min, "duree_min": regle.duree_min,
        "niveau_initial": regle.niveau_initial, "delai_relance_min": regle.delai_relance_min,
        "delai_resolution_min": regle.delai_resolution_min, **champs,
    }
    reponse = client.post(reverse("admin:escalations_regle_change", args=[regle.pk]), donnees)
    assert reponse.status_code == 302, reponse.content.decode()[:2000]


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
    # The chart: a site's line at 3, its bottom part past 30 days (S01 4, S02 2).
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
