"""The runbook's business alerts: rules, their pending starts, escalations and timelines,
the agents' leave periods, PDF reports and the outbox every email leaves through."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from recovery.selectors import SEUIL_CONTENTIEUX


class TypeRegle(models.TextChoices):
    IMPAYES_CRITIQUES = "impayes_critiques", _("Impayés critiques (ensemble)")
    IMPAYES_CRITIQUES_SITE = "impayes_critiques_site", _("Impayés critiques (par site)")
    SCORE_AGENT = "score_agent", _("Performance agent très basse")


class Severite(models.TextChoices):
    CRITIQUE = "critique", _("Critique")
    AVERTISSEMENT = "avertissement", _("Avertissement")


class Niveau(models.IntegerChoices):
    """Who is told: an unacknowledged escalation climbs this ladder."""

    CHEF_EQUIPE = 1, _("Chef d'équipe")
    DIRECTION = 2, _("Direction")
    PDG = 3, _("PDG et Direction")


class Regle(models.Model):
    """One alert of the runbook, with its thresholds; directors edit them in the admin.

    `seuil` is strict: "plus de 50 impayés" fires at 51, "score < 5" below 5.
    """

    Type = TypeRegle

    code = models.SlugField(_("code"), max_length=40, unique=True)
    nom = models.CharField(_("nom"), max_length=120)
    type = models.CharField(_("type"), max_length=32, choices=TypeRegle.choices)
    severite = models.CharField(_("sévérité"), max_length=16, choices=Severite.choices)
    active = models.BooleanField(_("active"), default=True)
    seuil = models.DecimalField(
        _("seuil"), max_digits=8, decimal_places=2,
        help_text=_("Impayés : nombre à dépasser. Score : valeur sous laquelle l'agent est en alerte."),
    )
    retard_min = models.PositiveIntegerField(
        _("retard minimal (jours)"), default=60, help_text=_("Impayés : retard à dépasser.")
    )
    compter_pauses = models.BooleanField(
        _("compter les impayés en pause"), default=True,
        help_text=_("Impayés : compter aussi ceux en contentieux ou sous plan d'apurement, comme la requête "
                    "SQL du runbook (par défaut)."),
    )
    # The runbook "Impayés critiques" asks for the legal escalation of the debts > 10000€: the
    # overall rule holds that amount, read by every page, CSV, email and PDF (seuils_alertes).
    seuil_contentieux = models.DecimalField(
        _("escalade juridique au-delà de (€)"), max_digits=12, decimal_places=2, default=SEUIL_CONTENTIEUX,
        help_text=_("Impayés (ensemble) : la liste juridique compte les locataires dont le reste dû total "
                    "dépasse ce montant."),
    )
    duree_min = models.PositiveIntegerField(
        _("durée avant déclenchement (min)"), default=0,
        help_text=_("La condition doit tenir sans interruption pendant cette durée."),
    )
    niveau_initial = models.PositiveSmallIntegerField(_("premier niveau prévenu"), choices=Niveau.choices)
    delai_relance_min = models.PositiveIntegerField(
        _("relance sans prise en charge après (min)"), default=60
    )
    delai_resolution_min = models.PositiveIntegerField(
        _("résolution automatique après (min) de condition levée"), default=60
    )

    class Meta:
        db_table = "escalades_regles"
        ordering = ["code"]
        verbose_name = _("règle d'escalade")
        verbose_name_plural = _("règles d'escalade")
        constraints = [
            models.CheckConstraint(condition=Q(seuil__gte=0), name="regle_seuil_positif"),
            models.CheckConstraint(condition=Q(seuil_contentieux__gte=0), name="regle_seuil_contentieux_positif"),
        ]

    def __str__(self):
        return self.nom


class AttenteRegle(models.Model):
    """A condition seen true but not yet for the rule's duration: when it began.

    Kept in the database so a restart of beat does not reset the clock; deleted as soon
    as an evaluation sees the condition clear.
    """

    regle = models.ForeignKey(Regle, on_delete=models.CASCADE, related_name="attentes")
    sujet = models.CharField(_("sujet"), max_length=40)
    depuis = models.DateTimeField(_("condition vraie depuis"))
    derniere_valeur = models.JSONField(_("dernière valeur observée"), default=dict)
    vu_le = models.DateTimeField(_("dernière évaluation"))

    class Meta:
        db_table = "escalades_attentes"
        verbose_name = _("déclenchement en attente")
        verbose_name_plural = _("déclenchements en attente")
        constraints = [
            models.UniqueConstraint(fields=["regle", "sujet"], name="attente_regle_sujet"),
        ]

    def __str__(self):
        return f"{self.regle_id}/{self.sujet} depuis {self.depuis:%H:%M}"


class EtatEscalade(models.TextChoices):
    DECLENCHEE = "declenchee", _("Déclenchée")
    PRISE_EN_CHARGE = "prise_en_charge", _("Prise en charge")
    RESOLUE = "resolue", _("Résolue")


class Escalade(models.Model):
    """One episode of a rule on one subject ("global", "site:12", "agent:7"), from the
    moment it fires until it is resolved."""

    Etat = EtatEscalade

    regle = models.ForeignKey(Regle, on_delete=models.PROTECT, related_name="escalades")
    sujet = models.CharField(_("sujet"), max_length=40)
    # What the subject is, for the pages and the team-lead scoping (equipe).
    site = models.ForeignKey("recovery.Site", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agent = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    equipe = models.ForeignKey(
        "agents.Equipe", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    etat = models.CharField(_("état"), max_length=16, choices=EtatEscalade.choices, default=EtatEscalade.DECLENCHEE)
    niveau = models.PositiveSmallIntegerField(_("niveau"), choices=Niveau.choices)
    valeur_declenchement = models.JSONField(_("valeur au déclenchement"), default=dict)
    derniere_valeur = models.JSONField(_("dernière valeur observée"), default=dict)
    declenchee_le = models.DateTimeField(_("déclenchée le"), default=timezone.now)
    notifiee_le = models.DateTimeField(_("dernière notification"), default=timezone.now)
    prise_en_charge_le = models.DateTimeField(_("prise en charge le"), null=True, blank=True)
    prise_en_charge_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Since when the evaluations see the condition clear (NULL while it holds).
    levee_depuis = models.DateTimeField(_("condition levée depuis"), null=True, blank=True)
    resolue_le = models.DateTimeField(_("résolue le"), null=True, blank=True)
    resolue_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("Vide : résolue automatiquement."),
    )
    note_resolution = models.TextField(_("note de résolution"), blank=True)
    # Resolved by a person while the condition still held: until when the evaluations open no
    # new escalation for this rule and subject, and why (services.escalade_resoudre).
    sourdine_jusqu_au = models.DateTimeField(_("en sourdine jusqu'au"), null=True, blank=True)
    motif_sourdine = models.TextField(_("motif de la mise en sourdine"), blank=True)

    class Meta:
        db_table = "escalades"
        ordering = ["-declenchee_le"]
        verbose_name = _("escalade")
        verbose_name_plural = _("escalades")
        constraints = [
            # One episode → one escalation, however many evaluators run at once: the second
            # INSERT fails here and its evaluator moves on.
            models.UniqueConstraint(
                fields=["regle", "sujet"], condition=~Q(etat="resolue"), name="escalade_une_ouverte"
            ),
            models.CheckConstraint(
                condition=Q(etat__in=EtatEscalade.values), name="escalade_etat_valide"
            ),
            models.CheckConstraint(
                condition=~Q(etat="resolue") | Q(resolue_le__isnull=False), name="escalade_resolue_datee"
            ),
        ]
        indexes = [
            # The list page: WHERE etat = … ORDER BY declenchee_le DESC; a team lead's adds equipe.
            models.Index(fields=["etat", "-declenchee_le"], name="escalade_etat_date"),
            models.Index(fields=["equipe", "-declenchee_le"], name="escalade_equipe_date"),
            # Each evaluation: WHERE regle_id = X AND sourdine_jusqu_au > now (the snoozed subjects).
            models.Index(
                fields=["regle", "sourdine_jusqu_au"], condition=Q(sourdine_jusqu_au__isnull=False),
                name="escalade_sourdine",
            ),
        ]

    def __str__(self):
        return f"{self.regle} — {self.libelle_sujet}"

    @property
    def ouverte(self) -> bool:
        return self.etat != EtatEscalade.RESOLUE

    @property
    def libelle_sujet(self) -> str:
        if self.agent_id:
            return f"{self.agent.code} – {self.agent.nom}"
        if self.site_id:
            return f"{self.site.code} – {self.site.nom}"
        return str(_("ensemble des sites"))


class TypeEvenement(models.TextChoices):
    DECLENCHEMENT = "declenchement", _("Déclenchement")
    NOTIFICATION = "notification", _("E-mail envoyé")
    ECHEC_ENVOI = "echec_envoi", _("E-mail en échec")
    RELANCE = "relance", _("Relance, niveau supérieur")
    PRISE_EN_CHARGE = "prise_en_charge", _("Prise en charge")
    ACTION = "action", _("Action")
    CONDITION_LEVEE = "condition_levee", _("Condition levée")
    CONDITION_REVENUE = "condition_revenue", _("Condition revenue")
    RESOLUTION = "resolution", _("Résolution")
    SOURDINE = "sourdine", _("Mise en sourdine")
    RAPPORT = "rapport", _("Rapport PDF")
    ECHEC_RAPPORT = "echec_rapport", _("Rapport PDF en échec")


class Evenement(models.Model):
    """One line of an escalation's timeline: a state change, an email, an action, with
    who did it and the value observed then."""

    Type = TypeEvenement

    escalade = models.ForeignKey(Escalade, on_delete=models.CASCADE, related_name="evenements", db_index=False)
    instant = models.DateTimeField(_("instant"), default=timezone.now)
    type = models.CharField(_("type"), max_length=24, choices=TypeEvenement.choices)
    # For ACTION: the checklist item (escalations.checklists).
    action = models.CharField(_("action"), max_length=32, blank=True)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    valeur = models.JSONField(_("valeur"), default=dict, blank=True)

    class Meta:
        db_table = "escalades_evenements"
        ordering = ["instant", "id"]
        verbose_name = _("événement")
        verbose_name_plural = _("chronologie")
        indexes = [
            # The detail page's timeline: WHERE escalade_id = X ORDER BY instant.
            models.Index(fields=["escalade", "instant"], name="evenement_escalade_instant"),
        ]

    def __str__(self):
        return f"{self.instant:%Y-%m-%d %H:%M} {self.get_type_display()}"


class Conge(models.Model):
    """A leave period of an agent (both days included): the score rule ignores them then."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="conges", db_index=False)
    debut = models.DateField(_("premier jour"))
    fin = models.DateField(_("dernier jour"))
    motif = models.CharField(_("motif"), max_length=120, blank=True)

    class Meta:
        db_table = "agents_conges"
        ordering = ["-debut"]
        verbose_name = _("congé")
        verbose_name_plural = _("congés")
        constraints = [
            models.CheckConstraint(condition=Q(fin__gte=F("debut")), name="conge_fin_apres_debut"),
        ]
        indexes = [
            # The score rule: WHERE debut <= today AND fin >= today, per agent.
            models.Index(fields=["agent", "debut", "fin"], name="conge_agent_periode"),
        ]

    def __str__(self):
        return f"{self.agent_id}: {self.debut:%d/%m/%Y} → {self.fin:%d/%m/%Y}"


class TypeRapport(models.TextChoices):
    IMPAYES = "impayes", _("Impayés critiques")
    AGENT = "agent", _("Performance agent")
    HEBDO = "hebdo", _("Synthèse hebdomadaire")


class Rapport(models.Model):
    """A PDF built on the server (WeasyPrint), kept with its escalation (or the weekly digest)."""

    Type = TypeRapport

    type = models.CharField(_("type"), max_length=16, choices=TypeRapport.choices)
    escalade = models.ForeignKey(
        Escalade, on_delete=models.CASCADE, null=True, blank=True, related_name="rapports"
    )
    cree_le = models.DateTimeField(_("créé le"), default=timezone.now)
    nom_fichier = models.CharField(_("fichier"), max_length=120)
    # In the database: backed up with it, served without shared storage between hosts.
    contenu = models.BinaryField(_("contenu PDF"))
    pages = models.PositiveSmallIntegerField(_("pages"))

    class Meta:
        db_table = "escalades_rapports"
        ordering = ["-cree_le"]
        verbose_name = _("rapport PDF")
        verbose_name_plural = _("rapports PDF")

    def __str__(self):
        return self.nom_fichier


class EtatMessage(models.TextChoices):
    EN_ATTENTE = "en_attente", _("En attente")
    EN_COURS = "en_cours", _("Envoi en cours")
    ENVOYE = "envoye", _("Envoyé")
    ECHEC = "echec", _("En échec")


class Message(models.Model):
    """The outbox: one row per email, written in the same transaction as what caused it,
    then sent by a Celery task that claims it (compare-and-set) and retries with backoff."""

    Etat = EtatMessage

    # The escalation the email is first about (the overall alert of a grouped email); the
    # runbook's SQL joins on it. `escalades`: every escalation the email speaks of.
    escalade = models.ForeignKey(
        Escalade, on_delete=models.CASCADE, null=True, blank=True, related_name="messages_principaux"
    )
    escalades = models.ManyToManyField(
        Escalade, through="MessageEscalade", related_name="messages", blank=True, verbose_name=_("escalades"),
    )
    # The template (templates/emails/<gabarit>-subject.txt|-body.txt|-body.html).
    gabarit = models.CharField(_("gabarit"), max_length=40)
    destinataires = models.JSONField(_("destinataires"), default=list)
    sujet = models.CharField(_("objet"), max_length=250)
    corps_texte = models.TextField(_("texte"))
    corps_html = models.TextField(_("HTML"), blank=True)
    # The PDF to attach: built by the sending task when missing (never in a request).
    rapport_type = models.CharField(_("rapport à joindre"), max_length=16, choices=TypeRapport.choices, blank=True)
    rapport = models.ForeignKey(Rapport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    etat = models.CharField(_("état"), max_length=16, choices=EtatMessage.choices, default=EtatMessage.EN_ATTENTE)
    cree_le = models.DateTimeField(_("créé le"), default=timezone.now)
    prochain_essai = models.DateTimeField(_("prochain essai"), default=timezone.now)
    reserve_le = models.DateTimeField(_("pris par un worker le"), null=True, blank=True)
    tentatives = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    envoye_le = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    derniere_erreur = models.TextField(_("dernière erreur"), blank=True)
    # An email due once per period, whoever asks for it ("synthese-hebdo:2026-S49"); empty
    # for the others. Its unique constraint makes a second request of the period fail.
    cle = models.CharField(_("clé d'unicité"), max_length=60, blank=True, default="")

    class Meta:
        db_table = "escalades_messages"
        ordering = ["cree_le", "id"]
        verbose_name = _("e-mail (boîte d'envoi)")
        verbose_name_plural = _("e-mails (boîte d'envoi)")
        indexes = [
            # The outbox sweep: WHERE etat IN ('en_attente', 'en_cours') AND prochain_essai <= now.
            models.Index(
                fields=["prochain_essai"], condition=Q(etat__in=["en_attente", "en_cours"]),
                name="message_a_envoyer",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(etat__in=EtatMessage.values), name="message_etat_valide"),
            # The weekly digest goes once a week however many times beat asks for it.
            models.UniqueConstraint(fields=["cle"], condition=~Q(cle=""), name="message_cle_unique"),
        ]

    def __str__(self):
        return f"{self.sujet} → {', '.join(self.destinataires)}"


class MessageEscalade(models.Model):
    """An escalation an email speaks of: what fires in one evaluation goes out as one email
    per recipient, covering every escalation it tells that recipient about."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    escalade = models.ForeignKey(Escalade, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "escalades_messages_escalades"
        verbose_name = _("escalade d'un e-mail")
        verbose_name_plural = _("escalades d'un e-mail")
        constraints = [
            models.UniqueConstraint(fields=["message", "escalade"], name="message_escalade_unique"),
        ]
