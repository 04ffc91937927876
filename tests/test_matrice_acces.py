"""Every route of the URLconf, for every role, answers what `tests/matrice_acces.py` says.

The routes are read from the URLconf itself (`get_resolver()`, recursively), so a new view
that nobody added to the table fails `test_every_route_is_in_the_access_table`, and a view
whose protection changes fails `test_route_answers_each_role_as_the_table_says`. Path
parameters are filled from one fixture: a site and a tenant, an agent of team Nord (led by
`chef`; `autre_chef` leads team Sud), that agent's escalation with a PDF, a site escalation,
and one row of every model the admin shows.
"""
import datetime
import json
import re
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from agents.services import jeton_creer
from escalations.models import AttenteRegle, Conge, Message, Rapport, Regle
from escalations.regles import Observation
from escalations.services import escalade_declencher
from recovery.models import Pause
from relances.models import Lettre, Passage
from tests.escalations.conftest import regles_et_roles
from tests.factories import (
    ActionFactory,
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    ImpayeSoldeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    PositionFactory,
    SiteFactory,
    UserFactory,
)
from tests.matrice_acces import ACCES, ROLES, attendu_lisible


def _routes(motifs, prefixe="", espace=None):
    """Yield (key, route, pattern) for every leaf of the URLconf: key is the URL's name
    (namespaced) or, for an unnamed route, its route string."""
    for motif in motifs:
        if isinstance(motif, URLResolver):
            sous_espace = espace
            if motif.namespace:
                sous_espace = f"{espace}:{motif.namespace}" if espace else motif.namespace
            yield from _routes(motif.url_patterns, prefixe + str(motif.pattern), sous_espace)
        elif isinstance(motif, URLPattern):
            route = prefixe + str(motif.pattern)
            if motif.name:
                cle = f"{espace}:{motif.name}" if espace else motif.name
            else:
                cle = route
            yield cle, route, motif


# Downloads of personal data (tenants' CSVs, PDFs, trails): kept in no cache.
TELECHARGEMENTS = ("text/csv", "application/pdf")
ROUTES = {cle: route for cle, route, _motif in _routes(get_resolver().url_patterns)}


def test_every_route_is_in_the_access_table():
    absentes = sorted(set(ROUTES) - set(ACCES))
    assert not absentes, (
        "Routes sans ligne dans tests/matrice_acces.py (ACCES): ajoutez pour chacune ce que chaque rôle "
        f"doit obtenir ({', '.join(ROLES)}):\n" + "\n".join(f"  {cle!r}: /{ROUTES[cle]}" for cle in absentes)
    )
    orphelines = sorted(set(ACCES) - set(ROUTES))
    assert not orphelines, f"Lignes de tests/matrice_acces.py sans route (à retirer) : {orphelines}"


# --- The fixture the path parameters are filled from.

def _monde() -> dict:
    regles_et_roles()
    utilisateurs = {
        "sans_role": UserFactory(username="sans.role@akig.local"),
        "chef": UserFactory(username="chef.nord@akig.local", groups=["Chef d'équipe"]),
        "autre_chef": UserFactory(username="chef.sud@akig.local", groups=["Chef d'équipe"]),
        # Directors are staff (seed_demo): they read the business tables in the admin.
        "direction": UserFactory(username="direction@akig.local", groups=["Direction"], is_staff=True),
        "pdg": UserFactory(username="pdg@akig.local", groups=["Direction", "PDG"], is_staff=True),
        "admin": UserFactory(username="admin@akig.local", is_staff=True, is_superuser=True),
    }
    nord = EquipeFactory(code="NORD", chef=utilisateurs["chef"])
    EquipeFactory(code="SUD", chef=utilisateurs["autre_chef"])
    site = SiteFactory(code="S01")
    locataire = LocataireFactory(site=site)
    ImpayeFactory(locataire=locataire, retard=61)
    ImpayeSoldeFactory(locataire=locataire)
    agent = AgentFactory(code="AG1", equipe=nord)
    ActionFactory(agent=agent, locataire=locataire)
    MissionFactory(agent=agent, site=site)
    PerformanceFactory(agent=agent)
    PositionFactory(agent=agent)
    maintenant = timezone.now()
    escalade = escalade_declencher(
        regle=Regle.objects.get(code="score-agent-bas"), sujet=f"agent:{agent.pk}",
        observation=Observation(valeur={"score": "3.00", "seuil": "5"}, agent_id=agent.pk, equipe_id=nord.pk),
        depuis=maintenant, maintenant=maintenant,
    )
    escalade_site = escalade_declencher(
        regle=Regle.objects.get(code="impayes-critiques-site"), sujet=f"site:{site.pk}",
        observation=Observation(valeur={"nb_impayes": 1, "montant_total": "500.00", "retard_min": 60},
                                site_id=site.pk),
        depuis=maintenant, maintenant=maintenant,
    )
    rapport = Rapport.objects.create(type="escalade", escalade=escalade, nom_fichier="r.pdf",
                                     contenu=b"%PDF-1.4\n%%EOF\n", pages=1)
    Conge.objects.create(agent=agent, debut=timezone.localdate(), fin=timezone.localdate())
    AttenteRegle.objects.create(regle=escalade.regle, sujet="agent:0", depuis=maintenant, vu_le=maintenant)
    assert Message.objects.exists()
    acces = {"username": "x@akig.local", "ip_address": "10.0.0.1", "user_agent": "", "http_accept": "",
             "path_info": "/connexion/"}
    AccessAttempt.objects.create(**acces, get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**acces)
    AccessFailureLog.objects.create(**acces)
    Pause.objects.create(locataire=locataire, type_pause="contentieux", motif="Assignation",
                         debut=timezone.localdate(), fin=timezone.localdate())
    passage = Passage.objects.create(locataire=locataire, version=1, motif="retard", jour=timezone.localdate())
    lettre = Lettre.objects.create(locataire=locataire, passage=passage, reste_du=Decimal("500.00"),
                                   pdf=b"%PDF-1.4\n%%EOF\n")
    return {
        "utilisateurs": utilisateurs,
        "jeton": jeton_creer(agent_id=agent.pk),
        "valeurs": {
            "site_id": site.pk,
            "locataire_id": locataire.pk,
            "agent_id": agent.pk,
            "escalade_id": escalade.pk,
            "escalade_site_id": escalade_site.pk,
            "rapport_id": rapport.pk,
            "lettre_id": lettre.pk,
            "id": utilisateurs["sans_role"].pk,
            "app_label": "recovery",
            "url": "inexistante/",
            "content_type_id": ContentType.objects.get_for_model(site).pk,
        },
    }


def _objet_admin(route: str) -> int:
    """The pk of the first row of the model an admin route is about (admin/<app>/<model>/…)."""
    _admin, app_label, modele, *_reste = route.split("/")
    return apps.get_model(app_label, modele).objects.order_by("pk").values_list("pk", flat=True)[0]


def _valeurs(route: str, monde: dict, ligne) -> dict:
    """The fixture's values for this route: its `parametres` applied, `objet` for the admin."""
    valeurs = {**monde["valeurs"], **{p: monde["valeurs"][v] for p, v in ligne.parametres.items()}}
    if "<path:object_id>" in route:
        # admin/r/<content_type_id>/<object_id>/ ("view on site") is about the site.
        valeurs["object_id"] = valeurs["site_id"] if route.startswith("admin/r/") else _objet_admin(route)
    valeurs["objet"] = valeurs.get("object_id")
    return valeurs


def _chemin(route: str, valeurs: dict) -> str:
    """The route with its parameters filled: `<int:site_id>` → the fixture's site…"""
    # A regex route (the admin's app index and catch-all): its named groups, then its anchors.
    chemin = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda groupe: str(valeurs[groupe[1]]), route)
    chemin = re.sub(r"<(?:\w+:)?(\w+)>", lambda parametre: str(valeurs[parametre[1]]), chemin)
    return "/" + chemin.replace("^", "").replace("$", "")


def _client(role: str, monde: dict) -> Client:
    if role == "agent":  # a field phone: its bearer token, no session
        return Client(HTTP_AUTHORIZATION=f"Bearer {monde['jeton']}")
    client = Client()
    if role != "anonyme":
        client.force_login(monde["utilisateurs"][role])
    return client


def _obtenu(reponse) -> object:
    """What a role got, in the table's notation: a status, or "→/path" for a redirect."""
    if reponse.status_code == 302:
        return "→" + reponse["Location"].split("?")[0]
    return reponse.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("cle", sorted(set(ROUTES) & set(ACCES)))
def test_route_answers_each_role_as_the_table_says(cle):
    ligne = ACCES[cle]
    monde = _monde()
    valeurs = _valeurs(ROUTES[cle], monde, ligne)
    chemin = _chemin(ROUTES[cle], valeurs)
    ecarts = []
    telechargement_verifie = False
    for role in ROLES:
        client = _client(role, monde)
        # Each request in a savepoint rolled back: a role's POST changes nothing for the next one.
        with transaction.atomic():
            if ligne.methode == "POST" and ligne.corps is not None:
                reponse = client.post(chemin, data=json.dumps(ligne.corps), content_type="application/json")
            elif ligne.methode == "POST":
                reponse = client.post(chemin)
            else:
                reponse = client.get(chemin)
            transaction.set_rollback(True)
        attendu = ligne.roles[role]
        attendu = attendu.format(**valeurs) if isinstance(attendu, str) else attendu
        obtenu = _obtenu(reponse)
        if obtenu != attendu:
            ecarts.append(f"  {role}: attendu {attendu_lisible(attendu)}, obtenu {attendu_lisible(obtenu)}")
        elif reponse.get("Content-Type", "").startswith(TELECHARGEMENTS) and reponse.status_code == 200:
            telechargement_verifie = True
            if reponse.get("Cache-Control") != "private, no-store":
                ecarts.append(f"  {role}: téléchargement sans Cache-Control: private, no-store")
    if ROUTES[cle].endswith((".csv", ".pdf")) and not telechargement_verifie:
        # A download that no role received here would escape the Cache-Control check.
        ecarts.append("  aucun rôle n'a reçu le fichier (200) : son Cache-Control n'est pas vérifié")
    assert not ecarts, f"{ligne.methode} {chemin} ({cle}):\n" + "\n".join(ecarts)
