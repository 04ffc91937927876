"""Display helpers shared by every template: money in the fr-FR way, the user's role."""
from django import template

from akig_ops import roles
from akig_ops.lib.formats import Formats

register = template.Library()


@register.filter
def montant(value) -> str:
    """1234.5 -> '1 234,50 €' (the currency symbol is settings.AKIG_DEVISE)."""
    return Formats().montant(value)


@register.filter
def montant_seuil(value) -> str:
    """A threshold: 10000 -> '10 000 €', 10000.5 -> '10 000,50 €'."""
    return Formats().montant_seuil(value)


@register.filter
def est_direction(user) -> bool:
    """True for a director (the dashboard's audience)."""
    return user.is_authenticated and roles.is_direction(user)


@register.filter
def est_direction_ou_chef(user) -> bool:
    """True for a director or a team lead (the roll-rate page's audience)."""
    return user.is_authenticated and roles.is_direction_ou_chef_equipe(user)


@register.filter
def tel(numero) -> str:
    """'+33 6 48 94 93 39' -> 'tel:+33648949339': the href that dials the number on a phone."""
    texte = str(numero or "").strip()
    chiffres = "".join(c for c in texte if c.isdigit())
    return f"tel:{'+' if texte.startswith('+') else ''}{chiffres}"
