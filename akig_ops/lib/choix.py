"""What a picker's field names: a code, a name, or a piece of a name only one row has.

The pickers (team, site) send a code; a link or a hand-typed value may carry a name instead
(« Nord », « Marcadet »). One rule for every filter: `choix_trouver`.
"""
from django.db.models import Q, QuerySet


def choix_trouver(lignes: QuerySet, saisie: str):
    """Return the row of `lignes` (a model with `code` and `nom`) that `saisie` names: its code
    or its name (case aside), else the only row whose name or code contains it; None when no
    row, or several, match. Two queries at most."""
    texte = " ".join(saisie.split())
    if not texte:
        return None
    exacte = lignes.filter(Q(code__iexact=texte) | Q(nom__iexact=texte)).order_by("code").first()
    if exacte is not None:
        return exacte
    partielles = list(lignes.filter(Q(code__icontains=texte) | Q(nom__icontains=texte)).order_by("code")[:2])
    return partielles[0] if len(partielles) == 1 else None
