"""The escalation pages: login and role on every view, a team lead sees only their teams'
escalations (404 otherwise, enforced in the query), bad input gets a French 400 and writes
nothing, and the pages run a bounded number of queries."""
import csv
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from agents.models import Mission
from akig_ops.lib.cache_donnees import cle_du_jour
from escalations.models import Escalade, Evenement, Rapport, Regle
from escalations.regles import Observation
from escalations.services import escalade_declencher
from recovery.models import Locataire
from tests.escalations.conftest import impayes_critiques, sourdine
from tests.factories import AgentFactory, EquipeFactory, MissionFactory, PerformanceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _escalade(code, sujet, **observation):
    maintenant = timezone.now()
    return escalade_declencher(regle=Regle.objects.get(code=code), sujet=sujet,
                               observation=Observation(**observation), depuis=maintenant, maintenant=maintenant)


@pytest.fixture
def monde(gens, deux_sites):
    """An agent escalation of team Nord, one of team Sud, and an impayés escalation on S02."""
    autre_chef = UserFactory(username="chef.sud@akig.local", groups=["Chef d'équipe"])
    sud = EquipeFactory(code="SUD", nom="Équipe Sud", chef=autre_chef)
    agent_sud = AgentFactory(code="AG100", nom="Emma Leroy", equipe=sud)
    nord = _escalade("score-agent-bas", f"agent:{gens['agent'].pk}", valeur={"score": "3.50", "seuil": "5"},
                     agent_id=gens["agent"].pk, equipe_id=gens["equipe"].pk)
    sud_esc = _escalade("score-agent-bas", f"agent:{agent_sud.pk}", valeur={"score": "2.00", "seuil": "5"},
                        agent_id=agent_sud.pk, equipe_id=sud.pk)
    _, s2 = deux_sites
    impayes_critiques(site=s2, nb=12)
    impayes = _escalade("impayes-critiques-site", f"site:{s2.pk}", site_id=s2.pk,
                        valeur={"nb_impayes": 12, "montant_total": "6000.00", "retard_min": 60})
    return {**gens, "nord": nord, "sud": sud_esc, "impayes": impayes, "autre_chef": autre_chef,
            "agent_sud": agent_sud, "s2": s2}


def test_escalations_list_needs_a_login_and_a_role(client, monde):
    url = reverse("escalations:liste")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory(username="personne@akig.local"))
    assert client.get(url).status_code == 403


def test_escalations_list_direction_sees_all_in_bounded_queries(client, monde, django_assert_num_queries):
    client.force_login(monde["direction"])
    with django_assert_num_queries(5):  # user, groups (the session: cached), escalations, counts, rules
        reponse = client.get(reverse("escalations:liste"))
    assert {e.pk for e in reponse.context["escalades"]} == {monde["nord"].pk, monde["sud"].pk, monde["impayes"].pk}
    assert "Lucas David" in reponse.content.decode() and "Marcadet" in reponse.content.decode()


def test_escalations_list_team_lead_sees_only_own_team(client, monde):
    client.force_login(monde["chef"])
    reponse = client.get(reverse("escalations:liste"), {"etat": "tout"})
    assert [e.pk for e in reponse.context["escalades"]] == [monde["nord"].pk]
    assert reponse.context["comptes"] == {"declenchee": 1}
    assert "Emma Leroy" not in reponse.content.decode() and "Marcadet" not in reponse.content.decode()


def test_escalations_list_filters_by_state_and_rule_and_serves_the_htmx_partial(client, monde):
    client.force_login(monde["direction"])
    reponse = client.get(reverse("escalations:liste"), {"etat": "declenchee", "regle": "impayes-critiques-site"},
                         HTTP_HX_REQUEST="true")
    assert [e.pk for e in reponse.context["escalades"]] == [monde["impayes"].pk]
    assert "<html" not in reponse.content.decode()
    assert client.get(reverse("escalations:liste"), {"etat": "resolue"}).context["escalades"] == []


@pytest.mark.parametrize("qui, attendu", [("chef", 200), ("direction", 200), ("autre_chef", 404)])
def test_escalation_detail_owner_permitted_outsider(client, monde, qui, attendu):
    client.force_login(monde[qui])
    assert client.get(reverse("escalations:detail", args=[monde["nord"].pk])).status_code == attendu


def test_escalation_detail_agent_shows_checklist_and_causes_in_bounded_queries(client, monde,
                                                                               django_assert_num_queries):
    client.force_login(monde["chef"])
    with django_assert_num_queries(6):  # user, groups (the session: cached), escalation, timeline, messages, reports
        reponse = client.get(reverse("escalations:detail", args=[monde["nord"].pk]))
    corps = reponse.content.decode()
    for texte in ("Agent contacté", "GPS vérifié", "Saisie validée", "Coaching planifié", "Réseau/GPS", "Motivation"):
        assert texte in corps
    assert "3,50" in corps
    # The agent page's link opens on the trigger's day (its window: tests/escalations/test_liens.py).
    jour = timezone.localdate(monde["nord"].declenchee_le)
    assert f'href="/agents/{monde["agent"].pk}/?jour={jour.isoformat()}&amp;debut=' in corps


def test_impayes_detail_is_for_directors_only(client, monde):
    client.force_login(monde["chef"])
    assert client.get(reverse("escalations:detail", args=[monde["impayes"].pk])).status_code == 404
    client.force_login(monde["direction"])
    corps = client.get(reverse("escalations:detail", args=[monde["impayes"].pk])).content.decode()
    assert "Escalade juridique" in corps and "Campagne appels/SMS" in corps and "6\u00a0000,00\u00a0€" in corps
    assert "Aucune dette de plus de 10\u00a0000\u00a0€." in corps
    assert "Dettes de plus de 10\u00a0000\u00a0€ : transmettre au service juridique." in corps


def test_acknowledge_by_the_team_lead_and_not_by_another(client, monde):
    url = reverse("escalations:prendre_en_charge", args=[monde["nord"].pk])
    client.force_login(monde["autre_chef"])
    assert client.post(url).status_code == 404
    client.force_login(monde["chef"])
    assert client.post(url).status_code == 302
    escalade = Escalade.objects.get(pk=monde["nord"].pk)
    assert (escalade.etat, escalade.prise_en_charge_par) == ("prise_en_charge", monde["chef"])
    assert client.get(url).status_code == 405


def test_resolve_needs_a_note_french_400_and_nothing_written(client, monde):
    client.force_login(monde["chef"])
    url = reverse("escalations:resoudre", args=[monde["nord"].pk])
    reponse = client.post(url, {"note": "   "})
    assert reponse.status_code == 400
    assert "Note de résolution : obligatoire" in reponse.content.decode()
    assert "Jusqu'au : obligatoire, la condition tient encore" in reponse.content.decode().replace("&#x27;", "'")
    assert Escalade.objects.get(pk=monde["nord"].pk).etat == "declenchee"

    assert client.post(url, {"note": "Agent malade, remplacé pour la journée.", **sourdine()}).status_code == 302
    escalade = Escalade.objects.get(pk=monde["nord"].pk)
    assert (escalade.etat, escalade.resolue_par, escalade.note_resolution) == (
        "resolue", monde["chef"], "Agent malade, remplacé pour la journée.")


def test_checklist_action_records_who_and_when_and_refuses_unknown(client, monde):
    client.force_login(monde["chef"])
    url = reverse("escalations:action", args=[monde["nord"].pk])
    reponse = client.post(url, {"action": "escalade_juridique"})
    assert reponse.status_code == 400
    assert "Action inconnue pour cette escalade" in reponse.content.decode()
    client.post(url, {"action": "agent_contacte", "commentaire": "Joint par WhatsApp à 11 h 10"})
    action = Evenement.objects.get(type="action")
    assert (action.action, action.auteur, action.message) == ("agent_contacte", monde["chef"], "Joint par WhatsApp à 11 h 10")
    corps = client.get(reverse("escalations:detail", args=[monde["nord"].pk])).content.decode()
    assert "☑ Agent contacté" in corps


def test_reassign_moves_the_weak_agents_planned_missions_to_the_chosen_agent(client, monde):
    faible = AgentFactory(code="AG200", nom="Faible")
    repreneur = AgentFactory(code="AG201", nom="Repreneur", equipe=faible.equipe)  # the site's team
    s2 = monde["s2"]
    PerformanceFactory(agent=faible, score=Decimal("2.00"))
    MissionFactory(agent=faible, site=s2, status="non_complete", date_prevue=timezone.localdate() - datetime.timedelta(days=1))
    demain = timezone.localdate() + datetime.timedelta(days=1)
    a_deplacer = [MissionFactory(agent=faible, site=s2, status="planifiee", date_prevue=demain) for _ in range(2)]
    ailleurs = MissionFactory(agent=faible, status="planifiee", date_prevue=demain)  # another site: stays
    url = reverse("escalations:reassigner", args=[monde["impayes"].pk])

    client.force_login(monde["chef"])
    assert client.post(url, {"de_agent": faible.pk, "vers_agent": repreneur.pk}).status_code == 404
    client.force_login(monde["direction"])
    detail = client.get(reverse("escalations:detail", args=[monde["impayes"].pk]))
    assert [l["agent"] for l in detail.context["faibles"]] == [faible]
    reponse = client.post(url, {"de_agent": faible.pk, "vers_agent": faible.pk})
    assert reponse.status_code == 400 and "Agent repreneur : choisissez un autre agent" in reponse.content.decode()
    assert client.post(url, {"de_agent": "x"}).status_code == 400

    avant = cle_du_jour("agents:lignes")
    assert client.post(url, {"de_agent": faible.pk, "vers_agent": repreneur.pk}).status_code == 302
    assert cle_du_jour("agents:lignes") != avant  # a new data generation: no list from before the move
    assert set(Mission.objects.filter(agent=repreneur).values_list("pk", flat=True)) == {m.pk for m in a_deplacer}
    assert Mission.objects.get(pk=ailleurs.pk).agent == faible
    assert Evenement.objects.get(type="action").message == "2 missions réassignées à AG201 – Repreneur."


def test_campaign_csv_lists_the_tenants_names_and_phones(client, monde):
    client.force_login(monde["direction"])
    reponse = client.get(reverse("escalations:campagne", args=[monde["impayes"].pk]))
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    contenu = b"".join(reponse.streaming_content).decode("utf-8")
    assert contenu.startswith("\ufeff")  # the BOM: Excel in France reads UTF-8
    lignes = contenu[1:].split("\r\n")
    assert lignes[0] == "Code site;Code locataire;Locataire;Téléphone;Impayés;Reste dû (€)"
    assert len(lignes) == 1 + 12 + 1 and lignes[-1] == ""
    assert lignes[1].startswith("S02;") and lignes[1].endswith(";1;500,00")
    # A name or phone a spreadsheet would run as a formula is neutralised.
    premier = lignes[1].split(";")[1]
    Locataire.objects.filter(code=premier).update(nom="=HYPERLINK(\"x\")", telephone="+33 6 12 34 56 78")
    contenu = b"".join(client.get(reverse("escalations:campagne", args=[monde["impayes"].pk])).streaming_content)
    ligne = next(l for l in csv.reader(contenu.decode("utf-8-sig").splitlines(), delimiter=";") if l[1] == premier)
    assert ligne[2:4] == ["'=HYPERLINK(\"x\")", "'+33 6 12 34 56 78"]
    client.force_login(monde["chef"])
    assert client.get(reverse("escalations:campagne", args=[monde["impayes"].pk])).status_code == 404


def test_report_download_owner_permitted_outsider(client, monde):
    rapport = Rapport.objects.create(type="agent", escalade=monde["nord"], nom_fichier="r.pdf", contenu=b"%PDF-1.7", pages=1)
    url = reverse("escalations:rapport", args=[monde["nord"].pk, rapport.pk])
    client.force_login(monde["chef"])
    reponse = client.get(url)
    assert (reponse.status_code, reponse["Content-Type"], reponse.content) == (200, "application/pdf", b"%PDF-1.7")
    client.force_login(monde["autre_chef"])
    assert client.get(url).status_code == 404
    client.force_login(monde["direction"])
    assert client.get(reverse("escalations:rapport", args=[monde["sud"].pk, rapport.pk])).status_code == 404


def test_open_escalations_per_rule_counts_zero_for_quiet_rules(monde):
    from escalations.selectors import escalades_ouvertes_par_regle

    Escalade.objects.filter(pk=monde["sud"].pk).update(etat="resolue", resolue_le=timezone.now())
    assert escalades_ouvertes_par_regle() == {
        "impayes-critiques": 0, "impayes-critiques-site": 1, "score-agent-bas": 1,
    }


def test_impayes_detail_lists_the_legal_cases_of_its_sites(client, monde):
    from tests.factories import ImpayeFactory, LocataireFactory

    gros = LocataireFactory(site=monde["s2"], code="L-GROS", nom="Bernard Gros")
    ImpayeFactory(locataire=gros, retard=400, montant_du=Decimal("10000.01"))
    ailleurs = LocataireFactory(code="L-AILLEURS", nom="Autre Site")  # another site: not listed
    ImpayeFactory(locataire=ailleurs, retard=400, montant_du=Decimal("20000.00"))
    client.force_login(monde["direction"])

    reponse = client.get(reverse("escalations:detail", args=[monde["impayes"].pk]))

    assert [l["code"] for l in reponse.context["contentieux"]] == ["L-GROS"]
    assert "10\u00a0000,01\u00a0€" in reponse.content.decode()


def test_metrics_gauge_open_escalations_per_rule_and_outbox(client, monde, settings):
    from prometheus_client.parser import text_string_to_metric_families

    from akig_ops.tasks import metriques_metier_task

    # Given the 3 escalations of `monde` (2 agent, 1 on a site), each with one unsent email,
    # and the Sud agent's escalation resolved (its "résolu" email queued: 4 waiting).
    from escalations.services import escalade_resoudre

    escalade_resoudre(escalade_id=monde["sud"].pk, user=monde["direction"], note="Réglé par téléphone.", **sourdine())
    settings.AKIG_OPS_TOKEN, settings.AKIG_METRIQUES_RESEAUX = "jeton-de-test-0123456789", []
    metriques_metier_task.apply()

    reponse = client.get("/metrics", HTTP_AUTHORIZATION="Bearer jeton-de-test-0123456789")
    series = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for f in text_string_to_metric_families(reponse.content.decode()) for s in f.samples}
    assert series[("akig_escalades_ouvertes", (("regle", "score-agent-bas"),))] == 1
    assert series[("akig_escalades_ouvertes", (("regle", "impayes-critiques-site"),))] == 1
    assert series[("akig_escalades_ouvertes", (("regle", "impayes-critiques"),))] == 0
    assert series[("akig_outbox_en_attente", ())] == 4


def test_impayes_detail_queries_do_not_grow_with_the_data(client, monde, django_assert_num_queries):
    def agents_faibles(n, debut):
        for i in range(debut, debut + n):
            agent = AgentFactory(code=f"AGX{i}")
            MissionFactory(agent=agent, site=monde["s2"], status="non_complete")
            PerformanceFactory(agent=agent, score=Decimal("3.00"))

    client.force_login(monde["direction"])
    url = reverse("escalations:detail", args=[monde["impayes"].pk])
    agents_faibles(1, 0)
    # user, groups (the session: cached), escalation, timeline, messages, reports, non-complete missions
    # (runbook query 2), 7-day scores, agents, the sites' team agents and their 7-day scores
    # (the reassignment's choices), sensitive sites, legal list and its threshold (the overall rule)
    with django_assert_num_queries(14):
        client.get(url)
    agents_faibles(5, 1)
    with django_assert_num_queries(14):
        reponse = client.get(url)
    assert len(reponse.context["faibles"]) == 6


def test_escalation_follows_its_agent_to_the_new_team(client, monde):
    # Given Lucas David's escalation fired while he was in team Nord, then he moved to Sud.
    agent = monde["agent"]
    agent.equipe = monde["agent_sud"].equipe
    agent.save()
    url = reverse("escalations:detail", args=[monde["nord"].pk])

    # The lead of Nord no longer sees it; the lead of Sud does, beside Sud's own; Direction too.
    client.force_login(monde["chef"])
    assert client.get(url).status_code == 404
    assert client.get(reverse("escalations:liste"), {"etat": "tout"}).context["escalades"] == []
    client.force_login(monde["autre_chef"])
    assert client.get(url).status_code == 200
    liste = client.get(reverse("escalations:liste"), {"etat": "tout"}).context["escalades"]
    assert {e.pk for e in liste} == {monde["nord"].pk, monde["sud"].pk}
    client.force_login(monde["direction"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("vue, champs, motif", [
    ("resoudre", {"note": "Réglé\x00"}, "Note de résolution : caractère NUL (octet 0) interdit."),
    ("resoudre", {"note": "Réglé \x1b[2J"}, "Note de résolution : caractère de contrôle U+001B interdit."),
    ("action", {"action": "agent_contacte", "commentaire": "Joint\x00"}, "Commentaire : caractère NUL (octet 0) interdit."),
])
def test_nul_or_control_character_in_a_note_or_comment_is_a_french_400_and_nothing_written(client, monde, vue, champs, motif):
    client.force_login(monde["chef"])

    reponse = client.post(reverse(f"escalations:{vue}", args=[monde["nord"].pk]), champs)

    assert reponse.status_code == 400
    assert motif in reponse.content.decode()
    assert Escalade.objects.get(pk=monde["nord"].pk).etat == "declenchee"
    assert not Evenement.objects.filter(type="action").exists()
    # Line breaks are text: kept.
    client.post(reverse("escalations:resoudre", args=[monde["nord"].pk]), {"note": "Réglé.\r\nAgent remplacé.", **sourdine()})
    assert Escalade.objects.get(pk=monde["nord"].pk).note_resolution == "Réglé.\r\nAgent remplacé."
