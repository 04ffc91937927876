"""A rule's « Aperçu »: the replay of hand-built snapshots with the edited values opens what
the real evaluation, run day by day on the same figures, then opens; the admin page."""
import datetime
import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalations.apercu import apercu_regle
from escalations.models import Escalade, Regle
from escalations.services import escalades_evaluer
from recovery.models import Impaye, InstantaneSite
from tests.escalations.conftest import impayes_critiques, paris, scores
from tests.factories import SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

J = datetime.date
JOURS = [J(2026, 3, d) for d in range(1, 13)]
# Debts more than 60 days late, by site, on each day of JOURS (01/03 … 12/03/2026).
SCENARIO = {
    # Over 3 from the 1st to the 4th, clear 5th–7th, over again from the 8th.
    "S01": [5, 5, 5, 5, 2, 2, 2, 5, 5, 5, 5, 5],
    # Over 3 from the 3rd on.
    "S02": [0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
    # At the edited threshold (3, strict) every day, above it for one day only (the 10th).
    "S03": [3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 3, 3],
    # Above the saved threshold (10) on the 6th only.
    "S04": [0, 0, 0, 0, 0, 11, 0, 0, 0, 0, 0, 0],
}
MONTANT = Decimal("500.00")


@pytest.fixture
def sites():
    return {code: SiteFactory(code=code, nom=f"Résidence {code}") for code in SCENARIO}


@pytest.fixture
def instantanes(sites):
    """The hand-built daily snapshots of SCENARIO: each site's count in the 61–90 j bucket."""
    for i, jour in enumerate(JOURS):
        for code, nombres in SCENARIO.items():
            InstantaneSite.objects.create(jour=jour, site=sites[code], nb_61_90=nombres[i],
                                          montant_61_90=MONTANT * nombres[i])


def regle_editee() -> tuple[Regle, Regle]:
    """The per-site rule as saved (more than 10, at once) and as edited in the form, not saved:
    more than 3, for a day (1440 min), resolved after 60 min clear."""
    enregistree = Regle.objects.get(code="impayes-critiques-site")
    edition = Regle.objects.get(pk=enregistree.pk)
    edition.seuil, edition.duree_min, edition.delai_resolution_min = Decimal("3"), 1440, 60
    return enregistree, edition


def ouvertures(liste) -> list[tuple]:
    return [(timezone.localtime(o.instant).date(), o.sujet) for o in liste]


def test_preview_replays_the_edited_rule_on_the_snapshots(sites, instantanes, horloge):
    horloge(paris(2026, 3, 12, 18, 0))
    enregistree, edition = regle_editee()
    apercu = apercu_regle(edition=edition, enregistree=enregistree)
    s = {code: f"site:{site.pk}" for code, site in sites.items()}
    # S01: true on the 1st (waits a day), fires on the 2nd; clear on the 5th (noted), resolved
    # on the 6th; true again on the 8th, fires on the 9th. S02: true on the 3rd, fires on the
    # 4th. S03: 3 is not more than 3; 4 on the 10th alone never lasts a day. S04: 11 one day.
    assert ouvertures(apercu["edition"]) == [
        (J(2026, 3, 2), s["S01"]), (J(2026, 3, 4), s["S02"]), (J(2026, 3, 9), s["S01"]),
    ]
    # The saved rule (more than 10, at once): S04 on the 6th only.
    assert ouvertures(apercu["enregistree"]) == [(J(2026, 3, 6), s["S04"])]
    assert apercu["du"] == J(2025, 12, 13) and apercu["au"] == J(2026, 3, 12)
    assert len(apercu["jours_sans_donnees"]) == 90 - 12
    # Nothing was written: the rule, its escalations, its pending starts.
    assert Regle.objects.get(pk=enregistree.pk).seuil == Decimal("10.00")
    assert not Escalade.objects.exists()


def test_preview_matches_what_the_real_evaluation_then_opens(sites, instantanes, horloge):
    horloge(paris(2026, 3, 12, 18, 0))
    enregistree, edition = regle_editee()
    attendues = ouvertures(apercu_regle(edition=edition, enregistree=enregistree)["edition"])
    # When the edited values are saved and the real evaluation runs each day at noon on the
    # debts as they stood that day (the same figures as the snapshots)...
    edition.save()
    for i, jour in enumerate(JOURS):
        horloge(paris(jour.year, jour.month, jour.day, 12, 0))
        Impaye.objects.all().delete()
        for code, nombres in SCENARIO.items():
            impayes_critiques(site=sites[code], nb=nombres[i], montant=MONTANT)
        escalades_evaluer(maintenant=timezone.now())
    # ...it opens the very escalations the preview announced.
    reelles = [
        (timezone.localtime(e.declenchee_le).date(), e.sujet)
        for e in Escalade.objects.filter(regle=enregistree).order_by("declenchee_le", "sujet")
    ]
    assert reelles == attendues
    assert len(reelles) == 3


def test_preview_refuses_a_retard_the_snapshots_do_not_keep(sites, instantanes, horloge):
    horloge(paris(2026, 3, 12, 18, 0))
    enregistree, edition = regle_editee()
    edition.retard_min = 45
    apercu = apercu_regle(edition=edition, enregistree=enregistree)
    assert apercu["impossible"].startswith("Retard minimal 45 j : les instantanés des sites ne sont tenus que par tranche")
    assert apercu["edition"] == []


def test_preview_of_the_score_rule_matches_the_real_evaluation(gens, horloge):
    # Monday 02/03/2026: the agent's score is 3 from 9:00 to 11:30, then 6. Saved rule: under 5
    # for 120 min; edited: under 4 for 60 min. 3 < 4 from 9:00: the edited rule fires at 10:00,
    # the saved one at 11:00.
    agent = gens["agent"]
    scores(agent, de=paris(2026, 3, 2, 9, 0), a=paris(2026, 3, 2, 11, 30), score="3")
    scores(agent, de=paris(2026, 3, 2, 11, 35), a=paris(2026, 3, 2, 18, 0), score="6")
    horloge(paris(2026, 3, 2, 18, 0))
    enregistree = Regle.objects.get(code="score-agent-bas")
    edition = Regle.objects.get(pk=enregistree.pk)
    edition.seuil, edition.duree_min = Decimal("4"), 60
    apercu = apercu_regle(edition=edition, enregistree=enregistree)
    instants = lambda liste: [(timezone.localtime(o.instant).strftime("%d/%m %H:%M"), o.sujet) for o in liste]  # noqa: E731
    assert instants(apercu["edition"]) == [("02/03 10:00", f"agent:{agent.pk}")]
    assert instants(apercu["enregistree"]) == [("02/03 11:00", f"agent:{agent.pk}")]
    # The real evaluation every 5 minutes of the working day, the edited values saved.
    edition.save()
    debut = paris(2026, 3, 2, 8, 0)
    while debut <= paris(2026, 3, 2, 18, 0):
        horloge(debut)
        escalades_evaluer(maintenant=debut)
        debut += datetime.timedelta(minutes=5)
    assert [(timezone.localtime(e.declenchee_le).strftime("%d/%m %H:%M"), e.sujet)
            for e in Escalade.objects.filter(regle=enregistree)] == instants(apercu["edition"])


# --- The admin page.

def url(regle) -> str:
    return f"/admin/escalations/regle/{regle.pk}/apercu/"


def formulaire(regle, **valeurs) -> dict:
    donnees = {champ: getattr(regle, champ) for champ in (
        "nom", "severite", "seuil", "retard_min", "duree_min", "niveau_initial", "delai_relance_min",
        "delai_resolution_min")}
    donnees["active"] = "on"
    return {**donnees, **valeurs}


def test_director_previews_the_posted_values_without_saving(client, sites, instantanes, horloge):
    horloge(paris(2026, 3, 12, 18, 0))
    enregistree, _edition = regle_editee()
    client.force_login(UserFactory(groups=["Direction"], is_staff=True))
    reponse = client.post(url(enregistree), formulaire(enregistree, seuil="3", duree_min="1440",
                                                       delai_resolution_min="60"))
    assert reponse.status_code == 200
    texte = html.unescape(reponse.content.decode())
    assert [len(colonne[2]) for colonne in reponse.context["colonnes"]] == [3, 1]
    assert "02/03/2026 12:00" in texte and "Résidence S01" in texte
    assert "5 impayés > 60 j (2\u00a0500,00\u00a0€)" in texte
    assert Regle.objects.get(pk=enregistree.pk).seuil == Decimal("10.00")
    # The change form offers the button, posting to this page.
    assert url(enregistree) in client.get(f"/admin/escalations/regle/{enregistree.pk}/change/").content.decode()


def test_refused_values_are_a_400_naming_the_field(client, sites, horloge):
    horloge(paris(2026, 3, 12, 18, 0))
    enregistree, _edition = regle_editee()
    client.force_login(UserFactory(groups=["Direction"], is_staff=True))
    reponse = client.post(url(enregistree), formulaire(enregistree, seuil="beaucoup", duree_min="-5"))
    assert reponse.status_code == 400
    texte = html.unescape(reponse.content.decode())
    assert "Seuil : Saisissez un nombre." in texte
    assert "Durée avant déclenchement (min) : Assurez-vous que cette valeur est supérieure ou égale à 0." in texte


def test_staff_without_the_right_to_change_rules_is_refused(client, sites):
    enregistree = Regle.objects.get(code="impayes-critiques-site")
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url(enregistree)).status_code == 403


def test_team_lead_goes_to_the_admin_login(client, gens):
    client.force_login(gens["chef"])
    reponse = client.get(url(Regle.objects.get(code="impayes-critiques-site")))
    assert reponse.status_code == 302 and reponse["Location"].startswith("/admin/login/")


def test_preview_reads_the_snapshots_once_whatever_the_days(sites, instantanes, horloge):
    horloge(paris(2026, 3, 12, 18, 0))
    enregistree, edition = regle_editee()
    with CaptureQueriesContext(connection) as requetes:
        apercu_regle(edition=edition, enregistree=enregistree)
    # The snapshots for each version of the rule, the escalations really opened.
    assert len(requetes) == 3
