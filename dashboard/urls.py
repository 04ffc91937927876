from django.urls import path

from dashboard import views, views_roulement

app_name = "dashboard"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    # Exactly the runbook's link: /dashboard/impayes?filter=retard:60+
    path("impayes", views.impayes, name="impayes"),
    path("impayes.csv", views.impayes_csv, name="impayes_csv"),
    path("sites/choix", views.sites_suggeres, name="sites_choix"),
    path("sites/<int:site_id>/", views.site, name="site"),
    path("sites/<int:site_id>/locataires.csv", views.site_csv, name="site_csv"),
    path("locataires/<int:locataire_id>/", views.locataire, name="locataire"),
    path("locataires/<int:locataire_id>/lettres/<int:lettre_id>.pdf", views.lettre, name="lettre"),
    path("contentieux/", views.contentieux, name="contentieux"),
    path("contentieux.csv", views.contentieux_csv, name="contentieux_csv"),
    path("roulement", views_roulement.roulement, name="roulement"),
    path("roulement.csv", views_roulement.roulement_csv, name="roulement_csv"),
]
