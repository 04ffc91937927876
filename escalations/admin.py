"""Admin: directors edit the rules' thresholds and the agents' leave periods; the rest is
read-only here (escalations change state through their page, which keeps the timeline)."""
from django.contrib import admin

from akig_ops.lib.cache_donnees import donnees_modifiees
from escalations.models import AttenteRegle, Conge, Escalade, Evenement, Message, Regle


@admin.register(Regle)
class RegleAdmin(admin.ModelAdmin):
    list_display = ("nom", "type", "severite", "active", "seuil", "retard_min", "duree_min",
                    "niveau_initial", "delai_relance_min", "delai_resolution_min")
    list_editable = ("active", "seuil")
    readonly_fields = ("code", "type")

    def has_add_permission(self, request):
        return False  # one row per runbook alert, seeded by the migrations

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The cached pages show the thresholds and count past the delay: a new generation.
        donnees_modifiees()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Conge)
class CongeAdmin(admin.ModelAdmin):
    list_display = ("agent", "debut", "fin", "motif")
    list_select_related = ("agent",)
    list_filter = ("agent__equipe",)
    search_fields = ("agent__code", "agent__nom")
    autocomplete_fields = ("agent",)
    date_hierarchy = "debut"


class LectureSeule(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EvenementInline(admin.TabularInline):
    model = Evenement
    fields = ("instant", "type", "action", "auteur", "message")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Escalade)
class EscaladeAdmin(LectureSeule):
    list_display = ("declenchee_le", "regle", "sujet", "etat", "niveau", "prise_en_charge_par", "resolue_le")
    list_select_related = ("regle", "prise_en_charge_par")
    list_filter = ("etat", "regle")
    inlines = [EvenementInline]


@admin.register(AttenteRegle)
class AttenteRegleAdmin(LectureSeule):
    list_display = ("regle", "sujet", "depuis", "vu_le")


@admin.register(Message)
class MessageAdmin(LectureSeule):
    list_display = ("cree_le", "sujet", "etat", "tentatives", "prochain_essai", "envoye_le", "derniere_erreur")
    list_filter = ("etat", "gabarit")
    exclude = ("corps_html",)
