"""The ladder's default steps (docs/relances.md); directors edit them in the admin."""
from django.db import migrations

DEFAUTS = [
    (10, "sms", "SMS de rappel"),
    (20, "appel", "Appel"),
    (35, "visite", "Visite"),
    (50, "mise_en_demeure", "Mise en demeure"),
    (60, "juridique", "Dossier juridique"),
]


def creer(apps, schema_editor):
    Etape = apps.get_model("relances", "Etape")
    for jours, type_etape, libelle in DEFAUTS:
        Etape.objects.get_or_create(jours_retard=jours, defaults={"type_etape": type_etape, "libelle": libelle})


def supprimer(apps, schema_editor):
    Etape = apps.get_model("relances", "Etape")
    Etape.objects.filter(jours_retard__in=[jours for jours, _, _ in DEFAUTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("relances", "0001_initial")]

    operations = [migrations.RunPython(creer, supprimer)]
