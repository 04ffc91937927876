"""Display helpers of the directors' dashboard."""
from django import template

from akig_ops.templatetags.akig import Formats
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
    return Formats().signe(valeur)
