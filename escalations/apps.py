from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from akig_ops import roles


def donner_droits_direction(**kwargs) -> None:
    """post_migrate: Direction reads the escalation tables in the admin, edits the rules'
    thresholds and enters the agents' leave periods."""
    # Not at the top: apps.py is imported while the app registry loads, before any model.
    from django.contrib.auth.models import Group, Permission

    groupe = Group.objects.filter(name=roles.DIRECTION).first()
    if groupe is None:
        return
    codes = ["change_regle", "add_conge", "change_conge", "delete_conge"]
    permissions = Permission.objects.filter(content_type__app_label="escalations")
    groupe.permissions.add(*permissions.filter(codename__startswith="view_"), *permissions.filter(codename__in=codes))


class EscalationsConfig(AppConfig):
    name = "escalations"
    verbose_name = _("Escalades")

    def ready(self):
        post_migrate.connect(donner_droits_direction, sender=self)
        # Not at the top: selectors import the models, which load after apps.py.
        from agents.selectors import seuil_score_lecteur_enregistrer
        # Not at the top either, for the same reason.
        from escalations.selectors import seuils_alertes

        # The agents' pages (an app below this one) judge with the score rule's threshold.
        seuil_score_lecteur_enregistrer(lambda: seuils_alertes()["seuil_score"])
