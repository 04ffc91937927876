from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from agents.api import api as api_terrain
from akig_ops import views

admin.site.site_header = _("AKIG Ops — administration")
admin.site.site_title = _("AKIG Ops")
admin.site.index_title = _("Données")

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("agents/", include("agents.urls")),
    path("api/terrain/", api_terrain.urls),
]
