"""Promises to pay: their judgement (tenue / rompue / en cours / sans engagement) with frozen
time, the kept rates, /promesses/ (who sees what, filters, CSV), the tenant and agent pages."""
import csv
import html
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from recovery.selectors import promesses_jugees, taux_promesses_tenues
from tests.factories import ActionFactory, AgentFactory, EquipeFactory, LocataireFactory, MissionFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = timezone.get_default_timezone()


def le(jour: int, heure: int = 10, mois: int = 3) -> datetime.datetime:
    return datetime.datetime(2026, mois, jour, heure, 0, tzinfo=PARIS)


def j(jour: int, mois: int = 3) -> datetime.date:
    return datetime.date(2026, mois, jour)


@pytest.fixture(autouse=True)
def _cache_vide():
    cache.clear()


@pytest.fixture
def monde():
    """Team Nord (chef_nord): AG1 on site S1; team Sud (chef_sud): AG2 on site S2. Tolerance 3 days.

    L1 (S1) — AG1 promises 300,00 € on 02/03 for 10/03 (limit 13/03); paid 100 on 05/03 by AG1 and
        200 on 12/03 by AG2 (any agent counts): tenue on 12/03, 300,00 paid.
    L2 (S2) — AG2 promises 400,00 € on 02/03 for 09/03 (limit 12/03); paid 350 on 11/03: rompue
        from 13/03, 350,00 paid. A payment of 1 000 on 01/03, before the promise, does not count;
        nor does one « annulee » of 50 on 10/03.
    L3 (S1) — AG1 promises 200,00 € on 03/03 for 10/03 (limit 13/03); nothing paid: en cours up to
        13/03 included, rompue on 14/03.
    L4 (S1) — AG1 promises 500,00 € on 09/03 for 20/03; paid 100 on 10/03: en cours.
    L5 (S2) — AG2 promises without amount on 04/03: sans engagement."""
    chef_nord = UserFactory(username="chef.nord@akig.local", groups=["Chef d'équipe"])
    chef_sud = UserFactory(username="chef.sud@akig.local", groups=["Chef d'équipe"])
    ag1 = AgentFactory(code="AG1", nom="Lucas David", equipe=EquipeFactory(code="NORD", chef=chef_nord))
    ag2 = AgentFactory(code="AG2", nom="Emma Leroy", equipe=EquipeFactory(code="SUD", chef=chef_sud))
    s1, s2 = SiteFactory(code="S1", nom="Les Vergers"), SiteFactory(code="S2", nom="Marcadet")
    # Each team's site (where its agents have missions): what its lead's site picker offers.
    MissionFactory(agent=ag1, site=s1, date_prevue=j(2))
    MissionFactory(agent=ag2, site=s2, date_prevue=j(2))
    l1, l2, l3, l4, l5 = (LocataireFactory(code=f"L{n}", site=site) for n, site in
                          ((1, s1), (2, s2), (3, s1), (4, s1), (5, s2)))

    def promesse(ref, agent, locataire, jour, montant, pour):
        ActionFactory(reference=ref, agent=agent, locataire=locataire, type_action="promesse", date_action=le(jour),
                      promesse_montant=montant and Decimal(montant), promesse_date=pour and j(pour))

    def paiement(ref, agent, locataire, jour, montant, statut="realisee"):
        ActionFactory(reference=ref, agent=agent, locataire=locataire, type_action="paiement", statut=statut,
                      date_action=le(jour), montant_recouvre=Decimal(montant))

    promesse("P1", ag1, l1, 2, "300.00", 10)
    paiement("V11", ag1, l1, 5, "100.00")
    paiement("V12", ag2, l1, 12, "200.00")
    promesse("P2", ag2, l2, 2, "400.00", 9)
    paiement("V20", ag2, l2, 1, "1000.00")
    paiement("V21", ag2, l2, 10, "50.00", statut="annulee")
    paiement("V22", ag2, l2, 11, "350.00")
    promesse("P3", ag1, l3, 3, "200.00", 10)
    promesse("P4", ag1, l4, 9, "500.00", 20)
    paiement("V41", ag1, l4, 10, "100.00")
    promesse("P5", ag2, l5, 4, None, None)
    return {"chef_nord": chef_nord, "chef_sud": chef_sud, "ag1": ag1, "ag2": ag2, "s1": s1, "s2": s2, "l3": l3}


def etats(aujourd_hui, **filtres):
    return {p.reference: (p.statut, p.montant_paye, p.juge_le)
            for p in promesses_jugees(aujourd_hui=aujourd_hui, **filtres)}


def test_promesses_judged_by_hand(monde):
    assert etats(j(13)) == {
        "P1": ("tenue", Decimal("300.00"), j(12)),
        "P2": ("rompue", Decimal("350.00"), j(13)),
        "P3": ("en_cours", Decimal("0.00"), None),
        "P4": ("en_cours", Decimal("100.00"), None),
        "P5": ("sans_engagement", Decimal("0.00"), None),
    }


def test_promesse_last_day_of_tolerance_then_the_day_after(monde):
    # P3: 10/03 + 3 days = 13/03, the last day a payment counts.
    assert etats(j(13))["P3"][0] == "en_cours"
    assert etats(j(14))["P3"] == ("rompue", Decimal("0.00"), j(14))


def test_promesse_paid_on_the_last_day_is_kept_the_day_after_is_not(monde):
    ActionFactory(reference="V31", agent=monde["ag1"], locataire=monde["l3"], type_action="paiement",
                  date_action=le(13, 18), montant_recouvre=Decimal("200.00"))
    assert etats(j(20))["P3"] == ("tenue", Decimal("200.00"), j(13))


def test_promesse_paid_the_day_after_the_limit_is_broken(monde):
    ActionFactory(reference="V31", agent=monde["ag1"], locataire=monde["l3"], type_action="paiement",
                  date_action=le(14, 8), montant_recouvre=Decimal("200.00"))
    assert etats(j(20))["P3"] == ("rompue", Decimal("0.00"), j(14))


def test_promesse_one_cent_short_is_broken(monde):
    ActionFactory(reference="V31", agent=monde["ag1"], locataire=monde["l3"], type_action="paiement",
                  date_action=le(12), montant_recouvre=Decimal("199.99"))
    assert etats(j(14))["P3"] == ("rompue", Decimal("199.99"), j(14))


def test_promesse_tolerance_comes_from_the_setting(monde, settings):
    settings.AKIG_PROMESSE_TOLERANCE_JOURS = 0
    # P3 due 10/03 with no grace: rompue on 11/03; P1 (paid in full on 12/03) is then rompue too.
    assert etats(j(11))["P3"] == ("rompue", Decimal("0.00"), j(11))
    assert etats(j(13))["P1"] == ("rompue", Decimal("100.00"), j(11))


def test_promesses_filters(monde):
    assert set(etats(j(13), statut="en_cours")) == {"P3", "P4"}
    assert set(etats(j(13), agent_ids=[monde["ag2"].id])) == {"P2", "P5"}
    assert set(etats(j(13), site_ids=[monde["s1"].id])) == {"P1", "P3", "P4"}
    # Due between 10/03 and 20/03; P5 (no date) by the day it was made (04/03): out.
    assert set(etats(j(13), echeance_du=j(10), echeance_au=j(20))) == {"P1", "P3", "P4"}
    assert set(etats(j(13), echeance_du=j(4), echeance_au=j(4))) == {"P5"}


def test_taux_promesses_tenues_by_agent_and_site_over_a_window(monde):
    # On 14/03, promises due 08/03–14/03 (7 days) and judged: P1 tenue (AG1, S1), P3 rompue (AG1, S1),
    # P2 rompue (AG2, S2). P4 is due 20/03, P5 has no date.
    par_agent = taux_promesses_tenues(aujourd_hui=j(14), jours=7, par="agent")
    par_site = taux_promesses_tenues(aujourd_hui=j(14), jours=7, par="site")
    ag1, ag2 = monde["ag1"].id, monde["ag2"].id
    assert {k: (t.code, t.tenues, t.rompues, t.taux) for k, t in par_agent.items()} == {
        ag1: ("AG1", 1, 1, Decimal("50.0")), ag2: ("AG2", 0, 1, Decimal("0.0"))}
    assert par_site[monde["s1"].id].taux == Decimal("50.0")
    # A window of 5 days (10/03–14/03) leaves P2 (due 09/03) out.
    assert ag2 not in taux_promesses_tenues(aujourd_hui=j(14), jours=5, par="agent")


def _taux_par_jugement(aujourd_hui, jours, par):
    """The kept share counted from promesses_jugees (the rule in Python, promise by promise)."""
    comptes = {}
    for p in promesses_jugees(aujourd_hui=aujourd_hui, echeance_du=aujourd_hui - datetime.timedelta(days=jours - 1),
                              echeance_au=aujourd_hui):
        if p.statut in ("tenue", "rompue"):
            cle = p.agent_id if par == "agent" else p.site_id
            compte = comptes.setdefault(cle, [0, 0])
            compte[0 if p.statut == "tenue" else 1] += 1
    return {cle: tuple(c) for cle, c in comptes.items()}


@pytest.mark.parametrize("tolerance", [0, 3])
def test_taux_set_based_agrees_with_the_judgement_promise_by_promise(monde, settings, tolerance):
    """taux_promesses_tenues judges in one SQL aggregate: on every day of the month and two
    tolerances, it counts what promesses_jugees judges, edges included. Beside the fixture:
    L6 (S1, AG1) promises 200 on 05/03 for 10/03, paid in full at 00:30 Paris on 13/03 (23:30 UTC
    the 12th: the limit's day with the tolerance of 3, the day after without it); L7 (S2, AG2)
    promises 150 for 08/03, paid 100 then 50 on 11/03 (the limit: kept with 3 days, partial
    with 0) and 500 on 12/03 (the day after the limit)."""
    settings.AKIG_PROMESSE_TOLERANCE_JOURS = tolerance
    l6 = LocataireFactory(code="L6", site=monde["s1"])
    l7 = LocataireFactory(code="L7", site=monde["s2"])
    ActionFactory(reference="P6", agent=monde["ag1"], locataire=l6, type_action="promesse", date_action=le(5),
                  promesse_montant=Decimal("200.00"), promesse_date=j(10))
    ActionFactory(reference="V61", agent=monde["ag1"], locataire=l6, type_action="paiement",
                  date_action=datetime.datetime(2026, 3, 13, 0, 30, tzinfo=PARIS), montant_recouvre=Decimal("200.00"))
    ActionFactory(reference="P7", agent=monde["ag2"], locataire=l7, type_action="promesse", date_action=le(6),
                  promesse_montant=Decimal("150.00"), promesse_date=j(8))
    for ref, jour, montant in (("V71", 11, "100.00"), ("V72", 11, "50.00"), ("V73", 12, "500.00")):
        ActionFactory(reference=ref, agent=monde["ag2"], locataire=l7, type_action="paiement", date_action=le(jour),
                      montant_recouvre=Decimal(montant))
    jugees = 0
    for jour in range(1, 29):
        for par in ("agent", "site"):
            attendu = _taux_par_jugement(j(jour), 10, par)
            taux = taux_promesses_tenues(aujourd_hui=j(jour), jours=10, par=par)
            assert {k: (t.tenues, t.rompues) for k, t in taux.items()} == attendu, (jour, par)
            jugees += sum(sum(c) for c in attendu.values())
    assert jugees > 0
    # By hand on 14/03 with 3 days: AG1 has P1 and P6 kept, P3 broken; AG2 P7 kept, P2 broken.
    if tolerance == 3:
        taux = taux_promesses_tenues(aujourd_hui=j(14), jours=10, par="agent")
        assert {k: (t.tenues, t.rompues) for k, t in taux.items()} == {
            monde["ag1"].id: (2, 1), monde["ag2"].id: (1, 1)}


# --- /promesses/


def _en(jour):
    return time_machine.travel(le(jour, 12), tick=False)


def test_promesses_page_director_sees_all_team_lead_only_their_team(client, monde):
    directeur = UserFactory(username="pdg@akig.local", groups=["Direction"])
    with _en(14):
        client.force_login(directeur)
        tout = client.get("/promesses/")
        client.force_login(monde["chef_sud"])
        sud = client.get("/promesses/")
        # Another team's agent in the filter: not a choice, refused (400) and nothing listed.
        autre = client.get("/promesses/", {"agent": "AG1"})
    assert tout.status_code == 200
    assert [p.reference for p in tout.context["page"]] == ["P4", "P3", "P1", "P2", "P5"]
    assert [p.reference for p in sud.context["page"]] == ["P2", "P5"]
    assert "AG1" not in sud.content.decode()
    assert autre.status_code == 400 and autre.context["page"] is None
    assert [l["code"] for l in sud.context["taux"]["agent"]] == ["AG2"]


def test_promesses_page_refuses_outsider_and_anonymous(client, monde):
    with _en(14):
        anonyme = client.get("/promesses/")
        client.force_login(UserFactory(username="curieux@akig.local"))
        curieux = client.get("/promesses/")
        curieux_csv = client.get("/promesses/promesses.csv")
    assert anonyme.status_code == 302 and "/connexion/" in anonyme["Location"]
    assert curieux.status_code == 403 and curieux_csv.status_code == 403


def test_promesses_page_filters_and_bad_values(client, monde):
    client.force_login(monde["chef_nord"])
    with _en(14):
        rompues = client.get("/promesses/", {"statut": "rompue"})
        site_inconnu = client.get("/promesses/", {"site": "S9"})
        a_l_envers = client.get("/promesses/", {"du": "2026-03-20", "au": "2026-03-10"})
        periode = client.get("/promesses/", {"du": "2026-03-10", "au": "2026-03-12", "site": "S1"})
    assert [p.reference for p in rompues.context["page"]] == ["P3"]
    assert site_inconnu.status_code == 400 and site_inconnu.context["page"] is None
    assert ("Site « S9 » inconnu ou hors de vos équipes : choisissez-le dans la liste."
            in html.unescape(site_inconnu.content.decode()))
    assert a_l_envers.status_code == 400 and "La fin de la période précède son début." in a_l_envers.content.decode()
    assert [p.reference for p in periode.context["page"]] == ["P3", "P1"]


def test_promesses_pickers_offer_only_the_leads_teams_agents_and_sites(client, monde):
    """Owner (Nord's lead), permitted (a director), outsider (Sud's lead): each picks among their
    scope; a site of another team, by code or by name, is refused in French with no list."""
    directeur = UserFactory(username="pdg@akig.local", groups=["Direction"])
    with _en(14):
        client.force_login(monde["chef_nord"])
        nord = client.get("/promesses/")
        nord_par_nom = client.get("/promesses/", {"site": "vergers"})
        nord_hors = client.get("/promesses/", {"site": "Marcadet"})
        client.force_login(directeur)
        tout = client.get("/promesses/", {"site": "Marcadet"})
        client.force_login(monde["chef_sud"])
        sud_hors = client.get("/promesses/", {"site": "S1"})
    corps = nord.content.decode()
    assert '<datalist id="choix-sites"><option value="S1">Les Vergers</option></datalist>' in corps
    assert '<option value="AG1">AG1 – Lucas David</option>' in corps and "AG2" not in corps
    assert "Site (code)" not in corps
    assert [p.reference for p in nord_par_nom.context["page"]] == ["P4", "P3", "P1"]
    for refus, saisie in ((nord_hors, "Marcadet"), (sud_hors, "S1")):
        assert refus.status_code == 400 and refus.context["page"] is None
        assert (f"Site « {saisie} » inconnu ou hors de vos équipes : choisissez-le dans la liste."
                in html.unescape(refus.content.decode()))
    assert [p.reference for p in tout.context["page"]] == ["P2", "P5"]
    assert ('<option value="S1">Les Vergers</option><option value="S2">Marcadet</option>'
            in tout.content.decode())


def test_promesses_page_shows_kept_rates_30_and_90_days(client, monde):
    client.force_login(UserFactory(username="pdg@akig.local", groups=["Direction"]))
    with _en(14):
        reponse = client.get("/promesses/")
    lignes = {l["code"]: [(t.tenues, t.rompues) if t else None for t in l["fenetres"]]
              for l in reponse.context["taux"]["agent"]}
    assert lignes == {"AG1": [(1, 1), (1, 1)], "AG2": [(0, 1), (0, 1)]}
    assert "50 % <small>(1/2)</small>" in reponse.content.decode()


def test_promesses_csv_columns_and_figures(client, monde):
    client.force_login(monde["chef_nord"])
    with _en(14):
        reponse = client.get("/promesses/promesses.csv", {"statut": "tenue"})
    texte = b"".join(reponse.streaming_content).decode("utf-8-sig")
    lignes = list(csv.reader(io.StringIO(texte), delimiter=";"))
    assert lignes == [
        ["Code locataire", "Code agent", "Site", "Promise le", "Montant promis", "Date promise", "Limite",
         "Montant payé", "Statut"],
        ["L1", "AG1", "S1", "02/03/2026", "300,00", "10/03/2026", "13/03/2026", "300,00", "Tenue"],
    ]


def test_tenant_page_shows_promises_with_status(client, monde):
    client.force_login(UserFactory(username="pdg@akig.local", groups=["Direction"]))
    with _en(14):
        reponse = client.get(f"/dashboard/locataires/{monde['l3'].id}/")
    assert [(p.reference, p.statut) for p in reponse.context["promesses"]] == [("P3", "rompue")]
    assert "Rompue" in reponse.content.decode()


def test_agent_list_and_page_show_the_kept_rate_beside_the_score(client, monde):
    client.force_login(monde["chef_nord"])
    with _en(14):
        liste = client.get("/agents/")
        page = client.get(f"/agents/{monde['ag1'].id}/")
    assert [r["tenues"] for r in liste.context["rangees"]()] == ["50\u00a0% tenues (1/2)"]
    assert "50\u00a0% tenues (1/2)" in page.content.decode()
