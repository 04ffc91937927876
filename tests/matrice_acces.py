"""Who may reach what: one line per route of the URLconf, what each role gets.

`tests/test_matrice_acces.py` walks the whole URLconf and requests every route as every role;
a route missing here fails it. **A new view: add its line** (its URL name, or its route for
an unnamed one), saying for each role what it must get:

- a status code (200, 400, 401, 403, 404, 405),
- or `"→/path/"`: a redirect there (query string ignored); `CONNEXION` is the login page.

The roles, against the test's fixture (team Nord's agent AG1, its escalation, site S01):
`anonyme` (nobody), `agent` (a field phone: its bearer token, no session), `sans_role` (a login
without a group), `chef` (leads Nord), `autre_chef` (leads Sud: Nord's rows are 404 to them),
`direction` and `pdg` (staff, read the business tables in the admin), `admin` (superuser).
A path parameter is filled from the fixture by its name (`site_id`, `agent_id`…);
`parametres` points one at another fixture value (`{"escalade_id": "escalade_site_id"}`).
`{…}` in a redirect is filled from the same values (`{objet}`: the admin row's pk).
"""
from dataclasses import dataclass, field

ROLES = ("anonyme", "agent", "sans_role", "chef", "autre_chef", "direction", "pdg", "admin")

CONNEXION = "→/connexion/"
CONNEXION_ADMIN = "→/admin/login/"


@dataclass(frozen=True)
class Ligne:
    roles: dict
    methode: str = "GET"
    parametres: dict = field(default_factory=dict)
    # POST: None sends an empty form; a dict is sent as JSON.
    corps: dict | None = None


def attendu_lisible(valeur) -> str:
    return f"une redirection vers {valeur[1:]}" if isinstance(valeur, str) else f"le statut {valeur}"


def _roles(*, anonyme, agent=None, sans_role, chef, autre_chef=None, direction, pdg=None, admin=None) -> dict:
    """Every role's answer; by default the phone gets what nobody gets, the other lead what the
    lead gets, the PDG and the superuser what a director gets."""
    return {
        "anonyme": anonyme, "agent": anonyme if agent is None else agent, "sans_role": sans_role,
        "chef": chef, "autre_chef": chef if autre_chef is None else autre_chef, "direction": direction,
        "pdg": direction if pdg is None else pdg, "admin": direction if admin is None else admin,
    }


TOUS = _roles(anonyme=200, sans_role=200, chef=200, direction=200)
# A login, then a role (Direction or team lead): the page shows what the role may see.
ROLE = _roles(anonyme=CONNEXION, sans_role=403, chef=200, direction=200)
# The same, about team Nord's row: the lead of Sud gets a 404, as if it did not exist.
EQUIPE_NORD = _roles(anonyme=CONNEXION, sans_role=403, chef=200, autre_chef=404, direction=200)
DIRECTION = _roles(anonyme=CONNEXION, sans_role=403, chef=403, direction=200)
# A POST of an empty form on team Nord's escalation: the access checks pass, the form is refused.
FORMULAIRE_NORD = _roles(anonyme=CONNEXION, sans_role=403, chef=400, autre_chef=404, direction=400)
# The directors' actions on a site escalation: team leads do not see it at all.
ESCALADE_SITE_DIRECTION = _roles(anonyme=CONNEXION, sans_role=403, chef=404, direction=200)
# The field API: a phone's token; a browser session is not a token (401 in JSON).
API_TERRAIN = _roles(anonyme=401, agent=400, sans_role=401, chef=401, direction=401)

ACCES = {
    "accueil": Ligne(_roles(anonyme=CONNEXION, sans_role=403, chef="→/agents/", direction="→/dashboard/")),
    "login": Ligne(TOUS),
    # The audit log: directors only.
    "journal": Ligne(DIRECTION),
    "logout": Ligne(_roles(anonyme=CONNEXION, sans_role=CONNEXION, chef=CONNEXION, direction=CONNEXION),
                    methode="POST"),
    # Ops: open health check; /metrics for the ops token or Prometheus' network only.
    "api-health": Ligne(TOUS),
    "metrics": Ligne(_roles(anonyme=403, sans_role=403, chef=403, direction=403)),
    "api-dashboard-resume": Ligne(_roles(anonyme=401, sans_role=403, chef=403, direction=200)),
    # Directors' dashboard.
    "dashboard:accueil": Ligne(DIRECTION),
    "dashboard:impayes": Ligne(DIRECTION),
    "dashboard:impayes_csv": Ligne(DIRECTION),
    "dashboard:sites_choix": Ligne(DIRECTION),
    "dashboard:site": Ligne(DIRECTION),
    "dashboard:site_csv": Ligne(DIRECTION),
    "dashboard:locataire": Ligne(DIRECTION),
    "dashboard:lettre": Ligne(DIRECTION),
    "dashboard:contentieux": Ligne(DIRECTION),
    "dashboard:contentieux_csv": Ligne(DIRECTION),
    # Roll and cure rates: a team lead sees their own teams' sites (the figures, not the route, differ).
    "dashboard:roulement": Ligne(ROLE),
    "dashboard:roulement_csv": Ligne(ROLE),
    # Agents' pages: a team lead sees their own teams' agents only.
    "agents:liste": Ligne(ROLE),
    "agents:detail": Ligne(EQUIPE_NORD),
    "agents:trajet_csv": Ligne(EQUIPE_NORD),
    "agents:telephone": Ligne(EQUIPE_NORD),
    # Promises to pay: a team lead sees their own teams' agents' promises only.
    "promesses:liste": Ligne(ROLE),
    "promesses:csv": Ligne(ROLE),
    # Field API (django-ninja). Its description and docs page: any login (no business data).
    "terrain:positions": Ligne(API_TERRAIN, methode="POST", corps={}),
    "terrain:actions": Ligne(API_TERRAIN, methode="POST", corps={}),
    # The trackers: the phone's secret is in the request itself (OsmAnd's device id, OwnTracks'
    # Basic password), never a session nor a bearer token: 401 for all without it.
    "terrain:osmand": Ligne(_roles(anonyme=401, sans_role=401, chef=401, direction=401)),
    "terrain:owntracks": Ligne(_roles(anonyme=401, sans_role=401, chef=401, direction=401), methode="POST", corps={}),
    "terrain:openapi-json": Ligne(_roles(anonyme=CONNEXION, sans_role=200, chef=200, direction=200)),
    "terrain:openapi-view": Ligne(_roles(anonyme=CONNEXION, sans_role=200, chef=200, direction=200)),
    "terrain:api-root": Ligne(_roles(anonyme=404, sans_role=404, chef=404, direction=404)),
    # Escalations.
    "escalations:liste": Ligne(ROLE),
    "escalations:detail": Ligne(EQUIPE_NORD),
    "escalations:rapport": Ligne(EQUIPE_NORD),
    "escalations:prendre_en_charge": Ligne(
        _roles(anonyme=CONNEXION, sans_role=403, chef="→/escalations/{escalade_id}/", autre_chef=404,
               direction="→/escalations/{escalade_id}/"), methode="POST"),
    "escalations:resoudre": Ligne(FORMULAIRE_NORD, methode="POST"),
    "escalations:action": Ligne(FORMULAIRE_NORD, methode="POST"),
    "escalations:reassigner": Ligne(
        _roles(anonyme=CONNEXION, sans_role=403, chef=404, direction=400), methode="POST",
        parametres={"escalade_id": "escalade_site_id"}),
    "escalations:campagne": Ligne(ESCALADE_SITE_DIRECTION, parametres={"escalade_id": "escalade_site_id"}),
    # Django's admin: staff only (directors and the superuser); others go to its login page.
    "admin:login": Ligne(_roles(anonyme=200, sans_role=200, chef=200, direction="→/admin/")),
    "admin:logout": Ligne(_roles(anonyme="→/admin/", sans_role="→/admin/", chef="→/admin/", direction=405)),
}

# Every admin page other than a model's: the staff get it, the others the admin's login page.
_ADMIN_PERSONNEL = _roles(anonyme=CONNEXION_ADMIN, sans_role=CONNEXION_ADMIN, chef=CONNEXION_ADMIN, direction=200)
for _nom, _direction in {
    "admin:index": 200, "admin:app_list": 200, "admin:jsi18n": 200, "admin:password_change": 200,
    "admin:password_change_done": 200,
    # Without its parameters: refused whoever asks.
    "admin:autocomplete": 403,
    # Sites have no public page.
    "admin:view_on_site": 404,
    "admin/(?P<url>.*)$": 404,
}.items():
    ACCES[_nom] = Ligne({**_ADMIN_PERSONNEL, "direction": _direction, "pdg": _direction, "admin": _direction})

# Each model of the admin: what directors may do there, and whether the superuser may add or
# delete (the business tables come from the imports; escalations keep their own timeline).
LECTURE, ECRITURE, AUCUN = "lecture", "écriture", "aucun"
ADMIN_MODELES = {
    "auth/group": (AUCUN, True, True),
    "auth/user": (AUCUN, True, True),
    "recovery/site": (LECTURE, True, True),
    "recovery/locataire": (LECTURE, True, True),
    "recovery/impaye": (LECTURE, True, True),
    "recovery/impayesolde": (LECTURE, True, True),
    "recovery/recouvrementaction": (LECTURE, True, True),
    # Litigation and payment plans: entered by directors.
    "recovery/pause": (ECRITURE, True, True),
    "agents/equipe": (LECTURE, True, True),
    "agents/agent": (LECTURE, True, True),
    "agents/mission": (LECTURE, True, True),
    "agents/performancehistorique": (LECTURE, False, True),
    "agents/agentgeolocalisation": (LECTURE, True, True),
    "escalations/regle": (LECTURE, False, False),
    "escalations/conge": (ECRITURE, True, True),
    "escalations/escalade": (LECTURE, False, False),
    "escalations/attenteregle": (LECTURE, False, False),
    "escalations/message": (LECTURE, False, False),
    # django-axes: the superuser unlocks a login by deleting its attempts.
    "axes/accessattempt": (AUCUN, False, True),
    "axes/accesslog": (AUCUN, False, True),
    "axes/accessfailurelog": (AUCUN, False, True),
    # The follow-up ladder: directors edit its steps; its history is written by the ladder only.
    "relances/etape": (ECRITURE, True, True),
    "relances/passage": (LECTURE, False, False),
}
for _modele, (_direction, _ajout, _suppression) in ADMIN_MODELES.items():
    _prefixe = "admin:" + _modele.replace("/", "_")
    for _vue in ("changelist", "change", "history", "add", "delete"):
        _lit = _vue in ("changelist", "change", "history")
        _pour_direction = 200 if _direction == ECRITURE or (_direction == LECTURE and _lit) else 403
        _pour_admin = 200 if _lit or (_ajout if _vue == "add" else _suppression) else 403
        ACCES[f"{_prefixe}_{_vue}"] = Ligne(
            {**_ADMIN_PERSONNEL, "direction": _pour_direction, "pdg": _pour_direction, "admin": _pour_admin})
    # admin/<app>/<model>/<pk>/ redirects the staff to the change page, whatever their rights.
    _vers_modification = f"→/admin/{_modele}/{{objet}}/change/"
    ACCES[f"admin/{_modele}/<path:object_id>/"] = Ligne(
        {**_ADMIN_PERSONNEL, "direction": _vers_modification, "pdg": _vers_modification, "admin": _vers_modification})
# A rule's « Aperçu » (GET: the saved rule replayed): directors may change the rules.
ACCES["admin:escalations_regle_apercu"] = Ligne(
    {**_ADMIN_PERSONNEL, "direction": 200, "pdg": 200, "admin": 200})
ACCES["admin:auth_user_password_change"] = Ligne({**_ADMIN_PERSONNEL, "direction": 403, "pdg": 403, "admin": 200})
