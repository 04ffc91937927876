"""Admin: directors edit the ladder's steps; the history and the letters are read-only."""
from django.contrib import admin

from relances.models import Etape, Passage


@admin.register(Etape)
class EtapeAdmin(admin.ModelAdmin):
    list_display = ("jours_retard", "type_etape", "libelle", "active")
    list_editable = ("active",)


@admin.register(Passage)
class PassageAdmin(admin.ModelAdmin):
    list_display = ("jour", "locataire", "de", "vers", "motif", "travail")
    list_select_related = ("locataire", "de", "vers")
    list_filter = ("motif", "vers")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
