"""Admin of sites, tenants, debts and recovery actions.

Tenants (~100,000), debts (~1,000,000) and actions (millions) are big tables:
their foreign keys use raw_id_fields, their searches exact codes (index lookups),
their filters fixed choices or small tables, and they skip the unfiltered COUNT(*).
"""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from django import forms

from recovery.models import Impaye, ImpayeSolde, Locataire, Pause, RecouvrementAction, Site
from recovery.selectors import echeance_limite


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "adresse", "sensible")
    list_filter = ("sensible",)
    search_fields = ("code", "nom", "adresse")


@admin.register(Locataire)
class LocataireAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "telephone", "site", "logement")
    list_select_related = ("site",)
    list_filter = ("site",)
    search_fields = ("code", "nom", "telephone")
    autocomplete_fields = ("site",)
    show_full_result_count = False


class RetardFilter(admin.SimpleListFilter):
    """Debts more than N days late, as the runbook counts them (60: "Impayés critiques")."""

    title = _("retard")
    parameter_name = "retard"

    def lookups(self, request, model_admin):
        return [(str(jours), _("plus de %(jours)d jours") % {"jours": jours}) for jours in (30, 60, 90)]

    def queryset(self, request, queryset):
        if self.value() not in {valeur for valeur, _libelle in self.lookup_choices}:
            return queryset
        return queryset.filter(date_echeance__lt=echeance_limite(retard_min=int(self.value())))


class EcheanceAdmin(admin.ModelAdmin):
    list_select_related = ("locataire", "site")
    search_fields = ("reference__exact", "locataire__code__exact")
    raw_id_fields = ("locataire",)
    autocomplete_fields = ("site",)
    show_full_result_count = False


@admin.register(Impaye)
class ImpayeAdmin(EcheanceAdmin):
    list_display = (
        "reference", "locataire", "site", "periode", "date_echeance",
        "montant_du", "montant_paye", "montant",
    )
    list_filter = (RetardFilter, "site")
    # A generated column: shown, never entered.
    readonly_fields = ("montant",)


@admin.register(ImpayeSolde)
class ImpayeSoldeAdmin(EcheanceAdmin):
    list_display = (
        "reference", "locataire", "site", "periode", "date_echeance", "montant_du", "solde_le",
    )
    list_filter = ("site", "solde_le")
    readonly_fields = ("solde_le",)


@admin.register(RecouvrementAction)
class RecouvrementActionAdmin(admin.ModelAdmin):
    list_display = (
        "reference", "date_action", "agent", "locataire", "type_action", "statut",
        "montant_recouvre", "impaye_reference",
    )
    list_select_related = ("agent", "locataire")
    list_filter = ("statut", "type_action", "date_action", "agent")
    search_fields = (
        "reference__exact", "impaye_reference__exact", "agent__code__exact", "locataire__code__exact",
    )
    raw_id_fields = ("locataire",)
    autocomplete_fields = ("agent",)
    # Newest recorded first through the primary key: sorting millions of rows by
    # date_action has no index to use (only (agent, date_action)).
    ordering = ("-pk",)
    show_full_result_count = False


class PauseForm(forms.ModelForm):
    class Meta:
        model = Pause
        fields = ("locataire", "impaye_reference", "type_pause", "motif", "debut", "fin")

    def clean(self):
        donnees = super().clean()
        locataire, reference = donnees.get("locataire"), (donnees.get("impaye_reference") or "").strip()
        if locataire and reference and not Impaye.objects.filter(reference=reference, locataire=locataire).exists():
            self.add_error("impaye_reference", _("Aucun impayé « %(ref)s » en cours pour ce locataire.") % {"ref": reference})
        debut, fin = donnees.get("debut"), donnees.get("fin")
        if debut and fin and fin < debut:
            self.add_error("fin", _("La fin précède le début."))
        return donnees


@admin.register(Pause)
class PauseAdmin(admin.ModelAdmin):
    """Directors mark a tenant (or one instalment) under litigation or a payment plan; who
    entered it and when are kept."""

    form = PauseForm
    list_display = ("locataire", "impaye_reference", "type_pause", "debut", "fin", "motif", "cree_par", "cree_le")
    list_select_related = ("locataire", "cree_par")
    list_filter = ("type_pause",)
    search_fields = ("locataire__code", "impaye_reference")
    raw_id_fields = ("locataire",)
    readonly_fields = ("cree_par", "cree_le")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.cree_par = request.user
        super().save_model(request, obj, form, change)
