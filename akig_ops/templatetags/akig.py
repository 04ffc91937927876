"""Display helpers shared by every template: money in the fr-FR way, the user's role."""
from html import escape as echapper

from django import template
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.dispatch import receiver
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from akig_ops import roles
from akig_ops.lib.formats import Formats

register = template.Library()
# The active language's Formats, made once (get_format's lookups were a tenth of a page's
# rendering when each cell made its own); forgotten when a test changes the settings.
_FORMATS: dict[str, Formats] = {}


@receiver(setting_changed)
def _formats_oublies(**kwargs) -> None:
    _FORMATS.clear()


def _formats() -> Formats:
    langue = get_language()
    if langue not in _FORMATS:
        _FORMATS[langue] = Formats()
    return _FORMATS[langue]


@register.filter
def montant(value) -> str:
    """1234.5 -> '1 234,50 €' (the currency symbol is settings.AKIG_DEVISE)."""
    return _formats().montant(value)


@register.filter
def montant_seuil(value) -> str:
    """A threshold: 10000 -> '10 000 €', 10000.5 -> '10 000,50 €'."""
    return _formats().montant_seuil(value)


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


@register.filter
def options_choix(choix) -> str:
    """A picker's <option value="code">nom</option> lines, escaped, from objects with `code`
    and `nom` (a queryset reads only those two columns): one join in Python, not a template loop
    (1 500 sites took ~40 ms to draw that way at `xlarge`)."""
    lignes = choix.values_list("code", "nom") if isinstance(choix, QuerySet) else ((c.code, c.nom) for c in choix)
    # html.escape is what django.utils.html.escape calls (format_html_join: 3× slower here).
    return mark_safe("".join(f'<option value="{echapper(code)}">{echapper(nom)}</option>' for code, nom in lignes))


@register.filter
def lignes_impayes(rangees) -> str:
    """The by-site analysis's <tr> rows (dashboard.views._rangees_impayes, every cell already
    formatted), escaped, in one join in Python: the template loop of a page's ~700 cells was a
    fifth of the runbook link's page at `xlarge`. The very HTML the loop drew."""
    def cellule_tranche(tranche) -> str:
        if not tranche:
            return '<td class="n secondaire">—</td>'
        return f'<td class="n secondaire">{echapper(tranche[0])}<br><small>{echapper(tranche[1])}</small></td>'

    def ligne(r) -> str:
        sensible = f'<span class="badge">{echapper(r["sensible"])}</span>' if r["sensible"] else ""
        agents = ", ".join(f"<span>{echapper(agent)}</span>" for agent in r["agents"]) or "—"
        return (
            "\n    <tr>\n"
            f'      <td><a href="{echapper(r["url"])}"><strong>{echapper(r["code"])}</strong> — {echapper(r["nom"])}</a></td>\n'
            f'      <td class="secondaire">{sensible}</td>\n'
            f'      <td class="n secondaire">{echapper(r["nb"])}</td>\n'
            f'      <td class="n">{echapper(r["montant"])}</td>\n'
            f'      <td class="n">{echapper(r["retard_max"])}&nbsp;j</td>\n'
            f'      <td class="n secondaire">{echapper(r["part"])}&nbsp;%</td>\n'
            f'      <td class="n secondaire">{echapper(r["variation_nb"])}</td>\n'
            f'      <td class="n secondaire">{echapper(r["variation_montant"])}</td>\n'
            f'      {"".join(cellule_tranche(tranche) for tranche in r["tranches"])}\n'
            f'      <td class="agents secondaire">{agents}</td>\n'
            "    </tr>\n  "
        )

    return mark_safe("".join(ligne(r) for r in rangees))
