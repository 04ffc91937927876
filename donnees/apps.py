from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonneesConfig(AppConfig):
    """The jobs that span the domain apps: demo data, CSV import, bench, restore drill.

    It sits above recovery, agents, escalations and dashboard: it imports them, none of
    them imports it (each contributes through the conventions of `donnees.registre`).
    """

    name = "donnees"
    verbose_name = _("Données")
