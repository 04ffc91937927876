"""The audit log: logins and refused logins, downloads of personal data, escalation actions;
the page /journal/ for directors only, filtered and paginated."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from akig_ops.models import EntreeAudit
from escalations.models import Regle
from escalations.regles import Observation
from escalations.services import escalade_declencher
from tests.escalations.conftest import regles_et_roles, sourdine
from tests.factories import AgentFactory, EquipeFactory, SiteFactory, UserFactory

pytestmark = pytest.mark.django_db


def _lignes(**filtre):
    return list(EntreeAudit.objects.filter(**filtre).order_by("id").values_list("type", "identifiant", "adresse", "objet"))


def test_logins_and_refused_logins_are_logged_with_the_address(client):
    UserFactory(username="dir@akig.local", groups=["Direction"])

    client.post(reverse("login"), {"username": "dir@akig.local", "password": "mauvais"}, REMOTE_ADDR="10.0.0.7")
    client.post(reverse("login"), {"username": "dir@akig.local", "password": "motdepasse-test"}, REMOTE_ADDR="10.0.0.7")

    assert _lignes() == [("connexion_echec", "dir@akig.local", "10.0.0.7", ""),
                         ("connexion", "dir@akig.local", "10.0.0.7", "")]
    assert EntreeAudit.objects.get(type="connexion").utilisateur.username == "dir@akig.local"


def test_a_csv_download_is_logged_a_refused_one_is_not(client):
    site = SiteFactory()
    directeur = UserFactory(username="dir@akig.local", groups=["Direction"])
    client.force_login(UserFactory(username="chef@akig.local", groups=["Chef d'équipe"]))
    assert client.get(reverse("dashboard:site_csv", args=[site.pk])).status_code == 403
    client.force_login(directeur)

    reponse = client.get(reverse("dashboard:site_csv", args=[site.pk]) + "?tri=nom")
    b"".join(reponse.streaming_content)

    (entree,) = EntreeAudit.objects.filter(type="export")  # (force_login wrote two logins)
    assert (entree.type, entree.identifiant, entree.objet) == (
        "export", "dir@akig.local", f"/dashboard/sites/{site.pk}/locataires.csv?tri=nom")
    assert entree.details["vue"] == "dashboard:site_csv"
    assert entree.details["fichier"].endswith(".csv")


def test_escalation_actions_are_logged(client):
    regles_et_roles()
    chef = UserFactory(username="chef@akig.local", groups=["Chef d'équipe"])
    agent = AgentFactory(equipe=EquipeFactory(chef=chef))
    maintenant = timezone.now()
    escalade = escalade_declencher(
        regle=Regle.objects.get(code="score-agent-bas"), sujet=f"agent:{agent.pk}",
        observation=Observation(valeur={"score": "3.00", "seuil": "5"}, agent_id=agent.pk, equipe_id=agent.equipe_id),
        depuis=maintenant, maintenant=maintenant)
    client.force_login(chef)

    client.post(reverse("escalations:prendre_en_charge", args=[escalade.pk]))
    client.post(reverse("escalations:action", args=[escalade.pk]), {"action": "agent_contacte", "commentaire": "Appelé."})
    client.post(reverse("escalations:resoudre", args=[escalade.pk]), {"note": ""})  # refused: not logged
    client.post(reverse("escalations:resoudre", args=[escalade.pk]), {"note": "Recadré.", **sourdine()})

    assert [(t, i, o) for t, i, _a, o in _lignes(type="escalade")] == [
        ("escalade", "chef@akig.local", f"escalade {escalade.pk} : prise_en_charge"),
        ("escalade", "chef@akig.local", f"escalade {escalade.pk} : action"),
        ("escalade", "chef@akig.local", f"escalade {escalade.pk} : resolution"),
    ]


@pytest.fixture
def journal():
    """52 logins of chef@ on 01/12/2026 (one a minute from 08:00), one export of dir@ the day after."""
    debut = timezone.make_aware(datetime.datetime(2026, 12, 1, 8, 0))
    for n in range(52):
        EntreeAudit.objects.create(type="connexion", identifiant="chef@akig.local")
    for n, entree in enumerate(EntreeAudit.objects.order_by("id")):
        EntreeAudit.objects.filter(pk=entree.pk).update(instant=debut + datetime.timedelta(minutes=n))
    export = EntreeAudit.objects.create(type="export", identifiant="dir@akig.local", objet="/dashboard/impayes.csv")
    EntreeAudit.objects.filter(pk=export.pk).update(instant=debut + datetime.timedelta(days=1))


@pytest.mark.parametrize("qui, attendu", [("direction", 200), ("chef", 403), ("sans_role", 403)])
def test_journal_page_is_for_directors(client, qui, attendu):
    groupes = {"direction": ["Direction"], "chef": ["Chef d'équipe"], "sans_role": []}[qui]
    client.force_login(UserFactory(groups=groupes))
    assert client.get(reverse("journal")).status_code == attendu


def test_journal_page_anonymous_goes_to_login(client):
    assert client.get(reverse("journal"))["Location"].startswith("/connexion/")


def test_journal_filters_by_type_login_and_day(client, journal):
    client.force_login(UserFactory(username="pdg@akig.local", groups=["Direction"]))

    exports = client.get(reverse("journal"), {"type": "export"}).context["page"]
    assert [e.objet for e in exports] == ["/dashboard/impayes.csv"]
    chef = client.get(reverse("journal"), {"identifiant": "CHEF@"}).context["page"]
    assert chef.paginator.count == 52 and len(chef.object_list) == 50
    page2 = client.get(reverse("journal"), {"identifiant": "chef@", "page": 2}).context["page"]
    assert [e.instant.astimezone(timezone.get_default_timezone()).strftime("%H:%M") for e in page2] == ["08:01", "08:00"]
    jour = client.get(reverse("journal"), {"jour": "2026-12-02"})
    assert [e.identifiant for e in jour.context["page"]] == ["dir@akig.local"]
    assert "02/12/2026 08:00:00" in jour.content.decode()
    mauvais = client.get(reverse("journal"), {"jour": "hier", "type": "piratage"})
    assert mauvais.status_code == 400
    assert "Jour : date attendue (AAAA-MM-JJ)." in mauvais.content.decode()
    assert "Type : choisissez un type de la liste." in mauvais.content.decode()
