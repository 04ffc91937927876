"""Admin of teams, agents, missions, daily performance and GPS positions.

GPS positions run to tens of millions of rows: exact agent-code search only,
newest first through the primary key, and no unfiltered COUNT(*).
"""
from django.contrib import admin

from agents.models import AgentGeolocalisation, Agent, Equipe, Mission, PerformanceHistorique


@admin.register(Equipe)
class EquipeAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "chef")
    list_select_related = ("chef",)
    search_fields = ("code", "nom")
    autocomplete_fields = ("chef",)


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("code", "nom", "equipe", "email", "telephone", "actif")
    list_select_related = ("equipe",)
    list_filter = ("actif", "equipe")
    search_fields = ("code", "nom", "email")
    autocomplete_fields = ("equipe",)


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ("reference", "date_prevue", "heure_debut", "heure_fin", "agent", "site", "status")
    list_select_related = ("agent", "site")
    list_filter = ("status", "agent__equipe", "site")
    search_fields = ("reference__exact", "agent__code__exact", "site__code__exact")
    date_hierarchy = "date_prevue"
    autocomplete_fields = ("agent", "site")
    show_full_result_count = False


@admin.register(PerformanceHistorique)
class PerformanceHistoriqueAdmin(admin.ModelAdmin):
    list_display = (
        "date_stat", "agent", "score", "visites", "promesses", "paiements", "refus",
        "montant_recouvre",
    )
    list_select_related = ("agent",)
    list_filter = ("agent__equipe",)
    search_fields = ("agent__code__exact",)
    date_hierarchy = "date_stat"
    show_full_result_count = False

    # Rows are computed by agents.services.performance_compute: a hand edit would
    # be overwritten at its next run, so the admin only shows them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AgentGeolocalisation)
class AgentGeolocalisationAdmin(admin.ModelAdmin):
    list_display = ("timestamp", "agent", "latitude", "longitude", "precision_m")
    list_select_related = ("agent",)
    list_filter = ("timestamp",)
    search_fields = ("agent__code__exact",)
    autocomplete_fields = ("agent",)
    # Tens of millions of rows: sort along the (agent, timestamp) index, so one agent's
    # trail (the usual filter) or the whole list opens without scanning the table.
    ordering = ("-agent_id", "-timestamp")
    show_full_result_count = False
