from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from akig_ops import roles


def donner_droits_direction(**kwargs) -> None:
    """post_migrate: Direction edits the ladder's steps and reads its history in the admin."""
    # Not at the top: apps.py is imported while the app registry loads, before any model.
    from django.contrib.auth.models import Group, Permission

    groupe = Group.objects.filter(name=roles.DIRECTION).first()
    if groupe is None:
        return
    permissions = Permission.objects.filter(content_type__app_label="relances")
    groupe.permissions.add(*permissions.filter(codename__startswith="view_"),
                           *permissions.filter(codename__in=["add_etape", "change_etape", "delete_etape"]))


class RelancesConfig(AppConfig):
    name = "relances"
    verbose_name = _("Relances")

    def ready(self):
        post_migrate.connect(donner_droits_direction, sender=self)
