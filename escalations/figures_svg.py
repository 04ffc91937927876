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

from akig_ops.lib.geo import longueur_echelle, projection_locale

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


def _distance_texte(metres: int) -> str:
    return f"{metres // 1000} km" if metres >= 1000 else f"{metres} m"


def trajet(*, points: list[tuple[float, float]], arrets: list[tuple[float, float, str]],
           sites: list[tuple[float, float, str, bool]]) -> str:
    """The trail (lon, lat) as a line, its stops as numbered dots, the planned sites (numbered
    in visiting order, labelled) as squares (green: reached, red: not reached), in metres east
    and north of the figure's centre, with a scale bar: distances read as on a street map."""
    tous = [(lon, lat) for lon, lat in points] + [(s[0], s[1]) for s in sites] + [(a[0], a[1]) for a in arrets]
    lon0 = (min(p[0] for p in tous) + max(p[0] for p in tous)) / 2
    lat0 = (min(p[1] for p in tous) + max(p[1] for p in tous)) / 2

    def xy(lon, lat):
        return projection_locale(lat, lon, lat0=lat0, lon0=lon0)

    figure, axe = _figure(6.6, 3.6, pouces_gauche=0.7)
    if points:
        projetes = [xy(lon, lat) for lon, lat in points]
        axe.plot([p[0] for p in projetes], [p[1] for p in projetes], color=BLEU, linewidth=1.2, alpha=0.8,
                 label="Trajet GPS")
        axe.plot(*projetes[0], marker=">", color=BLEU, markersize=6)
    for i, (lon, lat, libelle) in enumerate(arrets, start=1):
        x, y = xy(lon, lat)
        axe.plot(x, y, "o", color=ORANGE, markersize=7, label="Arrêts (n°, heures)" if i == 1 else None)
        axe.annotate(f"{i}", (x, y), ha="center", va="center", fontsize=6, color="white")
        axe.annotate(libelle, (x, y), xytext=(6, -9), textcoords="offset points", fontsize=6, color=ORANGE)
    for n, (lon, lat, libelle, atteint) in enumerate(sites, start=1):
        x, y = xy(lon, lat)
        couleur = VERT if atteint else ROUGE
        axe.plot(x, y, "s", color=couleur, markersize=8, markerfacecolor="none", markeredgewidth=1.6)
        axe.annotate(f"{n}. {libelle}", (x, y), xytext=(7, 4), textcoords="offset points", fontsize=7,
                     color=couleur, fontweight="bold")
    axe.plot([], [], "s", color=VERT, markerfacecolor="none", label="Site planifié atteint (n° de visite)")
    axe.plot([], [], "s", color=ROUGE, markerfacecolor="none", label="Site planifié non atteint")
    axe.set_aspect("equal", adjustable="datalim")
    axe.margins(0.12)
    axe.set_xlabel("mètres vers l'est (0 : centre de la carte)")
    axe.set_ylabel("mètres vers le nord")
    axe.legend(loc="upper left", fontsize=6.5, frameon=True, framealpha=0.85, edgecolor="none")
    # The scale bar, drawn once the limits are final: a quarter of the width, rounded.
    axe.apply_aspect()
    axe.autoscale(False)
    x0, x1 = axe.get_xlim()
    y0, y1 = axe.get_ylim()
    longueur = longueur_echelle(x1 - x0)
    bas, droite = y0 + (y1 - y0) * 0.06, x1 - (x1 - x0) * 0.04
    axe.plot([droite - longueur, droite], [bas, bas], color="black", linewidth=2.5, solid_capstyle="butt")
    axe.annotate(_distance_texte(longueur), (droite - longueur / 2, bas), xytext=(0, 4), textcoords="offset points",
                 ha="center", fontsize=7)
    return _svg(figure)
