"""Teams, field agents, their missions, GPS positions and daily performance.

Table and column names are the runbook's (`missions`, `performance_historique`,
`agent_geolocalisation`): ops run its SQL verbatim against them.
"""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from akig_ops.lib.geo import LATITUDE_MAX, LATITUDE_MIN, LONGITUDE_MAX, LONGITUDE_MIN
from recovery.models import MONEY_SOMME

LATITUDE_RANGE = Q(latitude__gte=LATITUDE_MIN, latitude__lte=LATITUDE_MAX)
LONGITUDE_RANGE = Q(longitude__gte=LONGITUDE_MIN, longitude__lte=LONGITUDE_MAX)


class Equipe(models.Model):
    """A team of field agents, led by one chef d'équipe (a login)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    nom = models.CharField(_("nom"), max_length=200)
    chef = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="equipes_dirigees",
        verbose_name=_("chef d'équipe"),
    )

    class Meta:
        db_table = "equipes"
        ordering = ["code"]
        verbose_name = _("équipe")
        verbose_name_plural = _("équipes")

    def __str__(self):
        return f"{self.code} – {self.nom}"


class Agent(models.Model):
    """A field recovery agent."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    nom = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    telephone = models.CharField(_("téléphone"), max_length=32, blank=True)
    equipe = models.ForeignKey(Equipe, on_delete=models.PROTECT, related_name="agents")
    actif = models.BooleanField(_("actif"), default=True)

    class Meta:
        db_table = "agents"
        ordering = ["code"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self):
        return f"{self.code} – {self.nom}"


class StatutMission(models.TextChoices):
    PLANIFIEE = "planifiee", _("Planifiée")
    EN_COURS = "en_cours", _("En cours")
    COMPLETE = "complete", _("Terminée")
    NON_COMPLETE = "non_complete", _("Non terminée")


class Mission(models.Model):
    """A planned field visit of an agent to a site, on a day, within a time window."""

    Statut = StatutMission

    reference = models.CharField(_("référence"), max_length=40)
    # Indexed with date_prevue (mission_agent_date).
    agent = models.ForeignKey(
        Agent, on_delete=models.PROTECT, related_name="missions", db_index=False
    )
    site = models.ForeignKey("recovery.Site", on_delete=models.PROTECT, related_name="missions")
    date_prevue = models.DateField(_("date prévue"))
    heure_debut = models.TimeField(_("heure de début"))
    heure_fin = models.TimeField(_("heure de fin"))
    status = models.CharField(_("statut"), max_length=16, choices=StatutMission.choices)

    class Meta:
        db_table = "missions"
        ordering = ["date_prevue", "heure_debut"]
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        indexes = [
            # An agent's day (planned vs GPS trail): WHERE agent_id = X AND date_prevue = D.
            models.Index(fields=["agent", "date_prevue"], name="mission_agent_date"),
            # The sites of each team (agents.selectors.sites_des_equipes): each agent's
            # distinct sites, skipped to one after the other.
            models.Index(fields=["agent", "site"], name="mission_agent_site"),
            # Runbook "Quels agents assignés?": WHERE site_id IN (...) AND status = 'non_complete'
            # GROUP BY agent_id. Partial: only the rows that query reads.
            models.Index(
                fields=["site", "agent"],
                condition=Q(status="non_complete"),
                name="mission_non_complete_site",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="mission_reference_unique"),
            models.CheckConstraint(
                condition=Q(status__in=StatutMission.values), name="mission_status_valide"
            ),
            models.CheckConstraint(
                condition=Q(heure_fin__gt=F("heure_debut")), name="mission_fin_apres_debut"
            ),
        ]

    def __str__(self):
        return self.reference


class PerformanceHistorique(models.Model):
    """One agent's figures for one day; `score` follows docs/score.md."""

    # Indexed by the unique (agent, date_stat) constraint.
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="performances", db_index=False
    )
    date_stat = models.DateField(_("date"))
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=2)
    visites = models.PositiveIntegerField(_("visites"), default=0)
    promesses = models.PositiveIntegerField(_("promesses"), default=0)
    paiements = models.PositiveIntegerField(_("paiements"), default=0)
    refus = models.PositiveIntegerField(_("refus"), default=0)
    montant_recouvre = models.DecimalField(_("montant recouvré"), default=Decimal("0"), **MONEY_SOMME)

    class Meta:
        db_table = "performance_historique"
        ordering = ["-date_stat"]
        verbose_name = _("performance journalière")
        verbose_name_plural = _("historique de performance")
        indexes = [
            # The dashboard's reads by day across agents: the amount recovered per week (an
            # index-only range scan instead of a pass over every day) and today's agents under 5.
            models.Index(fields=["date_stat", "montant_recouvre"], name="performance_jour_montant"),
        ]
        constraints = [
            # Also the index of the runbook's "WHERE agent_id = X ORDER BY date_stat DESC LIMIT 7".
            models.UniqueConstraint(fields=["agent", "date_stat"], name="performance_agent_jour"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10), name="performance_score_0_10"
            ),
        ]

    def __str__(self):
        return f"{self.agent_id} {self.date_stat}: {self.score}"


class Canal(models.TextChoices):
    """Which way a position reached the database."""

    API = "api", _("API terrain")
    TRACCAR = "traccar", _("Traccar Client")
    OWNTRACKS = "owntracks", _("OwnTracks")
    IMPORT = "import", _("import CSV")


class AgentGeolocalisation(models.Model):
    """A GPS position sent by an agent's phone, with what the phone said of itself when it
    said it (battery, charging, moving, speed: NULL when the channel does not tell)."""

    # Indexed by the unique (agent, timestamp) constraint.
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="positions", db_index=False
    )
    timestamp = models.DateTimeField(_("horodatage"))
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    precision_m = models.FloatField(_("précision (m)"), null=True, blank=True)
    # The import writes only its CSV's columns (PositionsImporteur.champs): its rows get the
    # database default. NULL: stored before the channel was recorded.
    canal = models.CharField(_("canal"), max_length=10, choices=Canal.choices, null=True, blank=True,
                             db_default=Canal.IMPORT)
    batterie_pct = models.PositiveSmallIntegerField(_("batterie (%)"), null=True, blank=True)
    en_charge = models.BooleanField(_("en charge"), null=True, blank=True)
    en_mouvement = models.BooleanField(_("en mouvement"), null=True, blank=True)
    vitesse_kmh = models.FloatField(_("vitesse (km/h)"), null=True, blank=True)

    class Meta:
        db_table = "agent_geolocalisation"
        ordering = ["-timestamp"]
        verbose_name = _("position GPS")
        verbose_name_plural = _("positions GPS")
        constraints = [
            # Natural key of the import, and the index of the runbook's
            # "WHERE agent_id = X AND timestamp > NOW() - INTERVAL '4 hours' ORDER BY timestamp DESC".
            models.UniqueConstraint(fields=["agent", "timestamp"], name="position_agent_instant"),
            models.CheckConstraint(condition=LATITUDE_RANGE, name="position_latitude_range"),
            models.CheckConstraint(condition=LONGITUDE_RANGE, name="position_longitude_range"),
            models.CheckConstraint(
                condition=Q(precision_m__isnull=True) | Q(precision_m__gte=0),
                name="position_precision_positive",
            ),
            models.CheckConstraint(
                condition=Q(batterie_pct__isnull=True) | Q(batterie_pct__lte=100), name="position_batterie_0_100"
            ),
            models.CheckConstraint(
                condition=Q(vitesse_kmh__isnull=True) | Q(vitesse_kmh__gte=0), name="position_vitesse_positive"
            ),
        ]

    def __str__(self):
        return f"{self.agent_id} @ {self.timestamp:%Y-%m-%d %H:%M:%S}"


class ScoreInstantane(models.Model):
    """An agent's intraday score at one instant (a 5-minute snapshot while on duty).

    The escalation rule "score < 5 pendant 2 h" reads these rows by agent and time.
    `score` is NULL when there is not yet enough to judge (see docs/score.md).
    """

    # Indexed by the unique (agent, instant) constraint.
    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="scores_instantanes", db_index=False
    )
    instant = models.DateTimeField(_("instant"))
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=2, null=True, blank=True)
    # What the score was computed from, so the page can say "pourquoi ce score".
    entrees = models.JSONField(_("entrées du calcul"), default=dict, blank=True)

    class Meta:
        db_table = "scores_instantanes"
        ordering = ["-instant"]
        verbose_name = _("score instantané")
        verbose_name_plural = _("scores instantanés")
        constraints = [
            # One snapshot per agent and instant; also the index of
            # "WHERE agent_id = X AND instant >= T ORDER BY instant" (escalation rule, curves).
            models.UniqueConstraint(fields=["agent", "instant"], name="score_instantane_agent_instant"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=10),
                name="score_instantane_0_10",
            ),
        ]
        indexes = [
            # The retention purge: WHERE instant < T.
            models.Index(fields=["instant"], name="score_instantane_instant"),
        ]

    def __str__(self):
        return f"{self.agent_id} @ {self.instant:%Y-%m-%d %H:%M}: {self.score}"


class JetonTerrain(models.Model):
    """An agent's phone token for the field API, stored as its SHA-256 (the token itself is
    shown once, by `manage.py jeton_agent`). A new token revokes the agent's previous one."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="jetons")
    # SHA-256 of a 256-bit random token: a plain hash is enough (no password to stretch).
    empreinte = models.CharField(_("empreinte"), max_length=64, unique=True)
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)
    revoque_le = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        db_table = "jetons_terrain"
        ordering = ["-cree_le"]
        verbose_name = _("jeton terrain")
        verbose_name_plural = _("jetons terrain")

    def __str__(self):
        etat = "révoqué" if self.revoque_le else "actif"
        return f"{self.agent_id} ({etat})"


class TypeTache(models.TextChoices):
    APPEL = "appel", _("Appel")
    SMS = "sms", _("SMS")


class Tache(models.Model):
    """A call or an SMS an agent has to make to a tenant (put on their list by the follow-up
    ladder, relances.services)."""

    Type = TypeTache

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="taches")
    locataire = models.ForeignKey("recovery.Locataire", on_delete=models.CASCADE, related_name="+")
    type_tache = models.CharField(_("type"), max_length=8, choices=TypeTache.choices)
    jour = models.DateField(_("à faire le"))
    motif = models.CharField(_("motif"), max_length=200, blank=True)
    faite_le = models.DateTimeField(_("faite le"), null=True, blank=True)
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        db_table = "taches_agents"
        ordering = ["jour", "id"]
        verbose_name = _("tâche")
        verbose_name_plural = _("tâches")
        indexes = [
            # An agent's list: WHERE agent_id = X AND faite_le IS NULL ORDER BY jour.
            models.Index(fields=["agent", "jour"], condition=Q(faite_le__isnull=True), name="tache_a_faire"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type_tache__in=TypeTache.values), name="tache_type_valide"),
        ]

    def __str__(self):
        return f"{self.get_type_tache_display()} {self.locataire_id} ({self.agent_id})"
