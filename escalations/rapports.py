"""The PDF reports (WeasyPrint), built on the server from the data: no browser, no screenshot.

Called by the outbox's sending task (a Celery worker), never in a request: WeasyPrint takes
~0.3 s a page. Templates: templates/pdf/<type>.html on pdf/base.html (A4, header, footer
"page X / Y"); figures: escalations/figures_svg.py (matplotlib SVG).
"""
import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalations import donnees_rapports
from escalations.models import Escalade, Rapport, TypeRapport

# WeasyPrint logs every layout step at INFO: keep the workers' logs readable.
logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

# The report's title and file name per type.
TITRES = {
    TypeRapport.IMPAYES: _("Impayés critiques"),
    TypeRapport.AGENT: _("Performance agent très basse"),
    TypeRapport.HEBDO: _("Synthèse hebdomadaire des escalades"),
}
FICHIERS = {
    TypeRapport.IMPAYES: "impayes-critiques",
    TypeRapport.AGENT: "performance-agent",
    TypeRapport.HEBDO: "synthese-hebdomadaire",
}
CONSTRUCTEURS = {
    TypeRapport.IMPAYES: donnees_rapports.donnees_impayes,
    TypeRapport.AGENT: donnees_rapports.donnees_agent,
    TypeRapport.HEBDO: donnees_rapports.donnees_hebdo,
}


# The reports that cover every escalation of a grouped email.
GROUPABLES = {TypeRapport.IMPAYES, TypeRapport.AGENT}

_polices = None


def _configuration_polices():
    """One fontconfig set-up per worker process (WeasyPrint builds one per document otherwise)."""
    global _polices
    if _polices is None:
        from weasyprint.text.fonts import FontConfiguration  # heavy import: workers only

        _polices = FontConfiguration()
    return _polices


def pdf_rendre(*, type_rapport: str, escalade: Escalade | None = None, escalades: list[Escalade] | None = None,
               maintenant: datetime.datetime | None = None) -> tuple[bytes, int]:
    """Return (the PDF's bytes, its page count) for this report, built from today's data.
    `escalades`: every escalation of a grouped email (the impayés and agent reports cover them all)."""
    from weasyprint import HTML  # heavy import: workers only

    maintenant = maintenant or timezone.now()
    groupe = {"escalades": escalades} if escalades and type_rapport in GROUPABLES else {}
    with transaction.atomic():
        # (JIT is off for the app's connections, settings.DATABASES: the legal list's
        # correlated subqueries used to cost 0.8 s of compiling for 0.1 s of work.)
        donnees = CONSTRUCTEURS[type_rapport](escalade=escalade, maintenant=maintenant, **groupe)
    contexte = {
        "titre": TITRES[type_rapport],
        "escalade": escalade,
        "genere_le": timezone.localtime(maintenant),
        "base_url": settings.AKIG_BASE_URL,
        **donnees,
    }
    html = render_to_string(f"pdf/{type_rapport}.html", contexte)
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render(font_config=_configuration_polices())
    return document.write_pdf(), len(document.pages)


def rapport_generer(*, type_rapport: str, escalade: Escalade | None = None,
                    escalades: list[Escalade] | None = None) -> Rapport:
    """Build the report (about `escalades` too, see pdf_rendre) and keep it with its
    escalation, if any; return it."""
    maintenant = timezone.now()
    contenu, pages = pdf_rendre(type_rapport=type_rapport, escalade=escalade, escalades=escalades,
                                maintenant=maintenant)
    suffixe = f"-{escalade.pk}" if escalade else ""
    nom = f"{FICHIERS[type_rapport]}{suffixe}-{timezone.localtime(maintenant):%Y-%m-%d-%Hh%M}.pdf"
    return Rapport.objects.create(
        type=type_rapport, escalade=escalade, cree_le=maintenant, nom_fichier=nom, contenu=contenu, pages=pages
    )
