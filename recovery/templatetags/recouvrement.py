"""Display helpers of recovery's words: an action's type and statut as their French labels."""
from django import template

from recovery.models import StatutAction, TypeAction

register = template.Library()
# The codes, once (TypeAction.values builds its list again at each call: per row of a table).
TYPES, STATUTS = frozenset(TypeAction.values), frozenset(StatutAction.values)


@register.filter
def libelle_action(code) -> str:
    """An action's type code ('sms', 'visite') as its French label ('SMS', 'Visite');
    an unknown code as is; '' for none."""
    if not code:
        return ""
    return str(TypeAction(code).label) if code in TYPES else code


@register.filter
def libelle_statut(statut) -> str:
    """A statut as shown: the demo's words ('realisee') as their label ('Réalisée'); the
    field system's own words (free text, e.g. 'RDV pris') as sent."""
    return str(StatutAction(statut).label) if statut in STATUTS else statut
