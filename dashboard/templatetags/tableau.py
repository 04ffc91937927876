"""Display helpers of the directors' dashboard."""
from decimal import Decimal

from django import template
from django.utils.formats import number_format

from akig_ops.templatetags.akig import montant
from recovery.models import TypeAction

register = template.Library()


@register.filter
def libelle_action(valeur: str | None) -> str:
    """'promesse' -> 'Promesse' (the action type's French label)."""
    if not valeur:
        return ""
    return TypeAction(valeur).label if valeur in TypeAction.values else valeur


@register.filter
def signe(valeur) -> str:
    """A change with its sign: +3, −2 (a true minus), 0; money as '+1 234,50 €'; '—' if unknown."""
    if valeur is None:
        return "—"
    texte = montant(abs(valeur)) if isinstance(valeur, Decimal) else number_format(abs(valeur), force_grouping=True)
    if valeur > 0:
        return f"+{texte}"
    if valeur < 0:
        return f"\u2212{texte}"
    return texte
