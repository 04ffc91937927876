"""The formal notice (mise en demeure) as PDF (WeasyPrint), built by the ladder's task from the
tenant's unpaid instalments: templates/pdf/mise_en_demeure.html on pdf/base.html."""
import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from recovery.selectors import locataire_dettes, locataire_lire

# WeasyPrint logs every layout step at INFO: keep the workers' logs readable.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


def lettre_pdf(*, locataire_id: int, aujourd_hui: datetime.date) -> tuple[bytes, Decimal]:
    """Return (the PDF's bytes, the amount still owed) of the tenant's formal notice on
    `aujourd_hui`: every unpaid instalment due by then with its period, due date, amount due,
    paid, still owed and days late."""
    from weasyprint import HTML  # heavy import: the ladder's worker only

    locataire = locataire_lire(locataire_id=locataire_id)
    # The instalments due by the letter's day, their days late counted on that day.
    echeances = sorted(
        ({**d, "retard": (aujourd_hui - d["date_echeance"]).days}
         for d in locataire_dettes(locataire_id=locataire_id)
         if d["solde_le"] is None and d["date_echeance"] <= aujourd_hui),
        key=lambda d: (d["date_echeance"], d["reference"]),
    )
    reste_du = sum((d["reste_du"] for d in echeances), Decimal("0.00"))
    html = render_to_string("pdf/mise_en_demeure.html", {
        "titre": gettext("Mise en demeure"),
        "genere_le": timezone.localtime(),
        "locataire": locataire,
        "echeances": echeances,
        "reste_du": reste_du,
        "jour": aujourd_hui,
        "delai": aujourd_hui + datetime.timedelta(days=8),
    })
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(), reste_du
