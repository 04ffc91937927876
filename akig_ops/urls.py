from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from agents.api import api as api_terrain
from akig_ops import views, views_ops
from dashboard.views import resume_api

admin.site.site_header = _("AKIG Ops — administration")
admin.site.site_title = _("AKIG Ops")
admin.site.index_title = _("Données")

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("dashboard/", include("dashboard.urls")),
    path("agents/", include("agents.urls")),
    path("promesses/", include("agents.urls_promesses")),
    path("api/terrain/", api_terrain.urls),
    path("api/health", views_ops.sante_api, name="api-health"),
    path("api/dashboard/resume", resume_api, name="api-dashboard-resume"),
    path("metrics", views_ops.metriques, name="metrics"),
    path("escalations/", include("escalations.urls")),
]

handler500 = "akig_ops.views_ops.erreur_serveur"
