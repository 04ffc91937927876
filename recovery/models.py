"""Sites, tenants, debts and recovery actions.

Table and column names are the runbook's (`impayes`, `locataires`,
`recouvrement_actions`...): ops run its SQL verbatim against them.
"""
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from akig_ops.lib.fields import EcheanceField
from akig_ops.lib.geo import LATITUDE_MAX, LATITUDE_MIN, LONGITUDE_MAX, LONGITUDE_MIN

MONEY = {"max_digits": 12, "decimal_places": 2}
# A sum of amounts (a day's actions, a site's debts): one amount is at most AKIG_MONTANT_MAX
# (1 000 000 € by default, below MONEY's 10^10), so 18 digits hold 10^10 of them at the ceiling.
MONEY_SOMME = {"max_digits": 18, "decimal_places": 2}


class Site(models.Model):
    """A building or property that AKIG manages."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    nom = models.CharField(_("nom"), max_length=200)
    adresse = models.CharField(_("adresse"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    sensible = models.BooleanField(
        _("site sensible"), default=False, help_text=_("Site suivi personnellement par le PDG.")
    )

    class Meta:
        db_table = "sites"
        ordering = ["code"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=LATITUDE_MIN, latitude__lte=LATITUDE_MAX), name="site_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=LONGITUDE_MIN, longitude__lte=LONGITUDE_MAX), name="site_longitude_range"
            ),
        ]

    def __str__(self):
        return f"{self.code} – {self.nom}"


class Locataire(models.Model):
    """A tenant, living in one dwelling (`logement`) of one site."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    nom = models.CharField(_("nom"), max_length=200)
    telephone = models.CharField(_("téléphone"), max_length=32, blank=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="locataires")
    logement = models.CharField(_("logement"), max_length=64, blank=True)

    class Meta:
        db_table = "locataires"
        ordering = ["code"]
        verbose_name = _("locataire")
        verbose_name_plural = _("locataires")

    def __str__(self):
        return f"{self.code} – {self.nom}"


class AbstractEcheance(models.Model):
    """A rent instalment owed by a tenant for one month (`periode`)."""

    reference = models.CharField(_("référence"), max_length=40)
    locataire = models.ForeignKey(Locataire, on_delete=models.PROTECT, related_name="+")
    # Denormalised from the tenant (kept in step by the import) because the
    # runbook groups impayes by site_id without a join. Indexed with date_echeance.
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    periode = models.DateField(_("période"), help_text=_("Premier jour du mois facturé."))
    montant_du = models.DecimalField(_("montant dû"), **MONEY)
    montant_paye = models.DecimalField(_("montant payé"), default=Decimal("0"), **MONEY)
    date_echeance = EcheanceField(_("date d'échéance"))

    class Meta:
        abstract = True

    def __str__(self):
        return self.reference


class Impaye(AbstractEcheance):
    """A debt still outstanding: every row counts in the runbook's COUNT(*) and SUM(montant)."""

    montant = models.GeneratedField(
        expression=F("montant_du") - F("montant_paye"),
        output_field=models.DecimalField(**MONEY),
        db_persist=True,
        verbose_name=_("reste dû"),
    )

    class Meta:
        db_table = "impayes"
        ordering = ["date_echeance", "reference"]
        verbose_name = _("impayé")
        verbose_name_plural = _("impayés")
        indexes = [
            # Runbook "Impayés critiques": WHERE ... date_echeance > 60 days GROUP BY site_id;
            # also the dashboard's per-site ageing (site_id, date_echeance range scans).
            models.Index(fields=["site", "date_echeance"], name="impaye_site_echeance"),
            # Ageing over all sites: WHERE date_echeance < today - N.
            models.Index(fields=["date_echeance"], name="impaye_echeance"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="impaye_reference_unique"),
            models.CheckConstraint(condition=Q(montant_du__gte=0), name="impaye_montant_du_positif"),
            models.CheckConstraint(condition=Q(montant_paye__gte=0), name="impaye_montant_paye_positif"),
            # Only debts still owed live here; settled ones move to impayes_soldes.
            models.CheckConstraint(
                condition=Q(montant_paye__lt=F("montant_du")), name="impaye_reste_du"
            ),
        ]


class ImpayeSolde(AbstractEcheance):
    """A settled debt, kept for history once it has left `impayes`."""

    # The business day (TIME_ZONE), not the server's UTC date.
    solde_le = models.DateField(_("soldé constaté le"), default=timezone.localdate)

    class Meta:
        db_table = "impayes_soldes"
        ordering = ["-date_echeance", "reference"]
        verbose_name = _("impayé soldé")
        verbose_name_plural = _("impayés soldés")
        indexes = [
            models.Index(fields=["site", "date_echeance"], name="solde_site_echeance"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="solde_reference_unique"),
            models.CheckConstraint(
                condition=Q(montant_paye=F("montant_du"), montant_du__gte=0),
                name="solde_entierement_paye",
            ),
        ]


class TypeAction(models.TextChoices):
    VISITE = "visite", _("Visite")
    APPEL = "appel", _("Appel")
    SMS = "sms", _("SMS")
    PROMESSE = "promesse", _("Promesse")
    PAIEMENT = "paiement", _("Paiement")
    REFUS = "refus", _("Refus")
    ABSENT = "absent", _("Absent")


class StatutAction(models.TextChoices):
    """The words the demo data uses; the field system writes its own (statut is free text)."""

    REALISEE = "realisee", _("Réalisée")
    PLANIFIEE = "planifiee", _("Planifiée")
    ANNULEE = "annulee", _("Annulée")


# A statut is the field system's own word: stored as sent, trimmed and cut to this length.
STATUT_LONGUEUR_MAX = 64


def statut_nettoye(texte: str) -> str:
    """Return the statut as stored: surrounding spaces trimmed, cut to STATUT_LONGUEUR_MAX."""
    return " ".join(texte.split())[:STATUT_LONGUEUR_MAX]


def statut_cle(texte: str) -> str:
    """Return the comparison key of a statut: no accents, lower case, single spaces
    ("  Reporté " and "reporte" share the key "reporte")."""
    decompose = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    return " ".join(sans_accents.casefold().split())[:STATUT_LONGUEUR_MAX]


def statuts_non_realises() -> list[str]:
    """Return the keys of the statuts meaning "did not happen" (settings.AKIG_STATUTS_NON_REALISES):
    an action with one of them is left out of the score."""
    return [statut_cle(s) for s in settings.AKIG_STATUTS_NON_REALISES]


class RecouvrementAction(models.Model):
    """What a field agent did about a tenant's debt: a visit, a call, a promise, a payment..."""

    # Actions done at the tenant's door: they count as visits in the score.
    Type = TypeAction
    Statut = StatutAction
    TYPES_SUR_PLACE = (
        TypeAction.VISITE,
        TypeAction.PROMESSE,
        TypeAction.PAIEMENT,
        TypeAction.REFUS,
        TypeAction.ABSENT,
    )

    reference = models.CharField(_("référence"), max_length=40)
    # Indexed with date_action (action_agent_date). Written as a string on purpose: agents
    # builds on recovery (a mission goes to a Site), so this app cannot import it; the action
    # stays here because recovery's analyses (recouvré per site, tenant history) read its table.
    agent = models.ForeignKey(
        "agents.Agent", on_delete=models.PROTECT, related_name="actions", db_index=False
    )
    locataire = models.ForeignKey(Locataire, on_delete=models.PROTECT, related_name="actions")
    # A reference, not a foreign key: the debt may since have moved to impayes_soldes.
    impaye_reference = models.CharField(_("référence impayé"), max_length=40, blank=True)
    type_action = models.CharField(_("type d'action"), max_length=16, choices=TypeAction.choices)
    # Free text from the field system ("fait", "RDV pris"...); statut_cle is what the score
    # compares with settings.AKIG_STATUTS_NON_REALISES (docs/score.md).
    statut = models.CharField(_("statut"), max_length=STATUT_LONGUEUR_MAX, blank=True)
    statut_cle = models.CharField(_("clé du statut"), max_length=STATUT_LONGUEUR_MAX, blank=True, editable=False)
    resultat = models.CharField(_("résultat"), max_length=300, blank=True)
    montant_recouvre = models.DecimalField(_("montant recouvré"), default=Decimal("0"), **MONEY)
    date_action = models.DateTimeField(_("date de l'action"))
    # A promise to pay (type promesse) may say how much and by when; without both it is
    # « sans engagement » and never judged (recovery.promesses).
    promesse_montant = models.DecimalField(_("montant promis"), null=True, blank=True, **MONEY)
    promesse_date = models.DateField(_("date promise"), null=True, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        db_table = "recouvrement_actions"
        ordering = ["-date_action"]
        verbose_name = _("action de recouvrement")
        verbose_name_plural = _("actions de recouvrement")
        indexes = [
            # Runbook "Actions du jour": WHERE agent_id = X AND DATE(date_action) = CURRENT_DATE,
            # and the daily performance aggregation per agent and day.
            models.Index(fields=["agent", "date_action"], name="action_agent_date"),
            # The promises' list and judgement: WHERE type_action = 'promesse' AND promesse_date
            # BETWEEN ... (partial: only promises carry a date).
            models.Index(
                fields=["promesse_date"], condition=Q(promesse_date__isnull=False), name="action_promesse_date"
            ),
            # The promises of a window and the payments that judge them (recovery.promesses: the
            # agents' list and pages): WHERE type_action = … AND date_action >= …, without an
            # agent. Without it, two scans of every action (4 s at three years of 600 agents).
            models.Index(fields=["type_action", "date_action"], name="action_type_date"),
            # One agent's promises (the agent page's kept share): WHERE type_action = 'promesse'
            # AND agent_id = X; without it PostgreSQL ANDs the agent's actions with every promise
            # (600 000 index entries at `xlarge`, 70–800 ms).
            models.Index(fields=["agent", "promesse_date"], condition=Q(type_action="promesse"),
                         name="action_promesse_agent"),
            # The payments of a window that judge the promises (recovery.promesses.taux_promesses_tenues:
            # WHERE type_action = 'paiement' AND date_action >= …), read from the index alone
            # (PostgreSQL; SQLite ignores INCLUDE): 26 000 heap rows at `xlarge` were half its time.
            models.Index(fields=["date_action"], include=["locataire", "montant_recouvre", "statut_cle"],
                         condition=Q(type_action="paiement"), name="action_paiement_date"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="action_reference_unique"),
            models.CheckConstraint(
                condition=Q(montant_recouvre__gte=0), name="action_montant_recouvre_positif"
            ),
            models.CheckConstraint(
                condition=Q(promesse_montant__isnull=True) | Q(promesse_montant__gt=0),
                name="action_promesse_montant_positif",
            ),
            models.CheckConstraint(
                condition=Q(type_action__in=TypeAction.values), name="action_type_valide"
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=LATITUDE_MIN, latitude__lte=LATITUDE_MAX),
                name="action_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=LONGITUDE_MIN, longitude__lte=LONGITUDE_MAX),
                name="action_longitude_range",
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        self.statut = statut_nettoye(self.statut)
        self.statut_cle = statut_cle(self.statut)
        super().save(*args, **kwargs)


class InstantaneSite(models.Model):
    """One site's outstanding debts by ageing bucket (recovery.selectors.TRANCHES) as they
    stood on one day: the history the dashboard's 12-month trend and "vs 30 days ago" read.

    Written just after midnight by recovery.tasks.instantanes_sites_task (and by the
    `instantanes_sites` command); a site owing nothing that day has no row.
    """

    jour = models.DateField(_("jour"))
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    nb_0_30 = models.PositiveIntegerField(_("impayés 0–30 j"), default=0)
    montant_0_30 = models.DecimalField(_("reste dû 0–30 j"), default=Decimal("0"), **MONEY_SOMME)
    nb_31_60 = models.PositiveIntegerField(_("impayés 31–60 j"), default=0)
    montant_31_60 = models.DecimalField(_("reste dû 31–60 j"), default=Decimal("0"), **MONEY_SOMME)
    nb_61_90 = models.PositiveIntegerField(_("impayés 61–90 j"), default=0)
    montant_61_90 = models.DecimalField(_("reste dû 61–90 j"), default=Decimal("0"), **MONEY_SOMME)
    nb_91_180 = models.PositiveIntegerField(_("impayés 91–180 j"), default=0)
    montant_91_180 = models.DecimalField(_("reste dû 91–180 j"), default=Decimal("0"), **MONEY_SOMME)
    nb_plus_180 = models.PositiveIntegerField(_("impayés > 180 j"), default=0)
    montant_plus_180 = models.DecimalField(_("reste dû > 180 j"), default=Decimal("0"), **MONEY_SOMME)

    # The bucket columns in order, one (nb, montant) pair per bucket of TRANCHES.
    COLONNES = (
        ("nb_0_30", "montant_0_30"),
        ("nb_31_60", "montant_31_60"),
        ("nb_61_90", "montant_61_90"),
        ("nb_91_180", "montant_91_180"),
        ("nb_plus_180", "montant_plus_180"),
    )

    class Meta:
        db_table = "instantanes_sites"
        ordering = ["-jour", "site"]
        verbose_name = _("instantané de site")
        verbose_name_plural = _("instantanés des sites")
        constraints = [
            # One row per site and day (the task is idempotent); also the index of the
            # trend (WHERE jour IN (...) GROUP BY jour) and of "vs 30 days ago" (jour = D).
            models.UniqueConstraint(fields=["jour", "site"], name="instantane_jour_site"),
        ]

    def __str__(self):
        return f"{self.site_id} {self.jour}"


class ChangementPaiement(models.Model):
    """One change of an instalment's `montant_paye` seen by an import (recovery.importers),
    dated the day of that import: the history the roll and cure rates read
    (recovery.roulement). A change is recorded only when the amount differs from the stored
    one; an instalment keeps its reference whether it sits in `impayes` or `impayes_soldes`.

    montant_paye at the end of a day D = `montant_paye_avant` of the first change after D,
    or the current montant_paye when there is none.
    """

    reference = models.CharField(_("référence impayé"), max_length=40)
    jour = models.DateField(_("jour de l'import"))
    montant_paye_avant = models.DecimalField(_("montant payé avant"), **MONEY)
    montant_paye = models.DecimalField(_("montant payé après"), **MONEY)

    class Meta:
        db_table = "impayes_paiements"
        ordering = ["jour", "id"]
        verbose_name = _("changement de montant payé")
        verbose_name_plural = _("changements de montant payé")
        indexes = [
            # recovery.roulement: the first change of each reference after a month-end
            # (WHERE reference = X AND jour > D ORDER BY jour, id LIMIT 1).
            models.Index(fields=["reference", "jour"], name="paiement_reference_jour"),
        ]

    def __str__(self):
        return f"{self.reference} {self.jour}: {self.montant_paye_avant} → {self.montant_paye}"


class RoulementMois(models.Model):
    """The roll and cure figures of one month-end D0 (recovery.roulement), as stored by
    `roulements_ecrire`: a month-end whose next one D1 has passed is computed once a night
    (and after each import of impayes.csv), and /dashboard/roulement reads it from here
    instead of grouping the instalments again. Its rows by site are RoulementMoisLigne.

    Valid while the history of montant_paye starts on `exact_depuis` (the page recomputes a
    month stored under another start); a month-end absent here is computed live."""

    fin_mois = models.DateField(_("fin de mois"), unique=True)
    estime = models.BooleanField(_("estimé"))
    exact_depuis = models.DateField(_("historique exact depuis"))
    calcule_le = models.DateTimeField(_("calculé le"))

    class Meta:
        db_table = "roulements_mois"
        ordering = ["fin_mois"]
        verbose_name = _("roulement d'une fin de mois")
        verbose_name_plural = _("roulements des fins de mois")

    def __str__(self):
        return f"{self.fin_mois}"


class RoulementMoisLigne(models.Model):
    """One line of `roulement_lignes` for a stored month-end: a site, the bucket at D0
    (index in recovery.selectors.TRANCHES' buckets), the category at D1, the count and the
    amount owed at D0."""

    mois = models.ForeignKey(RoulementMois, on_delete=models.CASCADE, related_name="lignes")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    tranche = models.PositiveSmallIntegerField(_("tranche"))
    categorie = models.CharField(_("catégorie"), max_length=8)
    nb = models.PositiveIntegerField(_("impayés"))
    montant = models.DecimalField(_("reste dû"), **MONEY_SOMME)

    class Meta:
        db_table = "roulements_mois_lignes"
        verbose_name = _("ligne de roulement")
        verbose_name_plural = _("lignes de roulement")
        constraints = [
            # One line per site, bucket and category (also the index of a month's lines).
            models.UniqueConstraint(fields=["mois", "site", "tranche", "categorie"], name="roulement_ligne_unique"),
        ]

    def __str__(self):
        return f"{self.mois_id} {self.site_id} {self.tranche} {self.categorie}"


class TypePause(models.TextChoices):
    CONTENTIEUX = "contentieux", _("Contentieux")
    PLAN_APUREMENT = "plan_apurement", _("Plan d'apurement")


class Pause(models.Model):
    """A tenant's debts (all, or one instalment) under litigation or a payment plan from
    `debut` to `fin`: they leave the follow-up ladder and the analysis shows them apart; the
    runbook's count keeps them (recovery/pauses.py, docs/relances.md)."""

    Type = TypePause

    locataire = models.ForeignKey(Locataire, on_delete=models.CASCADE, related_name="pauses")
    # Empty: every instalment of the tenant; else the one instalment paused.
    impaye_reference = models.CharField(
        _("référence impayé"), max_length=40, blank=True,
        help_text=_("Vide : toutes les échéances du locataire ; sinon, la seule échéance concernée."),
    )
    type_pause = models.CharField(_("type"), max_length=16, choices=TypePause.choices)
    motif = models.CharField(_("motif"), max_length=300)
    debut = models.DateField(_("début"))
    fin = models.DateField(_("fin"))
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saisie par"),
        null=True, blank=True,
    )
    cree_le = models.DateTimeField(_("saisie le"), auto_now_add=True)

    class Meta:
        db_table = "pauses"
        ordering = ["-debut", "locataire"]
        verbose_name = _("pause (contentieux ou plan d'apurement)")
        verbose_name_plural = _("pauses (contentieux, plans d'apurement)")
        indexes = [
            # The pauses in force on a day, per tenant: WHERE locataire_id = X AND debut <= D AND fin >= D.
            models.Index(fields=["locataire", "debut", "fin"], name="pause_locataire_periode"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(fin__gte=F("debut")), name="pause_fin_apres_debut"),
            models.CheckConstraint(condition=Q(type_pause__in=TypePause.values), name="pause_type_valide"),
        ]

    def __str__(self):
        return f"{self.get_type_pause_display()} {self.locataire_id} {self.debut:%d/%m/%Y}–{self.fin:%d/%m/%Y}"
