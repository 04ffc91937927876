"""Display helpers of the directors' dashboard."""
from django import template

from recovery.models import TypeAction

register = template.Library()


@register.filter
def libelle_action(valeur: str | None) -> str:
    """'promesse' -> 'Promesse' (the action type's French label)."""
    if not valeur:
        return ""
    return TypeAction(valeur).label if valeur in TypeAction.values else valeur
