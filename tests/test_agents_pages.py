"""/agents/ and /agents/<id>/: who sees what (owner / director / outsider / no role / anonymous),
the figures of the list and of one agent's day, sorting, filters, partials, export, query counts."""
import datetime
import html
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from akig_ops.lib.cache_donnees import cle_du_jour, donnees_modifiees
from tests.factories import (
    ActionFactory,
    AgentFactory,
    EquipeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    PositionFactory,
    ScoreInstantaneFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()
JOUR = datetime.date(2026, 3, 10)


def a(heure, minute=0, jour=JOUR):
    return datetime.datetime.combine(jour, datetime.time(heure, minute), tzinfo=PARIS)


@pytest.fixture(autouse=True)
def midi():
    """Every test runs at noon on JOUR, Paris time, with an empty cache (the list is cached)."""
    cache.clear()
    with time_machine.travel(a(12), tick=False):
        yield


@pytest.fixture
def monde():
    """Two teams. Nord (chef_nord): AG001 Lucas David, whose morning is:
      missions 09:00–10:00 at S1 (complete) and 10:30–11:30 at S2, 14:00–15:00 at S1, 16:30–17:00 at S2
      (210 planned min, 120 elapsed at noon → 4.57 visits expected);
      actions 09:10 visite (at S1), 09:20 promesse 40,00 € recorded 500 m from S1, 09:30 refus with no
      position, 09:35 appel; positions at S1 every 5 min 09:00–09:40 (none after: silent at noon);
      snapshot at 11:00 with score 6.00.
    Sud (chef_sud): AG005 Emma Leroy, nothing today."""
    chef_nord = UserFactory(username="chef.nord@akig.local", groups=["Chef d'équipe"])
    chef_sud = UserFactory(username="chef.sud@akig.local", groups=["Chef d'équipe"])
    nord = EquipeFactory(code="NORD", nom="Équipe Nord", chef=chef_nord)
    sud = EquipeFactory(code="SUD", nom="Équipe Sud", chef=chef_sud)
    lucas = AgentFactory(code="AG001", nom="Lucas David", equipe=nord)
    emma = AgentFactory(code="AG005", nom="Emma Leroy", equipe=sud)
    s1 = SiteFactory(code="S1", nom="Les Vergers", latitude=48.85, longitude=2.35)
    s2 = SiteFactory(code="S2", nom="Marcadet", latitude=48.89, longitude=2.35)
    for site, debut, fin, status in [(s1, (9, 0), (10, 0), "complete"), (s2, (10, 30), (11, 30), "non_complete"),
                                     (s1, (14, 0), (15, 0), "planifiee"), (s2, (16, 30), (17, 0), "planifiee")]:
        MissionFactory(agent=lucas, site=site, date_prevue=JOUR, heure_debut=datetime.time(*debut),
                       heure_fin=datetime.time(*fin), status=status)
    locataire = LocataireFactory(code="L1", site=s1)
    loin = 48.85 + 500 / 111_195  # 500 m north of S1
    for heure, type_action, montant, lat in [((9, 10), "visite", "0", 48.85), ((9, 20), "promesse", "40.00", loin),
                                             ((9, 30), "refus", "0", None), ((9, 35), "appel", "0", None)]:
        ActionFactory(agent=lucas, locataire=locataire, date_action=a(*heure), type_action=type_action,
                      statut="fait", montant_recouvre=Decimal(montant), latitude=lat, longitude=lat and 2.35)
    for minute in range(0, 41, 5):
        PositionFactory(agent=lucas, timestamp=a(9, minute), latitude=48.85, longitude=2.35)
    ScoreInstantaneFactory(agent=lucas, instant=a(11), score=Decimal("6.00"))
    PerformanceFactory(agent=lucas, date_stat=JOUR - datetime.timedelta(days=1), score=Decimal("4.25"),
                       visites=6, promesses=1, paiements=0, refus=2)
    return {"chef_nord": chef_nord, "chef_sud": chef_sud, "lucas": lucas, "emma": emma,
            "direction": UserFactory(username="pdg@akig.local", groups=["Direction"])}


def urls(agent):
    detail = reverse("agents:detail", args=[agent.id])
    return [
        (detail, {}),
        (detail, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "trajet"}),
        (detail, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "historique"}),
        (reverse("agents:trajet_csv", args=[agent.id]), {}),
    ]


def test_pages_anonymous_is_sent_to_login(client, monde):
    for url, entetes in [(reverse("agents:liste"), {}), *urls(monde["lucas"])]:
        reponse = client.get(url, **entetes)
        if entetes:  # an htmx swap: the whole window goes (tests/test_htmx_connexion.py)
            assert reponse.status_code == 200 and reponse["HX-Redirect"].startswith(reverse("login")), url
        else:
            assert reponse.status_code == 302 and reponse["Location"].startswith(reverse("login")), url


def test_pages_login_without_role_is_refused(client, monde):
    client.force_login(UserFactory())
    for url, entetes in [(reverse("agents:liste"), {}), *urls(monde["lucas"])]:
        assert client.get(url, **entetes).status_code == 403, url


def test_pages_another_team_s_agent_is_a_404_everywhere(client, monde):
    client.force_login(monde["chef_sud"])
    for url, entetes in urls(monde["lucas"]):
        assert client.get(url, **entetes).status_code == 404, url


@pytest.mark.parametrize("qui", ["chef_nord", "direction"])
def test_pages_own_team_lead_and_director_see_the_agent(client, monde, qui):
    client.force_login(monde[qui])
    for url, entetes in urls(monde["lucas"]):
        assert client.get(url, **entetes).status_code == 200, url


def test_liste_team_lead_sees_own_team_with_today_s_figures(client, monde, django_assert_num_queries):
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:liste"))

    lignes = reponse.context["lignes"]
    assert [l["agent"].code for l in lignes] == ["AG001"]
    l = lignes[0]
    # Score at noon: visites 3 (visite, promesse, refus) for 4.57 expected → 4 × 3 × 210 / (8 × 120)
    # = 2.625; results (1 + 2) / (2 + 4) = 0.5 → 3.00; 5.625 → 5.63. Trend: 5.63 − 6.00 = −0.37.
    assert (l["score"], l["tendance"]) == (Decimal("5.63"), Decimal("-0.37"))
    assert (l["visites"], l["promesses"], l["paiements"], l["refus"]) == (3, 1, 0, 1)
    assert l["montant_recouvre"] == Decimal("40.00")
    assert (l["missions_faites"], l["missions_prevues"]) == (1, 4)
    assert l["derniere_position"] == a(9, 40)
    # 09:40 → 12:00 without a position, over the 30-minute limit; the 09:30 refus has no position.
    assert (l["silence"], l["sans_position"]) == (True, 1)
    corps = reponse.content.decode()
    assert "Emma Leroy" not in corps
    assert "5,63" in corps and "40,00\u00a0€" in corps and "1 action sans position" in corps


def test_liste_director_sees_every_team_and_can_filter_one(client, monde):
    client.force_login(monde["direction"])

    tous = client.get(reverse("agents:liste")).context["lignes"]
    sud = client.get(reverse("agents:liste"), {"equipe": "SUD"}).context["lignes"]

    assert [l["agent"].code for l in tous] == ["AG001", "AG005"]
    assert [l["agent"].code for l in sud] == ["AG005"]


def test_liste_team_lead_cannot_filter_to_another_team(client, monde):
    """Another team's code (or a name that names nothing): a French message and no row, never
    the lead's whole list shown as if it were that team's."""
    client.force_login(monde["chef_nord"])

    for saisie in ("SUD", "Nord-Est"):
        reponse = client.get(reverse("agents:liste"), {"equipe": saisie})
        assert reponse.status_code == 400
        assert reponse.context["lignes"] == []
        assert (f"Équipe « {saisie} » : aucune de vos équipes n'a ce code ou ce nom ; choisissez-la dans la liste."
                in html.unescape(reponse.content.decode()))
    par_nom = client.get(reverse("agents:liste"), {"equipe": monde["lucas"].equipe.nom})
    assert [l["agent"].code for l in par_nom.context["lignes"]] == ["AG001"]


def test_liste_sorts_by_score_both_ways_and_serves_its_partial_to_htmx(client, monde):
    client.force_login(monde["direction"])

    montant = client.get(reverse("agents:liste"), {"tri": "score"}).context["lignes"]
    descendant = client.get(reverse("agents:liste"), {"tri": "score", "sens": "desc"}).context["lignes"]
    partiel = client.get(reverse("agents:liste"), {"tri": "visites"}, HTTP_HX_REQUEST="true")

    # Emma has no score (not working): after the scored agents ascending, first descending.
    assert [l["agent"].code for l in montant] == ["AG001", "AG005"]
    assert [l["agent"].code for l in descendant] == ["AG005", "AG001"]
    assert partiel.status_code == 200 and "<html" not in partiel.content.decode()
    assert 'href="?equipe=&amp;tri=visites&amp;sens=desc"' in partiel.content.decode()
    assert "HX-Request" in partiel["Vary"]  # no cache serves the table for the page
    # Back to a pushed URL that htmx no longer has: it asks again, and needs the whole page.
    restauree = client.get(reverse("agents:liste"), {"tri": "visites"}, HTTP_HX_REQUEST="true",
                           HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in restauree.content.decode()


def test_liste_query_count_does_not_grow_with_agents(client, monde, django_assert_num_queries):
    client.force_login(monde["direction"])
    client.get(reverse("agents:liste"))  # warm the session

    # session, user, groups, teams, agents with last position, today's actions (counts and
    # those without a position, one pass), windows, snapshot of an hour ago, missions, the
    # first of the promises of the kept rate (the only one here has no amount: no aggregate
    # after it), what the silent phones said today, the score rule (its threshold)
    cache.clear()
    with django_assert_num_queries(12) as avant:
        client.get(reverse("agents:liste"))
    for agent in AgentFactory.create_batch(20, equipe=monde["lucas"].equipe):
        MissionFactory(agent=agent, date_prevue=JOUR)
        ActionFactory(agent=agent, date_action=a(9))
        PositionFactory(agent=agent, timestamp=a(9))
    cache.clear()
    with django_assert_num_queries(len(avant.captured_queries)):
        reponse = client.get(reverse("agents:liste"))

    assert len(reponse.context["lignes"]) == 22


def test_liste_rows_are_cached_for_a_minute_until_data_change(client, monde, django_assert_num_queries):
    client.force_login(monde["chef_nord"])
    client.get(reverse("agents:liste"))

    # user, groups, teams, the score rule: the rows and their HTML come from the cache, and the
    # session too (cached_db)
    with django_assert_num_queries(4):
        client.get(reverse("agents:liste"))
    # Another sort: the rows still come from the cache; the page's rows are detailed and drawn
    # (the first of the promises of the kept rate, what the silent phones said today).
    with django_assert_num_queries(6):
        client.get(reverse("agents:liste"), {"tri": "score"})
    with django_assert_num_queries(4):
        client.get(reverse("agents:liste"), {"tri": "score"})
    ActionFactory(agent=monde["lucas"], date_action=a(11), type_action="paiement", montant_recouvre=Decimal("10"))
    # A generation is drawn from the clock: let it move (it is frozen at noon here).
    with time_machine.travel(a(12) + datetime.timedelta(seconds=1), tick=False):
        donnees_modifiees()

    assert client.get(reverse("agents:liste")).context["lignes"][0]["montant_recouvre"] == Decimal("50.00")


def test_detail_shows_why_the_score_the_missions_flags_and_actions(client, monde):
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:detail", args=[monde["lucas"].id]), {"jour": "2026-03-10", "debut": "08:00",
                                                                              "fin": "12:00"})

    journee = reponse.context["journee"]
    # S1 09:00–10:00 reached at 09:00, left 09:40; S2 10:30–11:30: no position in the window;
    # the afternoon windows are still to come.
    assert [v.raison for v in journee.verdicts] == ["visitee", "pas_de_gps", "a_venir", "a_venir"]
    assert (journee.verdicts[0].arrivee, journee.verdicts[0].depart) == (a(9), a(9, 40))
    assert [x.reference for x in journee.sans_position] == [monde["lucas"].actions.get(type_action="refus").reference]
    assert [round(x.distance_site_m) for x in journee.eloignees] == [500]
    # One stop at S1 from 09:00 to 09:40; silences 08:00–09:00 (60 min) and 09:40–12:00.
    assert [(s.debut, s.duree) for s in journee.analyse.arrets] == [(a(9), datetime.timedelta(minutes=40))]
    assert [(s.debut, s.fin) for s in journee.silences] == [(a(8), a(9)), (a(9, 40), a(12))]
    assert journee.totaux_actions == {"nb": 4, "comptees": 4, "montant_recouvre": Decimal("40.00"),
                                      "par_type": {"visite": 1, "promesse": 1, "refus": 1, "appel": 1}}
    corps = reponse.content.decode()
    assert "Pourquoi ce score" in corps and "5,63" in corps and "2,63" in corps  # presence 2.625 → 2,63
    # On site at noon: the visit, the promise, the refusal (the call is not); French plurals.
    assert ("3 visites pour un objectif de 4,57 à cette heure (temps de mission écoulé : 120&nbsp;min sur "
            "210&nbsp;min ; objectif du jour : 8 visites)") in corps
    assert "1 promesse, 0 paiement, 1 refus ; taux" in corps
    assert "arrivé à 09:00, reparti à 09:40 (40 min)" in corps
    assert "pas de GPS pendant le créneau" in corps
    assert "enregistrée à 500 m du site du locataire" in corps
    # The map's code and the charts' are named for agent.js to fetch when about to be seen, not loaded.
    assert 'data-leaflet-js="/static/vendor/leaflet/leaflet.js"' in corps
    assert 'data-plotly="/static/vendor/plotly/plotly-basic-4.1.1.min.js"' in corps
    assert "<script src=\"/static/vendor/" not in corps
    # The runbook's table under the history chart: yesterday's row, French decimals.
    assert "09/03/2026" in corps and "4,25" in corps


def test_detail_map_draws_each_gap_from_the_position_before_to_the_one_after(client, monde):
    # Given Lucas back on the radar at S2 (4.4 km north of S1) at 10:15 and 10:20, after his 09:40 position at S1.
    for minute in (15, 20):
        PositionFactory(agent=monde["lucas"], timestamp=a(10, minute), latitude=48.89, longitude=2.35)
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:detail", args=[monde["lucas"].id]),
                         {"jour": "2026-03-10", "debut": "08:00", "fin": "12:00"})

    # Then one gap, 09:40 → 10:15 (35 min over the 10-minute limit); 10:15 → 10:20 is not one.
    carte = reponse.context["carte"]
    assert carte["trous"] == [{
        "debut": 1773132000000, "fin": 1773134100000,  # 08:40 and 09:15 UTC
        "de": [48.85, 2.35], "a": [48.89, 2.35],
        "texte": "Aucune position de 09:40 à 10:15 (35 min)",
    }]
    assert carte["legende"]["trous"] == "trous sans position"
    # The list under the map says the same.
    assert "Aucune position de 09:40 à 10:15 (35 min)" in reponse.content.decode()


def test_detail_actions_table_speaks_french(client, monde):
    client.force_login(monde["chef_nord"])

    corps = client.get(reverse("agents:detail", args=[monde["lucas"].id]),
                       {"jour": "2026-03-10", "debut": "08:00", "fin": "12:00"}).content.decode()

    # Column headers and type labels, not the CSV's field names and codes.
    assert '<th>Action</th><th class="secondaire">Statut</th><th class="secondaire">Résultat</th>' in corps and "montant_recouvre" not in corps
    # The field system's own statut word ("fait") is shown as sent.
    assert '<td>09:20</td><td>Promesse</td><td class="secondaire">fait</td>' in corps
    # The footer's count per type: 4 actions, one of each type.
    assert "4 actions, 4 comptées — Visite : 1, Promesse : 1, Refus : 1, Appel : 1" in corps


def test_action_labels_show_the_demo_statut_words_in_french():
    from django.template import Context, Template

    gabarit = Template("{% load recouvrement %}{{ s|libelle_statut }}/{{ t|libelle_action }}")

    assert gabarit.render(Context({"s": "realisee", "t": "sms"})) == "Réalisée/SMS"
    assert gabarit.render(Context({"s": "RDV pris", "t": "inconnu"})) == "RDV pris/inconnu"


def test_detail_default_is_today_s_whole_working_day_when_the_agent_has_positions_today(client, monde):
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:detail", args=[monde["lucas"].id]))

    journee = reponse.context["journee"]
    assert (journee.jour, journee.debut, journee.fin) == (JOUR, a(8), a(18))
    assert reponse.context["form"].initial == {"jour": JOUR, "debut": datetime.time(8), "fin": datetime.time(18)}
    assert len(journee.points) == 9  # 09:00 to 09:40 every 5 minutes


JEUDI = JOUR + datetime.timedelta(days=2)


@pytest.mark.parametrize("ouverture, jour_attendu", [
    (a(4, 48, jour=JEUDI) - datetime.timedelta(seconds=1), JOUR),  # just before Thursday's position
    (a(4, 48, jour=JEUDI), JEUDI),  # at its instant
    (a(4, 48, jour=JEUDI) + datetime.timedelta(seconds=1), JEUDI),
    (a(4, 48, jour=JEUDI + datetime.timedelta(days=2)), JEUDI),  # Saturday, nothing since Thursday
])
def test_detail_opens_on_the_latest_day_with_positions_not_on_an_empty_today(client, monde, ouverture, jour_attendu):
    # Given the positions of Tuesday 10 March (09:00–09:40) and one on Thursday 12 March at 04:48.
    PositionFactory(agent=monde["lucas"], timestamp=a(4, 48, jour=JEUDI), latitude=48.85, longitude=2.35)
    client.force_login(monde["chef_nord"])

    # When the page opens without a day asked for.
    with time_machine.travel(ouverture, tick=False):
        reponse = client.get(reverse("agents:detail", args=[monde["lucas"].id]))

    # Then it shows the latest day with a position up to now, its whole working day.
    journee = reponse.context["journee"]
    assert (journee.jour, journee.debut, journee.fin) == (jour_attendu, a(8, jour=jour_attendu), a(18, jour=jour_attendu))
    assert len(journee.points) == (9 if jour_attendu == JOUR else 0)  # 04:48 is before the working day


def test_detail_without_any_position_opens_on_today(client, monde):
    client.force_login(monde["chef_sud"])

    journee = client.get(reverse("agents:detail", args=[monde["emma"].id])).context["journee"]

    assert (journee.jour, journee.debut, journee.fin) == (JOUR, a(8), a(18))


def test_detail_day_arrows_and_whole_day_keep_the_chosen_day_and_window(client, monde):
    client.force_login(monde["chef_nord"])
    url = reverse("agents:detail", args=[monde["lucas"].id])

    partiel = client.get(url, {"jour": "2026-03-09", "debut": "10:00", "fin": "11:30"},
                         HTTP_HX_REQUEST="true", HTTP_HX_TARGET="trajet")

    # The arrows keep the window; « Journée entière » stays on the 9th; the form is in the swapped part.
    assert partiel.context["navigation"] == {
        "veille": "?jour=2026-03-08&debut=10:00&fin=11:30",
        "lendemain": "?jour=2026-03-10&debut=10:00&fin=11:30",
        "journee": "?jour=2026-03-09&debut=00:00&fin=23:59",
    }
    corps = partiel.content.decode()
    assert 'id="journee-entiere"' in corps and 'id="id_jour"' in corps and 'value="2026-03-09"' in corps
    # Today has no next day; a window to midnight goes on as 23:59.
    aujourd_hui = client.get(url, {"jour": "2026-03-10", "debut": "20:00"}).context["navigation"]
    assert aujourd_hui["lendemain"] == "" and aujourd_hui["veille"] == "?jour=2026-03-09&debut=20:00&fin=23:59"


def test_detail_window_error_is_french_and_falls_back_to_the_default(client, monde):
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:detail", args=[monde["lucas"].id]), {"debut": "11:00", "fin": "10:00"})

    # The page still shows (default window), with a 400: the parameters were refused.
    assert reponse.status_code == 400
    assert "L&#x27;heure de fin doit suivre l&#x27;heure de début." in reponse.content.decode()
    assert (reponse.context["journee"].debut, reponse.context["journee"].fin) == (a(8), a(18))


def test_detail_trail_partial_for_htmx_and_query_count(client, monde, django_assert_max_num_queries):
    client.force_login(monde["chef_nord"])
    url = reverse("agents:detail", args=[monde["lucas"].id])

    # session, user, groups, agent, history, positions, missions, actions, snapshots
    with django_assert_max_num_queries(9):
        partiel = client.get(url, {"jour": "2026-03-10"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="trajet")

    corps = partiel.content.decode()
    assert "<html" not in corps and 'id="donnees-carte"' in corps and "Mission réelle vs planifiée" in corps


def _contenu(reponse) -> str:
    return b"".join(reponse.streaming_content).decode("utf-8")


def test_trail_export_is_the_window_s_positions_for_a_french_excel(client, monde):
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:trajet_csv", args=[monde["lucas"].id]),
                         {"jour": "2026-03-10", "debut": "09:00", "fin": "09:10"})

    assert reponse.streaming
    assert reponse["Content-Type"] == "text/csv; charset=utf-8"
    assert reponse["Content-Disposition"] == 'attachment; filename="trajet-AG001-2026-03-10-09h00-09h10.csv"'
    # 09:00 and 09:05 (09:10 is the window's end, left out); stored in UTC, written in Paris time.
    assert _contenu(reponse) == (
        "\ufeffCode agent;Date et heure;Latitude;Longitude;Précision (m)\r\n"
        "AG001;10/03/2026 09:00:00;48,85;2,35;8,0\r\n"
        "AG001;10/03/2026 09:05:00;48,85;2,35;8,0\r\n"
    )


def test_trail_export_neutralises_a_formula_and_keeps_seconds_signs_and_missing_precision(client, monde):
    agent = AgentFactory(code="=AG9", nom="Formule", equipe=monde["lucas"].equipe)
    PositionFactory(agent=agent, timestamp=a(14, 0) + datetime.timedelta(seconds=30),
                    latitude=47.218371, longitude=-1.553621, precision_m=None)
    PositionFactory(agent=agent, timestamp=a(14, 2), latitude=47.2184, longitude=-1.5536, precision_m=12.5)
    client.force_login(monde["chef_nord"])

    reponse = client.get(reverse("agents:trajet_csv", args=[agent.id]),
                         {"jour": "2026-03-10", "debut": "14:00", "fin": "15:00"})

    assert _contenu(reponse).splitlines() == [
        "\ufeffCode agent;Date et heure;Latitude;Longitude;Précision (m)",
        "'=AG9;10/03/2026 14:00:30;47,218371;-1,553621;",
        "'=AG9;10/03/2026 14:02:00;47,2184;-1,5536;12,5",
    ]


def test_detail_map_numbers_the_planned_sites_in_visiting_order_coloured_by_verdict(client, monde):
    # Given S2 reached at 10:45, inside its 10:30–11:30 window (S1's 09:00–10:00 was reached at 09:00).
    PositionFactory(agent=monde["lucas"], timestamp=a(10, 45), latitude=48.89, longitude=2.35)
    client.force_login(monde["chef_nord"])

    carte = client.get(reverse("agents:detail", args=[monde["lucas"].id]),
                       {"jour": "2026-03-10", "debut": "08:00", "fin": "12:00"}).context["carte"]

    # Then the four missions by start time, numbered, labelled, each with its verdict's class.
    assert [(s["n"], s["nom"], s["verdict"]) for s in carte["sites"]] == [
        (1, "S1 Les Vergers", "atteint"), (2, "S2 Marcadet", "atteint"),
        (3, "S1 Les Vergers", "a-venir"), (4, "S2 Marcadet", "a-venir")]
    assert carte["sites"][0]["texte"] == "1. S1 — Les Vergers · 09:00–10:00"
    # The 09:00–09:40 stop at S1 carries its times (the map's label).
    assert [(s["heures"], s["minutes"]) for s in carte["arrets"]] == [("09:00–09:40", 40)]


def _positions(reponse) -> int:
    """The trail's count of positions, as the page says it (« … de 08:00 à 12:00 : 9 positions. »)."""
    return int(re.search(r"à \d\d:\d\d : (\d+) positions?\.", reponse.content.decode()).group(1))


def test_detail_trail_is_cached_until_the_agents_positions_change(client, monde, django_capture_on_commit_callbacks):
    """The page (the trail, its analysis and map, the phone, the score) is shared for a minute; a
    position stored through the field API's service shows at once, one written behind its back does
    not."""
    from agents.services import positions_enregistrer

    client.force_login(monde["chef_nord"])
    url = reverse("agents:detail", args=[monde["lucas"].id])
    fenetre = {"jour": "2026-03-10", "debut": "08:00", "fin": "12:00"}
    assert _positions(client.get(url, fenetre)) == 9  # 09:00, 09:05 … 09:40

    PositionFactory(agent=monde["lucas"], timestamp=a(11, 0), latitude=48.89, longitude=2.35)
    assert _positions(client.get(url, fenetre)) == 9  # from the cache
    assert _positions(client.get(url, {**fenetre, "fin": "11:59"})) == 10  # another window

    with django_capture_on_commit_callbacks(execute=True):
        positions_enregistrer(agent_id=monde["lucas"].id, positions=[
            {"timestamp": a(11, 30), "latitude": 48.89, "longitude": 2.35}])
    assert _positions(client.get(url, fenetre)) == 11


def test_detail_page_is_drawn_once_a_minute_per_role_and_again_on_a_data_change(client, monde, django_assert_num_queries):
    """The whole page is shared for a minute (the list's refresh period) by the users of one role:
    a second visit costs the access check only; a task put behind the cache's back waits (for the
    minute), a new generation (what the follow-up ladder starts) shows it at once; the cached page
    never opens a refused agent (another team's lead: 404)."""
    from agents.services import tache_creer

    url = reverse("agents:detail", args=[monde["lucas"].id])
    martin = LocataireFactory(code="L2", nom="Martin Durand", site=monde["lucas"].missions.first().site)
    client.force_login(monde["chef_nord"])
    assert "Rien à faire." in client.get(url).content.decode()

    tache_creer(agent_id=monde["lucas"].id, locataire_id=martin.id, type_tache="appel", jour=JOUR)
    # user, groups, the agent (its team checked in the query); the session is the cache's
    with django_assert_num_queries(3):
        corps = client.get(url).content.decode()
    assert "Rien à faire." in corps and "Martin Durand" not in corps
    client.force_login(monde["direction"])  # another role: drawn for it
    assert "Martin Durand" in client.get(url).content.decode()

    client.force_login(monde["chef_sud"])
    assert client.get(url).status_code == 404

    client.force_login(monde["chef_nord"])
    donnees_modifiees()
    corps = client.get(url).content.decode()
    assert "Martin Durand" in corps and "Rien à faire." not in corps


def test_detail_trail_redrawn_by_htmx_is_cached_by_the_page_s_rule(client, monde, django_capture_on_commit_callbacks):
    """The trail htmx swaps in (a change of day or window) follows the page's one rule: a position
    written behind the cache's back waits, one stored through the field API shows at once, another
    window is drawn for itself, another team's lead gets a 404, not the cached trail."""
    from agents.services import positions_enregistrer

    url = reverse("agents:detail", args=[monde["lucas"].id])
    fenetre, htmx = {"jour": "2026-03-10", "debut": "08:00", "fin": "12:00"}, {"HTTP_HX_REQUEST": "true",
                                                                              "HTTP_HX_TARGET": "trajet"}
    client.force_login(monde["chef_nord"])
    assert _positions(client.get(url, fenetre, **htmx)) == 9

    PositionFactory(agent=monde["lucas"], timestamp=a(11, 0), latitude=48.89, longitude=2.35)
    partiel = client.get(url, fenetre, **htmx)
    assert _positions(partiel) == 9 and "<html" not in partiel.content.decode()
    assert _positions(client.get(url, {**fenetre, "fin": "11:59"}, **htmx)) == 10
    client.force_login(monde["chef_sud"])
    assert client.get(url, fenetre, **htmx).status_code == 404

    client.force_login(monde["chef_nord"])
    with django_capture_on_commit_callbacks(execute=True):
        positions_enregistrer(agent_id=monde["lucas"].id, positions=[
            {"timestamp": a(11, 30), "latitude": 48.89, "longitude": 2.35}])
    assert _positions(client.get(url, fenetre, **htmx)) == 11


def test_detail_page_cached_at_midnight_s_eve_is_not_served_the_next_day(client, monde):
    """The business day is in the key: the page drawn at 23:59 (today: « Score du moment ») is
    drawn again at 00:01, when the same address opens on that day as a past one."""
    url = reverse("agents:detail", args=[monde["lucas"].id])
    client.force_login(monde["chef_nord"])
    with time_machine.travel(a(23, 59), tick=False):
        assert "Score du moment" in client.get(url).content.decode()

    with time_machine.travel(a(0, 1, jour=JOUR + datetime.timedelta(days=1)), tick=False):
        corps = client.get(url).content.decode()

    assert "Score du moment" not in corps and "Score du 10/03/2026" in corps


def test_detail_page_is_one_cache_entry(client, monde, monkeypatch):
    """One cache for the page: its HTML under one key, for a minute (the list's refresh period:
    with a replica, what no generation or token tracks is at most 60 s + the replica's 15 s old,
    docs/scaling.md), nothing cached beneath it."""
    ecrites = []
    ecrire = cache.set
    monkeypatch.setattr(cache, "set", lambda cle, valeur, duree: (ecrites.append((cle, duree)), ecrire(cle, valeur, duree))[1])
    client.force_login(monde["chef_nord"])

    client.get(reverse("agents:detail", args=[monde["lucas"].id]))

    assert [(cle.split(":")[:2], duree) for cle, duree in ecrites if cle.startswith("agents:")] == [(["agents", "page"], 60)]


def test_detail_intraday_curve_has_its_figures_as_a_table(client, monde):
    # Given Lucas's 11:00 snapshot (6.00, the fixture's), one at 09:00 not judged yet and one at
    # 11:05 at 4.99, just under the score rule's threshold (5), and one at 11:10 at exactly 5.00.
    ScoreInstantaneFactory(agent=monde["lucas"], instant=a(9), score=None)
    ScoreInstantaneFactory(agent=monde["lucas"], instant=a(11, 5), score=Decimal("4.99"))
    ScoreInstantaneFactory(agent=monde["lucas"], instant=a(11, 10), score=Decimal("5.00"))
    client.force_login(monde["chef_nord"])

    corps = client.get(reverse("agents:detail", args=[monde["lucas"].id]),
                       {"jour": "2026-03-10", "debut": "08:00", "fin": "12:00"}).content.decode()

    # Then the curve's text alternative lists each snapshot at its Paris time, in French, oldest
    # first, the one under the threshold marked as the curve marks it (5.00 is not under 5).
    tableau = corps[corps.index('id="courbe-jour"'):]
    tableau = tableau[:tableau.index("</table>")]
    assert [ligne for ligne in tableau.split("<tr>")[2:]] == [
        '<th scope="row">09:00</th><td class="n">pas encore noté</td></tr>',
        '<th scope="row">11:00</th><td class="n">6,00</td></tr>',
        '<th scope="row">11:05</th><td class="n alerte">4,99</td></tr>',
        '<th scope="row">11:10</th><td class="n">5,00</td></tr></tbody>\n    ',
    ]


@pytest.fixture
def est(monde):
    """Team Est beside Nord and Sud, its agents E01, E02… (as many as a test asks)."""
    equipe = EquipeFactory(code="EST", nom="Équipe Est")
    return lambda n: [AgentFactory(code=f"E{i:02d}", nom=f"Agent {i:02d}", equipe=equipe) for i in range(1, n + 1)]


def _codes(reponse) -> list[str]:
    return [r["sous_titre"].split(" · ")[0] for r in reponse.context["rangees"]()]


@pytest.mark.parametrize("n_est, pages", [(47, 1), (48, 1), (49, 2)])
def test_liste_pages_of_fifty_agents_at_and_around_the_page_size(client, monde, est, n_est, pages):
    """49, 50 agents: one page, no page links; 51: the 51st alone on page 2."""
    est(n_est)
    client.force_login(monde["direction"])

    reponse = client.get(reverse("agents:liste"))

    corps = html.unescape(reponse.content.decode())
    assert reponse.context["page"].paginator.num_pages == pages
    # By code: AG001, AG005, then E01… (E49 the 51st, when there are 51).
    attendus = ["AG001", "AG005"] + [f"E{i:02d}" for i in range(1, n_est + 1)]
    assert _codes(reponse) == attendus[:50]
    assert len(reponse.context["lignes"]) == n_est + 2  # the sort runs over every agent
    if pages == 1:
        assert "Suivante" not in corps and "Agents 1 à" not in corps
    else:
        assert "Agents 1 à 50 sur 51" in corps and "Page 1 sur 2" in corps
        assert 'href="?equipe=&tri=agent&page=2"' in corps
        deuxieme = client.get(reverse("agents:liste"), {"page": "2"})
        assert _codes(deuxieme) == ["E49"]
        # The drawn (and cached) HTML too, not only the rows handed to it.
        assert "E49 · Équipe Est" in deuxieme.content.decode() and "E49 · Équipe Est" not in corps
        assert "E48 · Équipe Est" in corps and "E48 · Équipe Est" not in deuxieme.content.decode()
        assert "Agent 51 sur 51" in html.unescape(deuxieme.content.decode())


def test_liste_sorts_every_agent_before_paging_and_keeps_sort_and_team_in_the_links(client, monde, est):
    est(49)
    client.force_login(monde["direction"])

    premiere = client.get(reverse("agents:liste"), {"tri": "agent", "sens": "desc"})
    deuxieme = client.get(reverse("agents:liste"), {"tri": "agent", "sens": "desc", "page": "2"})

    # Codes descending over all 51: E49…E01, AG005 on page 1; AG001 alone on page 2.
    assert _codes(premiere) == [f"E{i:02d}" for i in range(49, 0, -1)] + ["AG005"]
    assert _codes(deuxieme) == ["AG001"]
    assert 'href="?equipe=&tri=agent&sens=desc&page=2"' in html.unescape(premiere.content.decode())
    assert 'href="?equipe=&tri=agent&sens=desc&page=1"' in html.unescape(deuxieme.content.decode())
    # A team chosen: its 49 agents on one page.
    assert _codes(client.get(reverse("agents:liste"), {"equipe": "EST", "page": "2"})) == [
        f"E{i:02d}" for i in range(1, 50)]


@pytest.mark.parametrize("saisie, attendue", [("abc", 1), ("", 1), ("0", 2), ("3", 2), ("-1", 2), ("2", 2)])
def test_liste_page_number_out_of_range_or_not_a_number_shows_the_nearest_page(client, monde, est, saisie, attendue):
    """As every list of the site (Paginator.get_page): not a number → the first page; out of
    range → the last."""
    est(49)
    client.force_login(monde["direction"])

    reponse = client.get(reverse("agents:liste"), {"page": saisie})

    assert (reponse.status_code, reponse.context["page"].number) == (200, attendue)


def test_liste_details_only_the_rows_of_the_page_shown(client, monde, est, monkeypatch):
    """The kept rate and the silent phones' explanation are read for the page's agents only:
    Lucas (AG001, silent since 09:40, its phone still since 09:25) is explained on page 2 of the
    descending sort, not page 1."""
    from agents import selectors_pages
    from agents.models import AgentGeolocalisation

    AgentGeolocalisation.objects.filter(agent=monde["lucas"], timestamp__gte=a(9, 25)).update(en_mouvement=False)
    AgentGeolocalisation.objects.filter(agent=monde["lucas"], timestamp=a(9, 20)).update(en_mouvement=True)
    est(49)
    demandes = []
    vrai = selectors_pages.taux_promesses_tenues

    def espion(**kwargs):
        demandes.append(sorted(kwargs["agent_ids"]))
        return vrai(**kwargs)

    monkeypatch.setattr(selectors_pages, "taux_promesses_tenues", espion)
    client.force_login(monde["direction"])

    premiere = client.get(reverse("agents:liste"), {"tri": "agent", "sens": "desc"})
    deuxieme = client.get(reverse("agents:liste"), {"tri": "agent", "sens": "desc", "page": "2"})

    ids = {a.code: a.id for a in monde["lucas"].__class__.objects.all()}
    assert demandes == [sorted(ids[c] for c in ids if c != "AG001"), [ids["AG001"]]]
    assert "téléphone silencieux" not in premiere.content.decode()
    # Still since 09:25, at noon: 2 h 35.
    assert "téléphone silencieux : immobile depuis 2 h 35" in deuxieme.content.decode()


def test_liste_refresh_asks_for_the_sort_and_page_shown(client, monde, est):
    """The minute's refresh lives in the swapped table: after a sort or a page chosen by htmx,
    it asks for that sort and page, not for the URL the page was first opened at."""
    est(49)
    client.force_login(monde["direction"])

    page = client.get(reverse("agents:liste")).content.decode()
    partiel = client.get(reverse("agents:liste"), {"tri": "score", "sens": "desc", "page": "2"},
                         HTTP_HX_REQUEST="true").content.decode()

    rafraichir = re.compile(r'<div hidden hx-get="([^"]*)" hx-trigger="every 60s" hx-target="#tableau" '
                            r'hx-sync="#tableau:drop"></div>')
    assert rafraichir.findall(page) == ["/agents/"]
    assert [html.unescape(u) for u in rafraichir.findall(partiel)] == ["/agents/?tri=score&sens=desc&page=2"]
    assert '<div id="tableau">' in page and "every 60s" not in page.split('<div id="tableau">')[0]


def test_liste_cached_rows_hold_no_model_instance(client, monde):
    """The rows are cached and read back on every visit of the minute: plain values, no model
    instance to rebuild (1 200 of them cost ~25 ms a visit at 600 agents); an inactive agent
    still shows as such, with its team's name."""
    import pickle

    monde["emma"].actif = False
    monde["emma"].save()
    client.force_login(monde["direction"])

    reponse = client.get(reverse("agents:liste"))

    assert b"model_unpickle" not in pickle.dumps(reponse.context["lignes"])
    assert [(r["sous_titre"], r["inactif"]) for r in reponse.context["rangees"]()] == [
        ("AG001 · Équipe Nord", False), ("AG005 · Équipe Sud", True)]
    assert '<tr class="inactif">' in reponse.content.decode()


def test_liste_every_page_comes_from_the_same_rows_when_they_are_computed_again(client, monde, est):
    """Page 2 drawn, then the minute's rows computed again with an agent moved by the sort on
    the last position: page 1 must not come from the new rows while page 2 is still the old
    rows' HTML (an agent on both pages, another on none)."""
    est(49)
    client.force_login(monde["direction"])
    sur_la_position = {"tri": "gps"}
    # Lucas, the only agent with a position (09:40), comes first; then the others in the rows'
    # order (by team: Est, Sud), Emma (AG005, Sud) 51st, alone on page 2.
    assert _codes(client.get(reverse("agents:liste"), {**sur_la_position, "page": "2"})) == ["AG005"]

    # 30 s later, Emma sends a position, and the rows' minute is over (their entry expired).
    with time_machine.travel(a(12) + datetime.timedelta(seconds=30), tick=False):
        PositionFactory(agent=monde["emma"], timestamp=a(12))
        cache.delete(cle_du_jour("agents:lignes", monde["direction"].pk, ""))
        premiere = client.get(reverse("agents:liste"), sur_la_position).content.decode()
        deuxieme = client.get(reverse("agents:liste"), {**sur_la_position, "page": "2"}).content.decode()

    lignes = re.findall(r"<small>(\w+) · ", premiere + deuxieme)
    assert len(lignes) == 51 and len(set(lignes)) == 51
    assert lignes[:2] == ["AG005", "AG001"]  # 12:00 before 09:40
