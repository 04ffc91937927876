from django.urls import path

from escalations import views

app_name = "escalations"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:escalade_id>/", views.detail, name="detail"),
    path("<int:escalade_id>/prise-en-charge/", views.prendre_en_charge, name="prendre_en_charge"),
    path("<int:escalade_id>/resolution/", views.resoudre, name="resoudre"),
    path("<int:escalade_id>/action/", views.action, name="action"),
    path("<int:escalade_id>/reassigner/", views.reassigner, name="reassigner"),
    path("<int:escalade_id>/campagne.csv", views.campagne, name="campagne"),
    path("<int:escalade_id>/rapports/<int:rapport_id>.pdf", views.rapport, name="rapport"),
]
