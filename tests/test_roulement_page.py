"""/dashboard/roulement and its CSV: directors see every site, a team lead their teams' sites
(in the query), anyone else is refused."""
import csv
import datetime
import html
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    LocataireFactory,
    MissionFactory,
    SiteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

J = datetime.date
URL = "/dashboard/roulement"


@pytest.fixture(autouse=True)
def gele():
    # Every month shown is before the history's migration (applied today, for real): estimated.
    with time_machine.travel(datetime.datetime(2026, 4, 5, 9, 0, tzinfo=ZoneInfo("Europe/Paris")), tick=False):
        yield


@pytest.fixture
def parc():
    """Team EQ1 works on site S1, team EQ2 on S2 (their agents' missions).
    S1: 600,00 due 05/01/2026 — at 31/01 0–30 j, at 28/02 31–60 j, at 31/03 61–90 j.
    S2: 800,00 due 20/12/2025 — at 31/01 31–60 j, at 28/02 61–90 j.
    """
    s1, s2 = SiteFactory(code="S1", nom="Les Lilas"), SiteFactory(code="S2", nom="Les Ormes")
    eq1, eq2 = EquipeFactory(code="EQ1"), EquipeFactory(code="EQ2")
    MissionFactory(agent=AgentFactory(equipe=eq1), site=s1)
    MissionFactory(agent=AgentFactory(equipe=eq2), site=s2)
    ImpayeFactory(reference="A1", locataire=LocataireFactory(site=s1), periode=J(2026, 1, 1),
                  date_echeance=J(2026, 1, 5), montant_du=Decimal("600.00"))
    ImpayeFactory(reference="B2", locataire=LocataireFactory(site=s2), periode=J(2025, 12, 1),
                  date_echeance=J(2025, 12, 20), montant_du=Decimal("800.00"))
    return {"eq1": eq1, "eq2": eq2}


def lire_csv(reponse) -> list[list[str]]:
    texte = b"".join(reponse.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(texte), delimiter=";"))


def test_anonymous_goes_to_login(client):
    for url in (URL, URL + ".csv"):
        reponse = client.get(url)
        assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")


def test_user_without_role_is_refused(client, parc):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 403
    assert client.get(URL + ".csv").status_code == 403


def test_director_sees_every_site_estimated(client, parc):
    client.force_login(UserFactory(groups=["Direction"]))
    reponse = client.get(URL, {"mois": "2026-01"})
    assert reponse.status_code == 200
    page = reponse.context["page"]
    assert page["estime"] is True
    # 0–30 j: S1's 600,00 rolled; 31–60 j: S2's 800,00 rolled.
    assert [t["montant"] for t in page["tranches"][:2]] == [Decimal("600.00"), Decimal("800.00")]
    assert page["total"]["montant"] == Decimal("1400.00")
    texte = reponse.content.decode()
    assert "1\u00a0400,00\u00a0€" in texte
    assert "estimé" in texte
    assert [e["equipe"].code for e in page["par_equipe"]] == ["EQ1", "EQ2"]
    lignes = lire_csv(client.get(URL + ".csv", {"mois": "2026-01"}))
    assert [(l[3], l[6], l[8], l[9]) for l in lignes[1:]] == [
        ("S1", "0–30 j", "600,00", "600,00"), ("S2", "31–60 j", "800,00", "800,00"),
    ]
    assert lignes[1][:3] == ["31/01/2026", "28/02/2026", "oui"]


def test_team_lead_sees_only_their_teams_sites(client, parc):
    client.force_login(parc["eq1"].chef)
    reponse = client.get(URL, {"mois": "2026-01"})
    assert reponse.status_code == 200
    page = reponse.context["page"]
    assert page["total"]["montant"] == Decimal("600.00")
    assert [e["equipe"].code for e in page["par_equipe"]] == ["EQ1"]
    assert "EQ2" not in reponse.content.decode()
    lignes = lire_csv(client.get(URL + ".csv", {"mois": "2026-01"}))
    assert [l[3] for l in lignes[1:]] == ["S1"]
    # The trend: 31–60 j at 31/01: nothing on S1; at 28/02: S1's 600,00, all rolled to 61–90 j.
    tendance = {p["mois"]: p for p in reponse.context["tendance"]}
    assert tendance["2026-01"]["taux"] is None
    assert (tendance["2026-02"]["montant"], tendance["2026-02"]["taux"]) == (Decimal("600.00"), Decimal("100.0"))


def test_team_lead_cannot_ask_for_another_team(client, parc):
    client.force_login(parc["eq1"].chef)
    reponse = client.get(URL, {"mois": "2026-01", "equipe": "EQ2"})
    assert reponse.status_code == 400
    assert ("Paramètre « equipe » : aucune de vos équipes n'a le code ou le nom « EQ2 » ; choisissez-la dans la liste."
            in html.unescape(reponse.content.decode()))
    # No figure at all: not the lead's own 600,00 € shown as if it were EQ2's.
    assert reponse.context["page"]["total"]["montant"] == Decimal("0.00")
    assert client.get(URL + ".csv", {"equipe": "EQ2"}).status_code == 400


def test_director_narrows_to_a_team(client, parc):
    client.force_login(UserFactory(groups=["Direction"]))
    page = client.get(URL, {"mois": "2026-01", "equipe": "EQ2"}).context["page"]
    assert page["total"]["montant"] == Decimal("800.00")


def test_unknown_month_is_a_400_in_french(client, parc):
    client.force_login(UserFactory(groups=["Direction"]))
    reponse = client.get(URL, {"mois": "2027-13"})
    assert reponse.status_code == 400
    assert "Paramètre « mois » : « 2027-13 » n'est pas l'un des 12 derniers mois connus (de 2025-03 à 2026-02, AAAA-MM)." in html.unescape(reponse.content.decode())


def test_page_runs_a_bounded_number_of_queries(client, parc):
    client.force_login(UserFactory(groups=["Direction"]))
    client.get(URL)  # sessions, caches warm
    with CaptureQueriesContext(connection) as requetes:
        client.get(URL, {"mois": "2025-11"})
    # Session and user, groups, teams, their sites, history start, 2 for the month, and the
    # 12 months' trend read from the cache filled above.
    assert len(requetes) <= 10
