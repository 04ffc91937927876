"""One check of each kind of value, at the edge: the field API's schemas, the CSV import, the
forms and the query strings all call these, so a value refused in one place is refused in all.

Bounds a business can have (settings, read from the environment):
- instants (an action, a GPS position): between AKIG_INSTANT_MIN (2000-01-01) and now plus
  AKIG_AVANCE_MAX (a day: phones' clocks drift);
- calendar days (a mission, a due date): between AKIG_INSTANT_MIN and today plus
  AKIG_HORIZON_JOURS (two years of planning);
- amounts: 2 decimals, 0 to AKIG_MONTANT_MAX (1 000 000 € per action or debt), so a day's or
  a site's sums fit the widened columns (numeric(18,2));
- codes and references: printable, one line, bounded; free text: no NUL (PostgreSQL text cannot
  hold one), no lone surrogate (not encodable in UTF-8), no control character but tab and newlines.

Each check raises ValeurInvalide with the French reason; the caller names the field.
"""
from __future__ import annotations

import datetime
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

# Categories refused in a code or a one-line text: controls (Cc: NUL, ESC, newline…),
# format characters (Cf: bidi overrides, zero-width), surrogates, private use, unassigned,
# line and paragraph separators.
_INTERDITS_CODE = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Free text keeps its line breaks and tabs, nothing else of the controls.
_CONTROLES_PERMIS = {"\t", "\n", "\r"}


class ValeurInvalide(ValueError):
    """A value refused; its message is the French reason shown to the user."""


def instant_min() -> datetime.datetime:
    """The earliest instant accepted (AKIG_INSTANT_MIN, midnight UTC)."""
    jour = getattr(settings, "AKIG_INSTANT_MIN", datetime.date(2000, 1, 1))
    return datetime.datetime.combine(jour, datetime.time(), tzinfo=datetime.UTC)


def instant_max() -> datetime.datetime:
    """The latest instant accepted: now plus AKIG_AVANCE_MAX."""
    return timezone.now() + getattr(settings, "AKIG_AVANCE_MAX", datetime.timedelta(days=1))


def jour_max() -> datetime.date:
    """The latest calendar day accepted: today plus AKIG_HORIZON_JOURS."""
    return timezone.localdate() + datetime.timedelta(days=getattr(settings, "AKIG_HORIZON_JOURS", 731))


def montant_max() -> Decimal:
    """The business ceiling of one amount (AKIG_MONTANT_MAX)."""
    return getattr(settings, "AKIG_MONTANT_MAX", Decimal("1000000"))


def _fr(jour: datetime.date) -> str:
    return f"{jour:%d/%m/%Y}"


def _caractere_interdit(valeur: str, *, une_ligne: bool) -> str | None:
    """The French reason the first forbidden character of `valeur` is refused, or None."""
    for caractere in valeur:
        categorie = unicodedata.category(caractere)
        if caractere == "\x00":
            return "caractère NUL (octet 0) interdit"
        if categorie == "Cs":
            return "caractère invalide (demi-paire de substitution UTF-16)"
        if une_ligne and caractere in "\r\n\u2028\u2029\x85":
            return "retour à la ligne interdit (une seule ligne)"
        if une_ligne and categorie in _INTERDITS_CODE:
            return f"caractère de contrôle U+{ord(caractere):04X} interdit"
        if not une_ligne and categorie == "Cc" and caractere not in _CONTROLES_PERMIS:
            return f"caractère de contrôle U+{ord(caractere):04X} interdit"
    return None


def texte(valeur: str, *, max_length: int | None = None, une_ligne: bool = False) -> str:
    """Return `valeur` when it is text a database and a page can hold (no NUL, no lone
    surrogate, no control character but tab and line breaks; one line when `une_ligne`) and
    at most `max_length` characters; raise ValeurInvalide otherwise."""
    if not isinstance(valeur, str):
        raise ValeurInvalide("texte attendu")
    # Fast path: printable ASCII or Latin text, the common case of big imports.
    if not valeur.isprintable():
        motif = _caractere_interdit(valeur, une_ligne=une_ligne)
        if motif:
            raise ValeurInvalide(motif)
    if max_length is not None and len(valeur) > max_length:
        raise ValeurInvalide(f"trop long ({len(valeur)} caractères, {max_length} au plus)")
    return valeur


def code(valeur: str, *, max_length: int) -> str:
    """A code or a reference: printable, one line, at most `max_length` characters."""
    return texte(valeur, max_length=max_length, une_ligne=True)


def montant(valeur: Decimal, *, texte_brut: str | None = None) -> Decimal:
    """Return the amount rounded to the cent when it is finite, ≥ 0, with at most 2 decimals
    and at most AKIG_MONTANT_MAX; raise ValeurInvalide otherwise."""
    vu = valeur if texte_brut is None else texte_brut
    if not isinstance(valeur, Decimal) or not valeur.is_finite():
        raise ValeurInvalide(f"montant non numérique « {vu} »")
    if valeur < 0:
        raise ValeurInvalide(f"montant négatif « {vu} »")
    if valeur.as_tuple().exponent < -2:
        raise ValeurInvalide(f"montant « {vu} » : plus de 2 décimales")
    plafond = montant_max()
    if valeur > plafond:
        raise ValeurInvalide(f"montant « {vu} » au-dessus du plafond ({_euros(plafond)})")
    return valeur.quantize(Decimal("0.01"))


def _euros(valeur: Decimal) -> str:
    """1 000 000,00 € (fr-FR, narrow no-break spaces): lib/formats needs a locale, this does not."""
    entier, _, decimales = f"{valeur:.2f}".partition(".")
    groupes = f"{int(entier):,}".replace(",", "\u202f")
    return f"{groupes},{decimales}\u00a0€"


def instant(valeur: datetime.datetime, *, texte_brut: str | None = None) -> datetime.datetime:
    """Return the aware instant when it lies between AKIG_INSTANT_MIN and now plus
    AKIG_AVANCE_MAX; raise ValeurInvalide otherwise."""
    vu = valeur.isoformat() if texte_brut is None else texte_brut
    if valeur.utcoffset() is None:
        raise ValeurInvalide(f"date-heure sans fuseau « {vu} »")
    try:
        dedans = instant_min() <= valeur <= instant_max()
    except OverflowError:  # a far future in an odd offset
        dedans = False
    if not dedans:
        raise ValeurInvalide(
            f"date-heure « {vu} » hors des bornes (du {_fr(instant_min().date())} "
            f"au {_fr(instant_max().date())})"
        )
    return valeur


def jour(valeur: datetime.date, *, texte_brut: str | None = None) -> datetime.date:
    """Return the calendar day when it lies between AKIG_INSTANT_MIN and today plus
    AKIG_HORIZON_JOURS; raise ValeurInvalide otherwise."""
    vu = valeur.isoformat() if texte_brut is None else texte_brut
    if not instant_min().date() <= valeur <= jour_max():
        raise ValeurInvalide(
            f"date « {vu} » hors des bornes (du {_fr(instant_min().date())} au {_fr(jour_max())})"
        )
    return valeur


def entier(texte_brut: str, *, mini: int, maxi: int) -> int:
    """An integer written in decimal, within [mini, maxi]; raise ValeurInvalide otherwise."""
    brut = texte_brut.strip()
    if not (brut.isascii() and brut.lstrip("-").isdigit()) or len(brut) > 12:
        raise ValeurInvalide("nombre entier attendu")
    valeur = int(brut)
    if not mini <= valeur <= maxi:
        raise ValeurInvalide(f"{valeur} hors de l'intervalle [{mini}, {maxi}]")
    return valeur
