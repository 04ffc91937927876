"""fr-FR numbers and money, as every page, PDF and CSV shows them."""
from decimal import Decimal

from django.conf import settings
from django.utils.formats import get_format

CENTIME = Decimal("0.01")


class Formats:
    """fr-FR numbers and money, the locale's separators read once: a view that formats a
    table's few hundred cells makes one of these (each filter below makes its own).

    Python's grouping, then the locale's separators, at a fraction of number_format's cost;
    unlike it, rounded half to even (2,355 → 2,36) rather than cut."""

    def __init__(self):
        self.decimale = get_format("DECIMAL_SEPARATOR")
        self.milliers = get_format("THOUSAND_SEPARATOR")

    def nombre(self, value, decimales: int = 0) -> str:
        """1234.5 -> '1 234,5' with `decimales` digits; '' for None."""
        if value is None or value == "":
            return ""
        anglais = f"{Decimal(value):,.{int(decimales)}f}"
        if anglais.startswith("-") and not anglais.strip("-0.,"):
            anglais = anglais[1:]  # −0,004 shown to the cent is 0,00, not -0,00
        return anglais.replace(",", "\0").replace(".", self.decimale).replace("\0", self.milliers)

    def montant(self, value) -> str:
        """1234.5 -> '1 234,50 €' (the currency symbol is settings.AKIG_DEVISE)."""
        if value is None or value == "":
            return ""
        return f"{self.nombre(value, 2)}\u00a0{settings.AKIG_DEVISE}"

    def montant_seuil(self, value) -> str:
        """A threshold in euros: '10 000 €' when it has no cents, '10 000,50 €' otherwise."""
        if value is None or value == "":
            return ""
        decimales = 0 if Decimal(value) == Decimal(value).to_integral_value() else 2
        return f"{self.nombre(value, decimales)}\u00a0{settings.AKIG_DEVISE}"

    def signe(self, valeur) -> str:
        """A change with its sign: +3, −2 (a true minus), 0; money as '+1 234,50 €'; '—' if unknown."""
        if valeur is None:
            return "—"
        if isinstance(valeur, Decimal):
            valeur = valeur.quantize(CENTIME)  # the sign of what is shown, to the cent
        texte = self.montant(abs(valeur)) if isinstance(valeur, Decimal) else self.nombre(abs(valeur))
        if valeur > 0:
            return f"+{texte}"
        if valeur < 0:
            return f"\u2212{texte}"
        return texte
