"""One hand-built data set, every place a figure of docs/figures.md is shown: the dashboard
(cards and charts), the analysis page and its CSV, a site's page and its CSV, the legal list
and its CSV, /api/dashboard/resume, /metrics, the alert emails, the site and global PDFs (read
back with pdftotext), the agents' list and pages. Each figure is the same hand-computed number
everywhere, and every report's parts add up to its totals. Numbers are read in fr-FR.

Monday 30/11/2026 at 12:00 (Paris). The rules: overall more than 6 debts past 60 days, a site
more than 3 (set as a director would; the defaults are 50 and 10).

    S01 Les Vergers (sensible)
        L1: 90 j 1 000,00 ; 70 j 1 500,00 ; 20 j 500,00
        L2: 61 j 250,50           (just past 60 days)
        L3: 60 j 400,00           (exactly 60 days: not past them)
        L4: 200 j 9 000,00 ; 10 j 1 000,01   (owes 10 000,01: just above the legal list's 10 000 €)
    S02 Marcadet
        M1: 100 j 700,00 ; 61 j 300,00
        M2: 400 j 10 000,00       (owes exactly 10 000,00: not on the legal list)
    S03 Clos Fleuri
        N1: 30 j 800,00

Past 60 days: S01 4 debts, 1 000 + 1 500 + 250,50 + 9 000 = 11 750,50 €; S02 3 debts,
700 + 300 + 10 000 = 11 000,00 €; in all 7 debts, 22 750,50 €, 5 tenants (L1 L2 L4 M1 M2),
2 sites. Every debt: S01 7, 13 650,51 €; S02 3, 11 000,00 €; S03 1, 800,00 €; in all 11,
25 450,51 €. Legal list: L4 alone, 10 000,01 €. The overall rule (7 > 6) and S01 (4 > 3) fire,
S02 (3, not more than 3) does not.

Agents, mission 09:00–11:00 (the day is judged whole at noon: 8 visits expected):
    A1 today 4 visits: 4 × 4/8 + 6 × 2/4 = 5,00 (at the threshold: not under 5);
       Friday 27/11 2 visits and a refusal: 4 × 3/8 + 6 × 2/5 = 1,50 + 2,40 = 3,90
    A2 today nothing: 0 + 6 × 2/4 = 3,00 (under 5);
       Friday a payment of 150,00: 4 × 1/8 + 6 × 3/5 = 0,50 + 3,60 = 4,10
    A3 today 8 promises: 4 + 6 × 10/12 = 9,00
Agents under 5 now: 1 (A2). (The agent alert's test adds A4 at 4,93 and A5 at 5,07.) Recovered: week of 23/11 150,00 €, week of 30/11 0,00 €.
"""
import datetime
import json
import re
from decimal import Decimal
from html import unescape

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from akig_ops.tasks import metriques_metier_task
from agents.models import Agent
from agents.services import performance_compute, scores_instantanes_enregistrer
from escalations.models import Escalade, Message, Regle
from escalations.outbox import outbox_vider
from escalations.rapports import pdf_rendre
from escalations.services import escalades_evaluer
from recovery.services import instantanes_sites_ecrire
from tests.escalations.conftest import horloge, paris, regles_et_roles  # noqa: F401  (horloge: a fixture)
from tests.escalations.test_synthese_et_pdf import texte_pdf
from tests.test_metriques import JETON, scraper
from tests.factories import (
    ActionFactory,
    EquipeFactory,
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    SiteFactory,
    UserFactory,
    agent_au_travail,
)

pytestmark = pytest.mark.django_db
MIDI = (2026, 11, 30, 12, 0)
AUJOURDHUI = datetime.date(2026, 11, 30)
VENDREDI = datetime.date(2026, 11, 27)
# A number as the pages write it in fr-FR: 22 750,50 (a no-break or thin space between thousands).
NOMBRE = r"-?\d{1,3}(?:[\u00a0\u202f]\d{3})*(?:,\d+)?|-?\d+(?:,\d+)?"


def fr(texte: str) -> Decimal:
    """'22 750,50 €' -> Decimal('22750.50')."""
    return Decimal(re.sub(r"[\s\u00a0\u202f€%]", "", texte).replace(",", "."))


def nombres(texte: str) -> list[Decimal]:
    return [fr(n) for n in re.findall(NOMBRE, texte)]


def apres(texte: str, debut: str, fin: str | None = None) -> str:
    """The part of `texte` after `debut` (up to `fin`, if given)."""
    reste = texte[texte.index(debut) + len(debut):]
    return reste[:reste.index(fin)] if fin else reste


def sans_balises(html: str) -> str:
    # Only ASCII blanks are squeezed: the no-break spaces inside the numbers stay.
    return re.sub(r"[ \t\r\n]+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def csv_lignes(reponse) -> list[list[str]]:
    contenu = b"".join(reponse.streaming_content).decode("utf-8-sig")
    return [ligne.split(";") for ligne in contenu.splitlines()]


def dette(locataire, retard: int, montant: str) -> None:
    ImpayeFactory(locataire=locataire, retard=retard, montant_du=Decimal(montant))


@pytest.fixture
def parc(horloge, settings):  # noqa: F811  (horloge: the fixture imported above)
    settings.AKIG_OPS_TOKEN = JETON
    settings.AKIG_METRIQUES_RESEAUX = []
    cache.clear()
    regles_et_roles()
    horloge(paris(*MIDI))
    Regle.objects.filter(code="impayes-critiques").update(seuil=6)
    Regle.objects.filter(code="impayes-critiques-site").update(seuil=3)

    s01 = SiteFactory(code="S01", nom="Les Vergers", sensible=True)
    s02 = SiteFactory(code="S02", nom="Marcadet")
    s03 = SiteFactory(code="S03", nom="Clos Fleuri")
    l1, l2, l3, l4 = (LocataireFactory(site=s01, code=f"L{i}", nom=f"Locataire L{i}") for i in range(1, 5))
    m1, m2 = (LocataireFactory(site=s02, code=f"M{i}", nom=f"Locataire M{i}") for i in range(1, 3))
    n1 = LocataireFactory(site=s03, code="N1", nom="Locataire N1")
    for locataire, retard, montant in [
        (l1, 90, "1000.00"), (l1, 70, "1500.00"), (l1, 20, "500.00"), (l2, 61, "250.50"), (l3, 60, "400.00"),
        (l4, 200, "9000.00"), (l4, 10, "1000.01"), (m1, 100, "700.00"), (m1, 61, "300.00"),
        (m2, 400, "10000.00"), (n1, 30, "800.00"),
    ]:
        dette(locataire, retard, montant)

    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    equipe = EquipeFactory(code="NORD", nom="Équipe Nord", chef=chef)
    a1 = agent_au_travail(jour=AUJOURDHUI, actions={"visite": 4}, code="A1", nom="Alice", equipe=equipe)
    a2 = agent_au_travail(jour=AUJOURDHUI, code="A2", nom="Bruno", equipe=equipe)
    agent_au_travail(jour=AUJOURDHUI, actions={"promesse": 8}, code="A3", nom="Chloé", equipe=equipe)
    dix_heures = paris(2026, 11, 27, 10, 0)
    for agent in (a1, a2):
        MissionFactory(agent=agent, site=s01, date_prevue=VENDREDI)
    ActionFactory.create_batch(2, agent=a1, type_action="visite", date_action=dix_heures)
    ActionFactory(agent=a1, type_action="refus", date_action=dix_heures)
    ActionFactory(agent=a2, type_action="paiement", montant_recouvre=Decimal("150.00"), date_action=dix_heures)

    direction = UserFactory(username="dir@akig.local", groups=["Direction"])  # told of the impayés alerts
    # What beat does: the daily rows, the snapshots, the sites' history, the evaluation.
    performance_compute(du=VENDREDI, au=AUJOURDHUI)
    scores_instantanes_enregistrer()
    instantanes_sites_ecrire(du=AUJOURDHUI, au=AUJOURDHUI)
    escalades_evaluer()
    return {"S01": s01, "S02": s02, "S03": s03, "A1": a1, "A2": a2,
            "direction": direction, "chef": chef}


# Hand-computed: (count, amount) past 60 days by site and overall; every debt by site and overall.
CRITIQUES = {"S01": (4, Decimal("11750.50")), "S02": (3, Decimal("11000.00"))}
CRITIQUES_TOTAL = (7, Decimal("22750.50"))
TOUS = {"S01": (7, Decimal("13650.51")), "S02": (3, Decimal("11000.00")), "S03": (1, Decimal("800.00"))}
TOUS_TOTAL = (11, Decimal("25450.51"))
CONTENTIEUX = (1, Decimal("10000.01"))


def test_impayes_figures_are_the_same_everywhere(client, parc):
    client.force_login(parc["direction"])

    # The dashboard's cards.
    page = client.get(reverse("dashboard:accueil")).content.decode()
    carte_totale, carte_critiques, carte_sites, carte_juridique, carte_agents = (
        sans_balises(c[c.index(">") + 1:c.index("</a>")]) for c in page.split('<a class="carte chiffre')[1:6])
    assert nombres(carte_totale) == [TOUS_TOTAL[1], TOUS_TOTAL[0]]
    # The money at stake first, then the instalments and the tenants, then the threshold.
    assert nombres(carte_critiques) == [60, CRITIQUES_TOTAL[1], CRITIQUES_TOTAL[0], 5, 6]
    assert "Reste dû à plus de 60 jours" in carte_critiques and "7 échéances impayées · 5 locataires" in carte_critiques
    assert "seuil d'alerte (plus de 6 échéances) dépassé" in carte_critiques
    assert nombres(carte_sites) == [2, 60]
    assert nombres(carte_juridique) == [10000, CONTENTIEUX[0], CONTENTIEUX[1]]
    assert nombres(carte_agents) == [5, 1, 10]

    # The ageing chart: the worst sites, bottom part past the site rule's delay, top the rest.
    graphique = json.loads(apres(page, '<script id="donnees-vieillissement" type="application/json">', "</script>"))
    assert graphique["sites"] == ["S01", "S02"] and graphique["retard_min"] == 60
    for i, code in enumerate(graphique["sites"]):
        assert (graphique["au_dela"]["nb"][i], Decimal(graphique["au_dela"]["montant"][i])) == CRITIQUES[code]
        # Bottom + top = every debt of the site = the sum of its ageing buckets.
        nb = graphique["au_dela"]["nb"][i] + graphique["en_deca"]["nb"][i]
        montant = Decimal(graphique["au_dela"]["montant"][i]) + Decimal(graphique["en_deca"]["montant"][i])
        assert (nb, montant) == TOUS[code]
        assert (sum(t["nb"][i] for t in graphique["tranches"]),
                sum(Decimal(t["montant"][i]) for t in graphique["tranches"])) == TOUS[code]
    seuils = json.loads(apres(page, '<script id="donnees-seuils" type="application/json">', "</script>"))
    assert seuils == {"site": 3, "global": 6, "retard": 60, "retard_site": 60}
    # The 12-month trend ends today with the same figures (from the sites' daily history).
    tendance = json.loads(apres(page, '<script id="donnees-tendance" type="application/json">', "</script>"))
    assert (tendance[-1]["jour"], tendance[-1]["nb"], Decimal(tendance[-1]["montant"])) == (
        "2026-11-30", *CRITIQUES_TOTAL)

    # The analysis page (the rule's delay by default) and its CSV: rows add up to the « total » line.
    analyse = client.get(reverse("dashboard:impayes")).content.decode()
    resume = sans_balises(apres(analyse, '<div class="resume-table">', "</div>"))
    assert nombres(resume) == [2, 60, CRITIQUES_TOTAL[0], CRITIQUES_TOTAL[1]]
    lignes = {}
    for rangee in apres(analyse, "<tbody>", "</tbody>").split("<tr>")[1:]:
        cellules = [sans_balises(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", rangee, re.S)]
        lignes[cellules[0].split(" ")[0]] = (int(fr(cellules[2])), fr(cellules[3]), fr(cellules[5]))
        # Its ageing buckets (« 2 1 500,01 € »: count, amount) hold every debt of the site.
        tranches = [nombres(c) for c in cellules[8:13] if c != "—"]
        assert (sum(t[0] for t in tranches), sum(t[1] for t in tranches)) == TOUS[cellules[0].split(" ")[0]]
    assert {code: ligne[:2] for code, ligne in lignes.items()} == CRITIQUES
    assert {code: ligne[2] for code, ligne in lignes.items()} == {"S01": Decimal("51.6"), "S02": Decimal("48.4")}
    csv = csv_lignes(client.get(reverse("dashboard:impayes_csv")))
    assert csv[0][3:5] == ["Impayés > 60 j", "Reste dû > 60 j (€)"]
    assert {l[0]: (int(l[3]), fr(l[4])) for l in csv[1:]} == CRITIQUES

    # A site's page and its CSV: its tenants' amounts add up to every debt of the site.
    site = client.get(reverse("dashboard:site", args=[parc["S01"].pk])).content.decode()
    montants = [fr(m) for m in re.findall(r'<td class="n">(' + NOMBRE + r')\u00a0€</td>', site)]
    assert montants == [Decimal("10000.01"), Decimal("3000.00"), Decimal("400.00"), Decimal("250.50")]
    assert sum(montants) == TOUS["S01"][1]
    csv_site = csv_lignes(client.get(reverse("dashboard:site_csv", args=[parc["S01"].pk])))
    assert (len(csv_site) - 1, sum(fr(l[5]) for l in csv_site[1:])) == (4, TOUS["S01"][1])
    assert sum(int(l[6]) for l in csv_site[1:]) == TOUS["S01"][0]

    # The legal list: its figures, its rows, its CSV.
    juridique = client.get(reverse("dashboard:contentieux")).content.decode()
    assert nombres(sans_balises(apres(juridique, 'id="chiffres-contentieux">', "</p>"))) == list(CONTENTIEUX)
    # Tenants by their reference as a word (a CSRF token may hold « M2 » among its letters).
    assert re.search(r"\bL4\b", juridique) and not re.search(r"\bM2\b", juridique)
    csv_juridique = csv_lignes(client.get(reverse("dashboard:contentieux_csv")))
    assert [(l[0], fr(l[5])) for l in csv_juridique[1:]] == [("L4", CONTENTIEUX[1])]

    # /api/dashboard/resume and /metrics.
    api = client.get("/api/dashboard/resume").json()
    assert (api["nb_critiques"], Decimal(api["montant_critiques"])) == CRITIQUES_TOTAL
    assert (api["nb_impayes"], Decimal(api["total_restant_du"])) == TOUS_TOTAL
    assert (api["nb_locataires_contentieux"], Decimal(api["montant_contentieux"])) == CONTENTIEUX
    assert (api["nb_locataires_critiques"], api["nb_sites_critiques"], api["nb_agents_sous_5"]) == (5, 2, 1)
    client.logout()
    metriques_metier_task.apply()  # beat computes the business gauges; the scrape reads them
    series = scraper(client)
    assert (series[("akig_impayes_critiques", ())], series[("akig_impayes_critiques_montant_euros", ())]) == (
        7, pytest.approx(22750.50))
    assert series[("akig_agents_score_sous_5", ())] == 1

    # The alert emails (one per recipient or one per escalation): the overall alert's figures and
    # S01's, each with its own urgent link; S02 (at its threshold) is in none.
    emails = "\n".join(m.corps_texte for m in Message.objects.all())
    sections = re.findall(r"(\d+) impayés dépassent 60 jours pour .*\nMontant total: (" + NOMBRE + ")", emails)
    assert sorted((int(nb), fr(montant)) for nb, montant in sections) == [CRITIQUES["S01"], CRITIQUES_TOTAL]
    assert f"{settings.AKIG_BASE_URL}/dashboard/impayes?filter=retard:60+" in emails
    assert f"{settings.AKIG_BASE_URL}/dashboard/sites/{parc['S01'].pk}/" in emails
    assert f"/dashboard/sites/{parc['S02'].pk}/" not in emails


def barres_du_graphique(texte: str) -> list[int]:
    """The counts written on the PDF's ageing bars (« 3 impayés »), left to right."""
    graphique = apres(texte, "Ancienneté de tous les impayés des sites concernés", "Impayés critiques par site")
    return [int(n) for n in re.findall(r"(\d+) impayés?", graphique)]


def test_both_pdfs_speak_of_their_scope_and_add_up(parc, tmp_path):
    globale = Escalade.objects.get(regle__code="impayes-critiques")
    du_site = Escalade.objects.get(regle__code="impayes-critiques-site")
    assert du_site.site_id == parc["S01"].pk  # S02 is at the threshold (3), not over it

    texte = texte_pdf(pdf_rendre(type_rapport="impayes", escalade=globale)[0], tmp_path)
    assert "7 impayés de plus de 60 jours sur 2 sites." in texte
    assert "Seuil d'alerte : plus de 6." in texte
    # Cards: the money first, then the instalments, the sites, the legal list.
    # (labels wrap in their boxes: « … 60 jours » and « (mensualités) » come on the next line)
    assert ("22 750,50 € 7 2 1 reste dû à plus de 60 échéances impayées sites concernés "
            "locataire > 10 000 € jours (mensualités)") in texte
    # The table: each site, then « Total » = their sum.
    assert "S01 — Les Vergers sensible 4 11 750,50 € 51,6 % 200 j" in texte
    assert "S02 — Marcadet 3 11 000,00 € 48,4 % 400 j" in texte
    assert "Total 7 22 750,50 € 100,0 %" in texte
    # Every debt of the report's sites (the ageing chart's bars), and the global line, labelled so.
    assert "Tous les impayés de ces sites (toutes anciennetés) : 10 impayés, 24 650,51 € restant dû." in texte
    assert "Ensemble du parc, tous sites (global) : 11 impayés, 25 450,51 € restant dû." in texte
    # (pdftotext reads the bars' labels top to bottom: compared as a bag)
    assert sorted(barres_du_graphique(texte)) == [1, 1, 2, 2, 4]  # 0–30, 31–60, 61–90, 91–180, > 180 j
    assert "1 locataire, 10 000,01 € dus au total." in texte and "L4 — Locataire L4" in texte

    texte = texte_pdf(pdf_rendre(type_rapport="impayes", escalade=du_site)[0], tmp_path)
    assert "Impayés critiques — S01 Les Vergers" in texte
    assert "4 impayés de plus de 60 jours sur 1 site." in texte and "Seuil d'alerte : plus de 3." in texte
    # Its only row is its Total, with its share of every site's amount past 60 days.
    assert "S01 — Les Vergers sensible 4 11 750,50 € 51,6 % 200 j Total 4 11 750,50 € 51,6 %" in texte
    assert "S02" not in texte
    assert "Tous les impayés de ces sites (toutes anciennetés) : 7 impayés, 13 650,51 € restant dû." in texte
    assert "Ensemble du parc" not in texte and "25 450,51" not in texte and "22 750,50" not in texte
    assert sorted(barres_du_graphique(texte)) == [0, 1, 1, 2, 3]  # 7 in all
    assert "1 locataire, 10 000,01 € dus au total." in texte


def test_agent_figures_are_the_same_everywhere(client, parc):
    client.force_login(parc["chef"])

    # The score of the moment: /agents/, the agent's page today, the snapshots in /metrics.
    liste = client.get(reverse("agents:liste"))
    assert {r["nom"]: (r["score"], r["alerte"]) for r in liste.context["rangees"]()} == {
        "Alice": ("5,00", False), "Bruno": ("3,00", True), "Chloé": ("9,00", False)}
    aujourdhui = client.get(reverse("agents:detail", args=[parc["A1"].pk]), {"jour": "2026-11-30"}).content.decode()
    assert apres(aujourdhui, 'id="score-moment">', "<") == "5,00"
    # The score of a closed day: the page on that day, its history row, both 3,90.
    vendredi = client.get(reverse("agents:detail", args=[parc["A1"].pk]), {"jour": "2026-11-27"}).content.decode()
    assert apres(vendredi, 'id="score-moment">', "<") == "3,90"
    assert "<td>27/11/2026</td><td class=\"n alerte\">3,90</td>" in vendredi
    assert "<td>30/11/2026</td><td class=\"n \">5,00</td>" in vendredi

    client.force_login(parc["direction"])
    page = client.get(reverse("dashboard:accueil")).content.decode()
    # Agents under 5 now (Bruno), as /agents/ flags them.
    assert sans_balises(apres(page, "Agents sous 5 en ce moment", "</a>")).startswith("1 ")
    # Recovered per week (Monday): 150,00 on the 23rd (Bruno's payment), 0,00 this week.
    recouvre = json.loads(apres(page, '<script id="donnees-recouvre" type="application/json">', "</script>"))
    assert [(r["semaine"], Decimal(r["montant"])) for r in recouvre] == [
        ("2026-11-23", Decimal("150.00")), ("2026-11-30", Decimal("0.00"))]
    client.logout()
    metriques_metier_task.apply()  # beat computes the business gauges; the scrape reads them
    series = scraper(client)
    assert {etiquettes[0][1]: valeur for (nom, etiquettes), valeur in series.items()
            if nom == "akig_agent_score_instantane"} == {"A1": 5.0, "A2": 3.0, "A3": 9.0}


def test_agent_alert_email_and_pdf_say_the_score_of_every_other_place(client, parc, horloge, tmp_path):  # noqa: F811
    # Two more agents of the team, around the threshold (the mission is over: their score holds):
    #   A4 Damien, 2 promises and a refusal (3 visits): 4 × 3/8 + 6 × 4/7 = 1,50 + 3,43 = 4,93 (just under 5)
    #   A5 Emma, 2 visits, a promise, 2 refusals (5 visits): 4 × 5/8 + 6 × 3/7 = 2,50 + 2,57 = 5,07 (just over)
    # with A1 at exactly 5,00 (not under), A2 at 3,00 (under), A3 at 9,00.
    equipe = parc["A1"].equipe
    a4 = agent_au_travail(jour=AUJOURDHUI, actions={"promesse": 2, "refus": 1}, code="A4", nom="Damien",
                          equipe=equipe)
    agent_au_travail(jour=AUJOURDHUI, actions={"visite": 2, "promesse": 1, "refus": 2}, code="A5", nom="Emma",
                     equipe=equipe)
    scores_instantanes_enregistrer()  # the 12:00 snapshot, with them
    # A director shortens the score rule to 5 minutes; at 12:05 beat's snapshot and evaluation:
    # A2 and A4, under 5 since 12:00, fire together → one email to their team lead, one PDF.
    Regle.objects.filter(code="score-agent-bas").update(duree_min=5)
    horloge(paris(2026, 11, 30, 12, 5))
    scores_instantanes_enregistrer()
    escalades_evaluer()
    assert outbox_vider() == {"envoye": 2}  # the impayés email of 12:00 and this one
    attendus = {"Alice": "5,00", "Bruno": "3,00", "Chloé": "9,00", "Damien": "4,93", "Emma": "5,07"}
    sous_5 = {"Bruno", "Damien"}

    # /agents/ and every agent's page today: the score of the moment, red under 5 only.
    client.force_login(parc["chef"])
    liste = client.get(reverse("agents:liste"))
    assert {r["nom"]: (r["score"], r["alerte"]) for r in liste.context["rangees"]()} == {
        nom: (score, nom in sous_5) for nom, score in attendus.items()}
    for agent in Agent.objects.filter(equipe=equipe):
        page = client.get(reverse("agents:detail", args=[agent.pk]), {"jour": "2026-11-30"}).content.decode()
        assert apres(page, 'id="score-moment">', "<") == attendus[agent.nom], agent.nom
    # A2's Friday on its page's history: 4,10, under 5.
    page_a2 = client.get(reverse("agents:detail", args=[parc["A2"].pk]), {"jour": "2026-11-30"}).content.decode()
    assert '<td>27/11/2026</td><td class="n alerte">4,10</td>' in page_a2

    # The dashboard's « Agents sous 5 »: Bruno and Damien (Alice at 5,00 is not under).
    client.force_login(parc["direction"])
    page = client.get(reverse("dashboard:accueil")).content.decode()
    assert sans_balises(apres(page, "Agents sous 5 en ce moment", "</a>")).startswith("2 ")

    # The email: one, to the team lead, a section per agent under 5 with its score.
    (message,) = Message.objects.filter(gabarit="agent-score-bas")
    assert message.destinataires == ["chef@akig.local"]
    assert message.sujet == "Performance agent très basse - 2 agents sous le seuil : A2, A4"
    scores_email = dict(re.findall(r"L'agent (\w+) \(.*\nScore du moment : (" + NOMBRE + ") / 10", message.corps_texte))
    assert scores_email == {nom: attendus[nom] for nom in sous_5}
    assert f"/agents/{a4.pk}/?jour=2026-11-30&debut=12:00&fin=12:05" in message.corps_texte

    # Its PDF (pdftotext): the summary's rows and each agent's card, the same scores; A2's
    # Friday in its 7-day history, as on its page.
    texte = texte_pdf(bytes(Message.objects.get(pk=message.pk).rapport.contenu), tmp_path)
    for code, nom in (("A2", "Bruno"), ("A4", "Damien")):
        assert f"{code} {nom} Équipe Nord {attendus[nom]} {attendus[nom]} 30/11/2026 12:00" in texte
        assert f"de 12:00 à 12:05. {attendus[nom]} " in texte
    assert "vendredi 27/11/2026 4,10" in texte
    for nom in ("Alice", "Chloé", "Emma"):
        assert nom not in texte and nom not in message.corps_texte
