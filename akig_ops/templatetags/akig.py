"""Display helpers shared by every template: money in the fr-FR way."""
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.formats import get_format

register = template.Library()


@register.filter
def montant(value) -> str:
    """1234.5 -> '1 234,50 €' (the currency symbol is settings.AKIG_DEVISE)."""
    if value is None or value == "":
        return ""
    # Python's grouping, then the locale's separators: what number_format gives for cents,
    # at a fraction of its cost (a dashboard table shows a few hundred amounts).
    anglais = f"{Decimal(value):,.2f}"
    formatted = (
        anglais.replace(",", "\0")
        .replace(".", get_format("DECIMAL_SEPARATOR"))
        .replace("\0", get_format("THOUSAND_SEPARATOR"))
    )
    return f"{formatted}\u00a0{settings.AKIG_DEVISE}"


@register.filter
def est_direction(user) -> bool:
    """True for a director (the dashboard's audience)."""
    from akig_ops import roles

    return user.is_authenticated and roles.is_direction(user)


@register.filter
def libelle_action(code) -> str:
    """An action's type code ('sms', 'visite') as its French label ('SMS', 'Visite');
    an unknown code as is."""
    from recovery.models import TypeAction

    return str(dict(TypeAction.choices).get(code, code))


@register.filter
def libelle_statut(statut) -> str:
    """A statut as shown: the demo's words ('realisee') as their label ('Réalisée'); the
    field system's own words (free text, e.g. 'RDV pris') as sent."""
    from recovery.models import StatutAction

    return str(dict(StatutAction.choices).get(statut, statut))
