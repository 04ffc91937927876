from django.urls import path

from agents import views_promesses

app_name = "promesses"

urlpatterns = [
    path("", views_promesses.liste, name="liste"),
    path("promesses.csv", views_promesses.export_csv, name="csv"),
]
