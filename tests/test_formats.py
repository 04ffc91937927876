"""fr-FR numbers and money as every page shows them (akig_ops.lib.formats.Formats)."""
from decimal import Decimal

import pytest

from akig_ops.lib.formats import Formats
from akig_ops.templatetags.akig import montant

NBSP = "\u00a0"


@pytest.mark.parametrize("valeur, decimales, texte", [
    (0, 0, "0"),
    (5, 0, "5"),
    (1234567, 0, f"1{NBSP}234{NBSP}567"),
    (Decimal("82.4"), 1, "82,4"),
    (Decimal("-1234.5"), 2, f"-1{NBSP}234,50"),
    (Decimal("-0.004"), 2, "0,00"),  # no "-0,00"
    (Decimal("-0.00"), 2, "0,00"),
    (None, 2, ""),
])
def test_nombre(valeur, decimales, texte):
    assert Formats().nombre(valeur, decimales) == texte


def test_montant():
    assert montant(Decimal("1234.5")) == f"1{NBSP}234,50{NBSP}€"
    assert montant(Decimal("0")) == f"0,00{NBSP}€"
    assert montant(None) == ""


@pytest.mark.parametrize("valeur, texte", [
    (3, "+3"),
    (-2, "\u22122"),  # a true minus
    (0, "0"),
    (1500, f"+1{NBSP}500"),
    (Decimal("12000.01"), f"+12{NBSP}000,01{NBSP}€"),
    (Decimal("-2000.00"), f"\u22122{NBSP}000,00{NBSP}€"),
    (Decimal("-0.004"), f"0,00{NBSP}€"),  # rounds to zero: no sign
    (Decimal("0.00"), f"0,00{NBSP}€"),
    (None, "—"),
])
def test_signe(valeur, texte):
    assert Formats().signe(valeur) == texte


@pytest.mark.parametrize(("numero", "lien"), [
    ("+33 6 48 94 93 39", "tel:+33648949339"),
    ("06 12 34 56 78", "tel:0612345678"),
    ("06.12.34.56.78", "tel:0612345678"),
    ("", "tel:"),
])
def test_tel_dials_the_number_without_its_spaces(numero, lien):
    from akig_ops.templatetags.akig import tel

    assert tel(numero) == lien


@pytest.mark.django_db
def test_options_choix_escape_code_and_name_as_the_template_did():
    """The site pickers' options (akig.options_choix): from a queryset (two columns read) or from
    objects, by code, escaped as {{ }} escaped them."""
    from django.template import Context, Template

    from recovery.selectors import sites_choix
    from tests.factories import SiteFactory

    SiteFactory(code="B&2", nom='Les "Tilleuls" <Est>')
    SiteFactory(code="A1", nom="Marcadet")
    attendu = ('<option value="A1">Marcadet</option>'
               '<option value="B&amp;2">Les &quot;Tilleuls&quot; &lt;Est&gt;</option>')
    gabarit = Template("{% load akig %}{{ sites|options_choix }}")
    assert gabarit.render(Context({"sites": sites_choix()})) == attendu
    assert gabarit.render(Context({"sites": list(sites_choix())})) == attendu
    ancien = Template('{% for s in sites %}<option value="{{ s.code }}">{{ s.nom }}</option>{% endfor %}')
    assert ancien.render(Context({"sites": sites_choix()})) == attendu
