"""The runbook's two alerts as editable rules, with its defaults; the PDG group."""
from decimal import Decimal

from django.db import migrations

REGLES = [
    # Runbook "Impayés Critiques": > 50 impayés with retard > 60 days → PDG and Direction.
    dict(code="impayes-critiques", nom="Impayés critiques", type="impayes_critiques", severite="critique",
         seuil=Decimal("50"), retard_min=60, duree_min=0, niveau_initial=3,
         delai_relance_min=120, delai_resolution_min=60),
    # The same, per site, so the report says where: a site with more than 10 → Direction.
    dict(code="impayes-critiques-site", nom="Impayés critiques sur un site", type="impayes_critiques_site",
         severite="critique", seuil=Decimal("10"), retard_min=60, duree_min=0, niveau_initial=2,
         delai_relance_min=240, delai_resolution_min=60),
    # Runbook "Performance Agents Très Basse": score < 5 for 2 h → the team lead.
    dict(code="score-agent-bas", nom="Performance agent très basse", type="score_agent", severite="avertissement",
         seuil=Decimal("5"), retard_min=0, duree_min=120, niveau_initial=1,
         delai_relance_min=60, delai_resolution_min=30),
]


def creer(apps, schema_editor):
    Regle = apps.get_model("escalations", "Regle")
    for regle in REGLES:
        Regle.objects.update_or_create(code=regle["code"], defaults=regle)
    apps.get_model("auth", "Group").objects.get_or_create(name="PDG")


def supprimer(apps, schema_editor):
    apps.get_model("escalations", "Regle").objects.filter(code__in=[r["code"] for r in REGLES]).delete()
    apps.get_model("auth", "Group").objects.filter(name="PDG").delete()


class Migration(migrations.Migration):
    dependencies = [("escalations", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(creer, supprimer)]
