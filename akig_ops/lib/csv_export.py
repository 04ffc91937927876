"""CSV exports the way Excel in France opens them: UTF-8 with a BOM, `;` between cells,
decimal commas, French headers; streamed row by row (a 100,000-row export is never built
in memory); text cells that a spreadsheet would run as a formula are neutralised.

Every download of the app goes through `csv_reponse`: the dashboard's tables, an agent's trail."""
import csv
import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

BOM = "\ufeff"
# A cell starting with one of these is a formula to Excel / LibreOffice (CSV injection).
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


class _Tampon:
    """csv.writer writes into this and gets the line back (Django's streaming CSV recipe)."""

    def write(self, valeur: str) -> str:
        return valeur


def cellule(valeur) -> str:
    """One cell: decimal comma for numbers, dd/mm/yyyy (HH:MM local) for dates, '' for None,
    text prefixed with an apostrophe if it would start a formula."""
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if isinstance(valeur, (Decimal, int, float)):
        return str(valeur).replace(".", ",")
    if isinstance(valeur, datetime.datetime):
        return f"{timezone.localtime(valeur):%d/%m/%Y %H:%M}"
    if isinstance(valeur, datetime.date):
        return f"{valeur:%d/%m/%Y}"
    return sans_formule(str(valeur))


def sans_formule(texte: str) -> str:
    """`texte`, prefixed with an apostrophe if a spreadsheet would run it as a formula."""
    return "'" + texte if texte.startswith(DEBUTS_DE_FORMULE) else texte


def csv_reponse(*, nom_fichier: str, entetes: list[str], lignes: Iterable[list]) -> StreamingHttpResponse:
    """Return a streamed CSV download of `entetes` then `lignes` (lists of raw values)."""
    writer = csv.writer(_Tampon(), delimiter=";", lineterminator="\r\n")

    def flux():
        yield BOM + writer.writerow(entetes)
        for ligne in lignes:
            yield writer.writerow([cellule(valeur) for valeur in ligne])

    reponse = StreamingHttpResponse(flux(), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = f'attachment; filename="{nom_fichier}"'
    # Tenants' names, phones, debts; agents' positions: kept in no cache, shared or local.
    reponse["Cache-Control"] = "private, no-store"
    return reponse
