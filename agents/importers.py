"""CSV importers of the field system's exports: teams, agents, missions, recovery actions, GPS positions."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from akig_ops import roles
from akig_ops.lib import csv_import as ci
from akig_ops.lib import valeurs
from akig_ops.lib.csv_import import Colonne, ErreurLigne, Importeur
from akig_ops.lib.reparation import CODE, INSTANT, JOUR, Controle
from recovery.importers import codes, resoudre
from recovery.selectors import impayes_locataires
from recovery.models import Locataire, RecouvrementAction, Site, TypeAction, statut_cle, statut_nettoye

from .metriques import POSITIONS_ENREGISTREES
from .models import AgentGeolocalisation, Agent, Canal, Equipe, Mission, PerformanceHistorique, StatutMission


def chef_email(raw: str) -> str:
    """A team lead's e-mail, which becomes their login (150 characters at most)."""
    email = ci.email(raw)
    if len(email) > 150:
        raise ci.ValeurInvalide(f"adresse e-mail trop longue pour un identifiant ({len(email)} caractères, 150 au plus)")
    return email


class EquipesImporteur(Importeur):
    """Teams; a team lead's login (chef_email) is created when new, without a password."""

    fichier = "equipes.csv"
    modele = Equipe
    cle = ("code",)
    libelle_cle = "code"
    colonnes = [
        Colonne("code", ci.texte(max_length=32)),
        Colonne("nom", ci.texte(max_length=200)),
        Colonne("chef_email", chef_email),
    ]

    def preparer(self, chemin):
        User = get_user_model()
        self.users = {u.lower(): pk for u, pk in User.objects.values_list("username", "id")}
        self.nouveaux: list[int] = []
        # Created before the rows are staged (convertir may not query), inside
        # the file's transaction: a rejected file takes its new logins with it.
        for raw in ci.valeurs_colonne(chemin, "chef_email"):
            try:
                email = chef_email(raw)
            except ci.ValeurInvalide:
                continue  # reported on its line by the row check
            if email not in self.users:
                user = User.objects.create_user(username=email, email=email)
                self.users[email] = user.pk
                self.nouveaux.append(user.pk)

    def convertir(self, valeurs):
        valeurs["chef_id"] = self.users[valeurs.pop("chef_email")]
        return valeurs

    def apres(self):
        User = get_user_model()
        # With --skip-invalid, a login made for a rejected row leads no team: it goes.
        User.objects.filter(pk__in=self.nouveaux, equipes_dirigees__isnull=True).delete()
        # Whoever leads a team has the team lead's role, new login or not.
        group = Group.objects.get(name=roles.CHEF_EQUIPE)
        group.user_set.add(*User.objects.filter(equipes_dirigees__isnull=False).distinct())


class AgentsImporteur(Importeur):
    fichier = "agents.csv"
    depend_de = ("equipes.csv",)
    modele = Agent
    cle = ("code",)
    libelle_cle = "code"
    colonnes = [
        Colonne("code", ci.texte(max_length=32)),
        Colonne("nom", ci.texte(max_length=200)),
        Colonne("email", ci.email_optionnel),
        Colonne("telephone", ci.texte(max_length=32, obligatoire=False)),
        Colonne("equipe_code", ci.texte(max_length=32)),
        Colonne("actif", ci.booleen),
    ]

    def preparer(self, chemin):
        self.equipes = codes(Equipe)

    def convertir(self, valeurs):
        valeurs["equipe_id"] = resoudre(self.equipes, valeurs, "equipe_code", "code équipe")
        return valeurs


class MissionsImporteur(Importeur):
    fichier = "missions.csv"
    depend_de = ("agents.csv", "sites.csv")
    champ_jour = "date_prevue"
    modele = Mission
    cle = ("reference",)
    libelle_cle = "reference"
    colonnes = [
        Colonne("reference", ci.texte(max_length=40)),
        Colonne("agent_code", ci.texte(max_length=32)),
        Colonne("site_code", ci.texte(max_length=32)),
        Colonne("date_prevue", ci.date_iso),
        Colonne("heure_debut", ci.heure),
        Colonne("heure_fin", ci.heure),
        Colonne("status", ci.choix(StatutMission.values)),
    ]

    def preparer(self, chemin):
        self.agents = codes(Agent)
        self.sites = codes(Site)

    def convertir(self, valeurs):
        valeurs["agent_id"] = resoudre(self.agents, valeurs, "agent_code", "code agent")
        valeurs["site_id"] = resoudre(self.sites, valeurs, "site_code", "code site")
        if valeurs["heure_fin"] <= valeurs["heure_debut"]:
            raise ErreurLigne("heure_fin", "l'heure de fin doit suivre l'heure de début")
        self.toucher_jour(valeurs["date_prevue"])
        return valeurs


def incoherences_action(valeurs: dict, *, locataire_code: str, impayes: dict[str, int]) -> list[tuple[str, str]]:
    """Return [(column, French reason)] of what does not hold together in a parsed action
    (actions.csv and the field API alike): an unknown debt, a debt of another tenant (when the
    tenant is known: valeurs' locataire_id), latitude without longitude or the reverse. `impayes` maps
    debt references to their tenant's id."""
    erreurs = []
    reference = valeurs["impaye_reference"]
    if reference:
        proprietaire = impayes.get(reference)
        if proprietaire is None:
            erreurs.append(("impaye_reference", f"impayé inconnu « {reference} »"))
        elif valeurs["locataire_id"] is not None and proprietaire != valeurs["locataire_id"]:
            erreurs.append((
                "impaye_reference", f"l'impayé « {reference} » n'est pas du locataire « {locataire_code} »"
            ))
    if (valeurs["latitude"] is None) != (valeurs["longitude"] is None):
        erreurs.append(("longitude", "latitude et longitude vont ensemble : les deux ou aucune"))
    return erreurs + incoherences_promesse(valeurs)


def incoherences_promesse(valeurs: dict) -> list[tuple[str, str]]:
    """Return [(column, French reason)] of a promise's amount and date that do not hold: given on
    an action that is not a promise, an amount of zero, a date promised before the action."""
    erreurs = []
    montant, jour = valeurs.get("promesse_montant"), valeurs.get("promesse_date")
    for colonne, valeur in (("promesse_montant", montant), ("promesse_date", jour)):
        if valeur is not None and valeurs["type_action"] != TypeAction.PROMESSE:
            erreurs.append((colonne, f"réservé aux actions de type promesse (ici « {valeurs['type_action']} »)"))
    if montant is not None and montant <= 0:
        erreurs.append(("promesse_montant", "montant promis nul : il doit être positif"))
    if jour is not None and jour < timezone.localdate(valeurs["date_action"]):
        erreurs.append(("promesse_date", f"date promise {jour:%d/%m/%Y} antérieure à l'action"))
    return erreurs


class ActionsImporteur(Importeur):
    fichier = "actions.csv"
    depend_de = ("agents.csv", "locataires.csv", "impayes.csv")
    champ_jour = "date_action"
    modele = RecouvrementAction
    cle = ("reference",)
    libelle_cle = "reference"
    colonnes = [
        Colonne("reference", ci.texte(max_length=40)),
        Colonne("agent_code", ci.texte(max_length=32)),
        Colonne("locataire_code", ci.texte(max_length=32)),
        Colonne("impaye_reference", ci.texte(max_length=40, obligatoire=False)),
        Colonne("type_action", ci.choix(TypeAction.values)),
        # The field system's own word, whatever it is (docs/score.md): never a reason to refuse.
        Colonne("statut", lambda raw: statut_nettoye(valeurs.texte(raw, une_ligne=False))),
        Colonne("resultat", ci.texte(max_length=300, obligatoire=False, une_ligne=False)),
        Colonne("montant_recouvre", ci.montant_optionnel),
        Colonne("date_action", ci.instant_passe),
        Colonne("latitude", ci.latitude_optionnelle),
        Colonne("longitude", ci.longitude_optionnelle),
        # A promise's amount (decimal point or comma) and date, optional columns.
        Colonne("promesse_montant", ci.montant_ou_vide, facultative=True),
        Colonne("promesse_date", ci.date_iso_ou_vide, facultative=True),
    ]

    def preparer(self, chemin):
        self.agents = codes(Agent)
        self.locataires = codes(Locataire)
        self.impayes = impayes_locataires(
            ci.valeurs_analysees(chemin, "impaye_reference", self.colonne("impaye_reference").parse))

    def convertir(self, valeurs):
        locataire = valeurs["locataire_code"]  # popped by resoudre, named by the error
        valeurs["agent_id"] = resoudre(self.agents, valeurs, "agent_code", "code agent")
        valeurs["locataire_id"] = resoudre(self.locataires, valeurs, "locataire_code", "code locataire")
        incoherences = incoherences_action(valeurs, locataire_code=locataire, impayes=self.impayes)
        if incoherences:
            raise ErreurLigne(*incoherences[0])
        valeurs["statut_cle"] = statut_cle(valeurs["statut"])
        self.toucher_jour(valeurs["date_action"])
        return valeurs


class PositionsImporteur(Importeur):
    """GPS positions; the natural key is (agent, timestamp)."""

    fichier = "positions.csv"
    depend_de = ("agents.csv",)
    modele = AgentGeolocalisation
    cle = ("agent_id", "timestamp")
    libelle_cle = "timestamp"
    borne = "timestamp"  # partitioned by month of it (agents/0010): the merge reads the file's days only
    colonnes = [
        Colonne("agent_code", ci.texte(max_length=32)),
        Colonne("timestamp", ci.instant_passe),
        Colonne("latitude", ci.latitude),
        Colonne("longitude", ci.longitude),
        Colonne("precision_m", ci.precision_m),
    ]

    def preparer(self, chemin):
        self.agents = codes(Agent)

    def convertir(self, valeurs):
        valeurs["agent_id"] = resoudre(self.agents, valeurs, "agent_code", "code agent")
        return valeurs

    def champs(self):
        # The file's columns only: a position a phone sent keeps its channel and battery,
        # and a new row gets the table's default channel, « import ».
        return ["agent_id", "timestamp", "latitude", "longitude", "precision_m"]

    def applique(self, rapport):
        POSITIONS_ENREGISTREES.ajouter(Canal.IMPORT, rapport.crees)


# The files of this app, for the cross-app import (each after the files it depends on).
IMPORTEURS = [EquipesImporteur, AgentsImporteur, MissionsImporteur, ActionsImporteur, PositionsImporteur]

# The columns `manage.py reparer_donnees` checks against akig_ops/lib/valeurs.py's bounds; a
# day's performance is recomputed from the actions and missions: deleted, not quarantined.
REPARATIONS = [
    Controle(Equipe, "code", CODE),
    Controle(Agent, "code", CODE),
    Controle(Mission, "reference", CODE),
    Controle(Mission, "date_prevue", JOUR),
    Controle(AgentGeolocalisation, "timestamp", INSTANT),
    Controle(PerformanceHistorique, "date_stat", JOUR, derive=True),
]
