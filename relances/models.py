"""The follow-up ladder: its steps, where each tenant stands, the history of their moves and
the formal notices (mises en demeure) sent as PDF. See docs/relances.md."""
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from recovery.models import MONEY


class TypeEtape(models.TextChoices):
    SMS = "sms", _("SMS")
    APPEL = "appel", _("Appel")
    VISITE = "visite", _("Visite")
    MISE_EN_DEMEURE = "mise_en_demeure", _("Mise en demeure")
    JURIDIQUE = "juridique", _("Dossier juridique")


class Etape(models.Model):
    """A step of the ladder, reached when the tenant's oldest unpaid instalment is
    `jours_retard` days late (edited by directors in the admin)."""

    Type = TypeEtape

    jours_retard = models.PositiveIntegerField(_("jours de retard"), unique=True)
    type_etape = models.CharField(_("type"), max_length=16, choices=TypeEtape.choices)
    libelle = models.CharField(_("libellé"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "relances_etapes"
        ordering = ["jours_retard"]
        verbose_name = _("étape de relance")
        verbose_name_plural = _("étapes de relance")
        constraints = [
            models.CheckConstraint(condition=Q(type_etape__in=TypeEtape.values), name="etape_type_valide"),
        ]

    def __str__(self):
        return f"J+{self.jours_retard} {self.libelle}"


class EtatRelance(models.Model):
    """Where one tenant stands on the ladder. Moved only by a compare-and-set on `version`
    (relances.services): two runners never both move it, so the work is created once."""

    locataire = models.OneToOneField("recovery.Locataire", on_delete=models.CASCADE, related_name="+")
    etape = models.ForeignKey(Etape, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The oldest unpaid instalment the clock runs on; another one means it was paid.
    reference_echeance = models.CharField(_("échéance suivie"), max_length=40, blank=True)
    # Steps added (broken promises) or taken off (kept promises) since that instalment.
    decalage = models.IntegerField(_("décalage"), default=0)
    evalue_le = models.DateField(_("évalué le"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    depuis = models.DateTimeField(_("à cette étape depuis"), null=True, blank=True)

    class Meta:
        db_table = "relances_etats"
        verbose_name = _("état de relance")
        verbose_name_plural = _("états de relance")

    def __str__(self):
        return f"{self.locataire_id}: {self.etape_id}"


class Motif(models.TextChoices):
    RETARD = "retard", _("Retard")
    PROMESSE_ROMPUE = "promesse_rompue", _("Promesse rompue")
    PROMESSE_TENUE = "promesse_tenue", _("Promesse tenue")
    ECHEANCE_REGLEE = "echeance_reglee", _("Échéance la plus ancienne réglée")
    PAUSE = "pause", _("Contentieux ou plan d'apurement")


class Passage(models.Model):
    """One move of a tenant on the ladder and the work it created."""

    locataire = models.ForeignKey("recovery.Locataire", on_delete=models.CASCADE, related_name="+")
    # The state's version this move made: unique with the tenant, a second runner's move fails.
    version = models.PositiveIntegerField()
    de = models.ForeignKey(Etape, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    vers = models.ForeignKey(Etape, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    motif = models.CharField(_("motif"), max_length=20, choices=Motif.choices)
    jour = models.DateField(_("jour"))
    travail = models.CharField(_("travail créé"), max_length=200, blank=True)
    cree_le = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        db_table = "relances_passages"
        ordering = ["-jour", "-version"]
        verbose_name = _("passage d'étape")
        verbose_name_plural = _("historique des relances")
        constraints = [
            models.UniqueConstraint(fields=["locataire", "version"], name="passage_locataire_version"),
        ]

    def __str__(self):
        return f"{self.locataire_id} v{self.version}"


class Lettre(models.Model):
    """A formal notice (mise en demeure) as PDF, kept on the tenant."""

    locataire = models.ForeignKey("recovery.Locataire", on_delete=models.CASCADE, related_name="+")
    passage = models.OneToOneField(Passage, on_delete=models.CASCADE, related_name="lettre")
    reste_du = models.DecimalField(_("reste dû"), **MONEY)
    pdf = models.BinaryField(_("PDF"))
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        db_table = "relances_lettres"
        ordering = ["-cree_le"]
        verbose_name = _("mise en demeure")
        verbose_name_plural = _("mises en demeure")

    def __str__(self):
        return f"{self.locataire_id} {self.cree_le:%Y-%m-%d}"
