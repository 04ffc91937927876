"""Telling one unique constraint's violation from any other integrity error."""
from django.db import IntegrityError


def contrainte_violee(erreur: IntegrityError, nom: str, temoin) -> bool:
    """Whether `erreur` is the violation of unique constraint `nom`: PostgreSQL names the
    constraint; elsewhere (SQLite), whether the row it protects exists (`temoin`, a queryset)."""
    diag = getattr(erreur.__cause__, "diag", None)
    if diag is not None and diag.constraint_name:
        return diag.constraint_name == nom
    return temoin.exists()
