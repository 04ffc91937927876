from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from akig_ops.roles import grant_direction_view_permissions


class AgentsConfig(AppConfig):
    name = "agents"
    verbose_name = _("Agents de terrain")

    def ready(self):
        post_migrate.connect(grant_direction_view_permissions, sender=self)
