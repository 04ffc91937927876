"""The reassignment form of an impayés escalation: it offers, for each weak agent, the other
active agents of the site's team with their 7-day score (agents.selectors.scores_moyens_7_jours,
the one the weak agents' table shows), never the agent itself, and nothing chosen by default;
the server refuses anyone else, in French, and moves nothing."""
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from agents.models import Mission
from escalations.models import Evenement
from escalations.selectors import reassignations
from tests.escalations.conftest import escalade_impayes_site
from tests.factories import AgentFactory, EquipeFactory, MissionFactory, PerformanceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _scores(agent, **jours_score):
    """Daily scores: _scores(a, j1="2.00") is 2.00 yesterday (j0 today, j6 six days ago…)."""
    for cle, score in jours_score.items():
        PerformanceFactory(agent=agent, date_stat=timezone.localdate() - datetime.timedelta(days=int(cle[1:])),
                           score=Decimal(score))


@pytest.fixture
def site_nord(gens, deux_sites):
    """S02, worked by team Nord, with 12 critical debts and its open escalation. Team Nord:
    - AG200 Faible: 2 non-complete missions on S02; scores 2.00 (yesterday), 3.00 (3 days ago) → 2.50;
    - AG007 Lucas David: 1 non-complete mission on S02; 5.50 two days ago → 5.50;
    - AG201 Bon: 8.00 today, 6.00 six days ago (the window's first day) and 0.00 seven days ago
      (out of it) → (8 + 6) / 2 = 7.00 (with the 8th day it would be 4.67);
    - AG202 Nouveau: no score → listed last, « pas de score sur 7 j »;
    - AG203 Parti: inactive → never offered.
    Team Sud's AG100 Emma Leroy (9.00 yesterday) works elsewhere: never offered."""
    _s1, s2 = deux_sites
    nord = gens["equipe"]
    faible = AgentFactory(code="AG200", nom="Faible", equipe=nord)
    lucas = gens["agent"]
    bon = AgentFactory(code="AG201", nom="Bon", equipe=nord)
    nouveau = AgentFactory(code="AG202", nom="Nouveau", equipe=nord)
    AgentFactory(code="AG203", nom="Parti", equipe=nord, actif=False)
    sud = AgentFactory(code="AG100", nom="Emma Leroy", equipe=EquipeFactory(code="SUD", nom="Équipe Sud"))
    hier = timezone.localdate() - datetime.timedelta(days=1)
    for agent, nb in ((faible, 2), (lucas, 1)):
        for _ in range(nb):
            MissionFactory(agent=agent, site=s2, status="non_complete", date_prevue=hier)
    MissionFactory(agent=sud, status="non_complete", date_prevue=hier)  # another site
    _scores(faible, j1="2.00", j3="3.00")
    _scores(lucas, j2="5.50")
    _scores(bon, j0="8.00", j6="6.00", j7="0.00")
    _scores(sud, j1="9.00")
    escalade = escalade_impayes_site(site=s2)
    return {**gens, "s2": s2, "escalade": escalade, "faible": faible, "lucas": lucas, "bon": bon,
            "nouveau": nouveau, "sud": sud}


def _choix(ligne) -> list[tuple[str, Decimal | None]]:
    return [(r["agent"].code, r["score_moyen"]) for r in ligne["repreneurs"]]


def test_each_weak_agent_is_offered_the_other_agents_of_the_sites_team_best_7_day_score_first(site_nord):
    faibles = reassignations(site_ids=[site_nord["s2"].pk])

    assert [(l["agent"].code, l["nb"], l["score_moyen"]) for l in faibles] == [
        ("AG200", 2, Decimal("2.50")), ("AG007", 1, Decimal("5.50"))]
    assert _choix(faibles[0]) == [("AG201", Decimal("7.00")), ("AG007", Decimal("5.50")), ("AG202", None)]
    assert _choix(faibles[1]) == [("AG201", Decimal("7.00")), ("AG200", Decimal("2.50")), ("AG202", None)]


def test_the_form_shows_the_scores_and_chooses_nobody_by_default(client, site_nord):
    client.force_login(site_nord["direction"])
    corps = client.get(reverse("escalations:detail", args=[site_nord["escalade"].pk])).content.decode()

    formulaire = corps[corps.index('id="vers-{}"'.format(site_nord["faible"].pk)):]
    formulaire = formulaire[:formulaire.index("</select>")]
    assert formulaire.count("<option") == 4
    assert '<option value="">— choisir un agent —</option>' in formulaire and "selected" not in formulaire
    assert "AG201 – Bon · score 7 j : 7,00" in formulaire
    assert "AG007 – Lucas David · score 7 j : 5,50" in formulaire
    assert "AG202 – Nouveau · pas de score sur 7 j" in formulaire
    assert "AG200" not in formulaire and "AG203" not in formulaire and "AG100" not in formulaire
    assert " required>" in formulaire.split("\n")[0]


@pytest.mark.parametrize("vers, champ, message", [
    ("", "vers_agent", "Agent repreneur : choisissez un agent."),
    ("moi", "vers_agent", "Agent repreneur : choisissez un autre agent que celui qui cède ses missions."),
    ("sud", "vers_agent", "Agent repreneur : choisissez un agent actif de l&#x27;équipe du site dans la liste."),
    ("parti", "vers_agent", "Agent repreneur : choisissez un agent actif de l&#x27;équipe du site dans la liste."),
])
def test_a_taker_not_offered_is_refused_in_french_and_nothing_moves(client, site_nord, vers, champ, message):
    from agents.models import Agent

    faible = site_nord["faible"]
    ids = {"": "", "moi": faible.pk, "sud": site_nord["sud"].pk, "parti": Agent.objects.get(code="AG203").pk}
    client.force_login(site_nord["direction"])
    reponse = client.post(reverse("escalations:reassigner", args=[site_nord["escalade"].pk]),
                          {"de_agent": faible.pk, "vers_agent": ids[vers]})
    assert reponse.status_code == 400
    assert message in reponse.content.decode()
    assert Mission.objects.filter(agent=faible).count() == 2
    assert not Evenement.objects.filter(type="action").exists()


def test_an_agent_without_missions_on_the_site_cannot_be_made_to_give_them_up(client, site_nord):
    client.force_login(site_nord["direction"])
    reponse = client.post(reverse("escalations:reassigner", args=[site_nord["escalade"].pk]),
                          {"de_agent": site_nord["sud"].pk, "vers_agent": site_nord["bon"].pk})
    assert reponse.status_code == 400
    assert "Agent cédant : choisissez un agent de la liste" in reponse.content.decode()
    assert Mission.objects.filter(agent=site_nord["bon"]).count() == 0


def test_reassignment_owner_permitted_outsider(client, site_nord):
    """Directors reassign; the site's team lead (the escalation is a site's: the directors') and
    another team's lead do not see it (404); a login without a role is refused (403)."""
    demain = timezone.localdate() + datetime.timedelta(days=1)
    planifiee = MissionFactory(agent=site_nord["faible"], site=site_nord["s2"], date_prevue=demain)
    url = reverse("escalations:reassigner", args=[site_nord["escalade"].pk])
    donnees = {"de_agent": site_nord["faible"].pk, "vers_agent": site_nord["bon"].pk}
    autre_chef = UserFactory(username="chef.sud@akig.local", groups=["Chef d'équipe"])

    anonyme = client.post(url, donnees)
    assert anonyme.status_code == 302 and anonyme["Location"].startswith("/connexion/")
    for qui, attendu in ((UserFactory(username="personne@akig.local"), 403), (site_nord["chef"], 404),
                         (autre_chef, 404)):
        client.force_login(qui)
        assert client.post(url, donnees).status_code == attendu
        assert Mission.objects.get(pk=planifiee.pk).agent == site_nord["faible"]
    client.force_login(site_nord["chef"])
    assert client.get(reverse("escalations:detail", args=[site_nord["escalade"].pk])).status_code == 404

    client.force_login(site_nord["direction"])
    assert client.post(url, donnees).status_code == 302
    assert Mission.objects.get(pk=planifiee.pk).agent == site_nord["bon"]
    assert Evenement.objects.get(type="action").message == "1 mission réassignée à AG201 – Bon."
