"""Display helpers shared by every template: money in the fr-FR way."""
from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.formats import number_format

register = template.Library()


@register.filter
def montant(value) -> str:
    """1234.5 -> '1 234,50 €' (the currency symbol is settings.AKIG_DEVISE)."""
    if value is None or value == "":
        return ""
    formatted = number_format(Decimal(value), decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{formatted}\u00a0{settings.AKIG_DEVISE}"


@register.filter
def est_direction(user) -> bool:
    """True for a director (the dashboard's audience)."""
    from akig_ops import roles

    return user.is_authenticated and roles.is_direction(user)
