from django.urls import path

from agents import views

app_name = "agents"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:agent_id>/", views.detail, name="detail"),
    path("<int:agent_id>/trajet.csv", views.trajet_csv, name="trajet_csv"),
    path("<int:agent_id>/telephone/", views.telephone, name="telephone"),
]
