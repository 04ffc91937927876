"""Vector figures of the PDF reports, drawn on the server by matplotlib as SVG.

Each function returns an `<img>`-ready data URI (WeasyPrint renders SVG natively, so the
figures stay sharp when printed). The non-interactive backend is forced: no display.
"""
import base64
import datetime
import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import ngettext

import matplotlib
import matplotlib.dates

matplotlib.use("svg")
from matplotlib import pyplot as plt  # noqa: E402  (after choosing the backend)
from matplotlib.figure import Figure  # noqa: E402

BLEU, ROUGE, GRIS, ORANGE, VERT = "#1f5f8b", "#b3261e", "#8a96a3", "#c77700", "#1a7f37"
plt.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 8, "axes.spines.top": False, "axes.spines.right": False,
    "svg.fonttype": "none", "svg.hashsalt": "akig",  # text stays text: WeasyPrint sets it in DejaVu, 3x faster than paths
})


def _figure(largeur: float, hauteur: float, *, pouces_gauche: float = 0.85):
    """A figure and its axes with fixed margins: a layout engine would draw everything twice."""
    figure, axe = plt.subplots(figsize=(largeur, hauteur))
    pouces_bas = 0.42
    figure.subplots_adjust(left=pouces_gauche / largeur, right=0.98, bottom=pouces_bas / hauteur,
                           top=1 - 0.12 / hauteur)
    return figure, axe


def _svg(figure: Figure) -> str:
    tampon = io.BytesIO()
    figure.savefig(tampon, format="svg", metadata={"Date": None})
    plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(tampon.getvalue()).decode("ascii")


def _euros(valeur: float) -> str:
    return f"{valeur:,.0f} €".replace(",", "\u202f")


def barres_anciennete(tranches: list[tuple[str, Decimal, int, bool]]) -> str:
    """Ageing of every debt still due on the sites concerned: one bar per bucket (label,
    amount, count, past the rule's retard), amounts written on the bars, those past it in red."""
    figure, axe = _figure(6.6, 2.4, pouces_gauche=0.95)
    libelles = [t[0] for t in tranches]
    montants = [float(t[1]) for t in tranches]
    couleurs = [ROUGE if t[3] else GRIS for t in tranches]
    barres = axe.bar(libelles, montants, color=couleurs)
    for barre, (_l, montant, nb, _rouge) in zip(barres, tranches):
        compte = ngettext("%(n)s impayé", "%(n)s impayés", nb) % {"n": f"{nb:,}".replace(",", "\u202f")}
        axe.annotate(f"{_euros(float(montant))}\n{compte}", (barre.get_x() + barre.get_width() / 2, barre.get_height()),
                     ha="center", va="bottom", fontsize=7)
    axe.yaxis.set_major_formatter(lambda v, _p: _euros(v))
    axe.set_ylim(0, max(montants or [1]) * 1.3)
    return _svg(figure)


def courbe_scores(points: list[tuple[datetime.datetime, float | None]], *, seuil: float,
                  debut_fenetre: datetime.datetime | None = None) -> str:
    """The day's intraday scores against the threshold, the alert window shaded."""
    figure, axe = _figure(6.6, 2.0)
    x = [p[0] for p in points if p[1] is not None]
    y = [p[1] for p in points if p[1] is not None]
    axe.plot(x, y, color=BLEU, linewidth=1.4)
    axe.axhline(seuil, color=ROUGE, linestyle="--", linewidth=1)
    axe.text(x[0] if x else 0, seuil + 0.2, f"seuil {seuil:g}", color=ROUGE, fontsize=7)
    if debut_fenetre and x:
        axe.axvspan(debut_fenetre, x[-1], color=ROUGE, alpha=0.08)
    axe.set_ylim(0, 10)
    axe.set_ylabel("Score")
    axe.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%H:%M", tz=timezone.get_default_timezone()))
    return _svg(figure)


def trajet(*, points: list[tuple[float, float]], arrets: list[tuple[float, float, str]],
           sites: list[tuple[float, float, str, bool]]) -> str:
    """The trail (lon, lat) as a line, its stops as numbered dots, the planned sites as
    squares (green: reached, red: not reached), on an equirectangular projection."""
    figure, axe = _figure(6.6, 3.3)
    if points:
        axe.plot([p[0] for p in points], [p[1] for p in points], color=BLEU, linewidth=1.2, alpha=0.8,
                 label="Trajet GPS")
        axe.plot(points[0][0], points[0][1], marker=">", color=BLEU, markersize=6)
    for i, (lon, lat, libelle) in enumerate(arrets, start=1):
        axe.plot(lon, lat, "o", color=ORANGE, markersize=7, label="Arrêts" if i == 1 else None)
        axe.annotate(f"{i}", (lon, lat), ha="center", va="center", fontsize=6, color="white")
        axe.annotate(libelle, (lon, lat), xytext=(6, -8), textcoords="offset points", fontsize=6, color=ORANGE)
    for lon, lat, code, atteint in sites:
        axe.plot(lon, lat, "s", color=VERT if atteint else ROUGE, markersize=8, markerfacecolor="none",
                 markeredgewidth=1.6)
        axe.annotate(code, (lon, lat), xytext=(6, 4), textcoords="offset points", fontsize=7,
                     color=VERT if atteint else ROUGE)
    axe.plot([], [], "s", color=VERT, markerfacecolor="none", label="Site planifié atteint")
    axe.plot([], [], "s", color=ROUGE, markerfacecolor="none", label="Site planifié non atteint")
    # ~1/cos(48.8°): a metre as long both ways around Paris; the limits stretch to fill the box.
    axe.set_aspect(1 / 0.66, adjustable="datalim")
    axe.set_xlabel("longitude")
    axe.set_ylabel("latitude")
    axe.legend(loc="best", fontsize=7, frameon=False)
    axe.ticklabel_format(useOffset=False)
    return _svg(figure)
