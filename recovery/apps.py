from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from akig_ops import roles


def donner_droits_direction(**kwargs) -> None:
    """post_migrate: Direction enters the pauses (litigation, payment plans) in the admin."""
    # Not at the top: apps.py is imported while the app registry loads, before any model.
    from django.contrib.auth.models import Group, Permission

    groupe = Group.objects.filter(name=roles.DIRECTION).first()
    if groupe is None:
        return
    groupe.permissions.add(*Permission.objects.filter(
        content_type__app_label="recovery", codename__in=["add_pause", "change_pause", "delete_pause"]))


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = _("Recouvrement")

    def ready(self):
        post_migrate.connect(donner_droits_direction, sender=self)
