"""Admin: directors edit the rules' thresholds and the agents' leave periods; the rest is
read-only here (escalations change state through their page, which keeps the timeline)."""
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from akig_ops.lib.cache_donnees import donnees_modifiees
from escalations.apercu import apercu_regle, libelles_sujets, resume_valeur
from escalations.models import AttenteRegle, Conge, Escalade, Evenement, Message, Regle


# What the preview replays with the edited values.
CHAMPS_REJOUES = ("seuil", "retard_min", "duree_min", "delai_resolution_min")


@admin.register(Regle)
class RegleAdmin(admin.ModelAdmin):
    list_display = ("nom", "type", "severite", "active", "seuil", "retard_min", "compter_pauses", "duree_min",
                    "niveau_initial", "delai_relance_min", "delai_resolution_min")
    list_editable = ("active", "seuil")
    readonly_fields = ("code", "type")
    # Adds « Aperçu »: the form's values sent to apercu_view, not saved.
    change_form_template = "admin/escalations/regle/change_form.html"

    def has_add_permission(self, request):
        return False  # one row per runbook alert, seeded by the migrations

    def get_exclude(self, request, obj=None):
        # The legal list's amount is the overall impayés rule's (seuils_alertes reads it there).
        if obj is None or obj.type != Regle.Type.IMPAYES_CRITIQUES:
            return ("seuil_contentieux",)
        return ()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The cached pages show the thresholds and count past the delay: a new generation.
        donnees_modifiees()

    def get_urls(self):
        apercu = path("<path:object_id>/apercu/", self.admin_site.admin_view(self.apercu_view),
                      name="escalations_regle_apercu")
        return [apercu, *super().get_urls()]

    def apercu_view(self, request, object_id):
        """« Aperçu »: the rule with the posted values (its change form's, not saved) replayed
        over the recent past beside the saved rule (escalations.apercu). GET: the saved rule."""
        enregistree = self.get_object(request, object_id)
        if enregistree is None:
            raise Http404
        if not self.has_change_permission(request, enregistree):
            raise PermissionDenied
        edition = Regle.objects.get(pk=enregistree.pk)
        form = None
        if request.method == "POST":
            form = self.get_form(request, edition, change=True)(request.POST, instance=edition)
            if form.is_valid():
                edition = form.save(commit=False)  # in memory only: nothing is written
        erreurs = form is not None and not form.is_valid()
        contexte = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": enregistree,
                    "title": _("Aperçu : %(regle)s") % {"regle": enregistree.nom}, "form": form, "erreurs": erreurs}
        if not erreurs:
            apercu = apercu_regle(edition=edition, enregistree=enregistree)
            libelles = libelles_sujets([*apercu["edition"], *apercu["enregistree"]])
            contexte.update({
                "apercu": apercu,
                "modifiee": any(getattr(edition, champ) != getattr(enregistree, champ) for champ in CHAMPS_REJOUES),
                "colonnes": [
                    (titre, regle, [{"instant": o.instant, "libelle": libelles[o.sujet], "resume": resume_valeur(o.valeur)}
                                    for o in apercu[cle]])
                    for titre, regle, cle in ((_("Avec les valeurs saisies"), edition, "edition"),
                                              (_("Avec la règle enregistrée"), enregistree, "enregistree"))
                ],
            })
        return TemplateResponse(request, "admin/escalations/regle/apercu.html", contexte, status=400 if erreurs else 200)

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
