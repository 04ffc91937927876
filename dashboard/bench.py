"""Bench sections of the directors' dashboard (manage.py bench, see akig_ops/lib/bench.py).

Each page is timed uncached (a new data generation before every request: the
figures are recomputed) and cached, beside the runbook's first query in raw SQL on the
same data in the same run; the by-site CSV export of the whole table; the number of
queries per page; and the weight of /dashboard/ on a first visit, compressed as
WhiteNoise serves it.
"""
import gzip
import re

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from akig_ops.lib.bench import chronometrer, sql_brut
from akig_ops.lib.cache_donnees import donnees_modifiees

RUNBOOK_SQL = """SELECT site_id, COUNT(*), SUM(montant)
FROM impayes
WHERE EXTRACT(DAY FROM CURRENT_DATE - date_echeance) > 60
GROUP BY site_id
ORDER BY 3 DESC;"""
PAGES = ["/dashboard/", "/dashboard/impayes?filter=retard:60+"]
CSV_TOUT = "/dashboard/impayes.csv?retard=0"


def _obtenir(client, url: str):
    reponse = client.get(url)
    assert reponse.status_code == 200, (url, reponse.status_code)
    if reponse.streaming:
        return b"".join(reponse.streaming_content)
    return reponse.content


def pages(banc) -> None:
    client = banc.client_direction()
    sql = chronometrer(sql_brut(RUNBOOK_SQL))
    banc.resultat("runbook, 1re requête (SQL brut)", sql)
    for url in PAGES:
        titre = url
        def sans_cache(url=url):
            donnees_modifiees()
            return _obtenir(client, url)

        froid = chronometrer(sans_cache)
        banc.resultat(f"{titre} sans cache", froid, cible_ms=min(250, sql.p95 + 50))
        banc.resultat(f"{titre} en cache", chronometrer(lambda url=url: _obtenir(client, url)), cible_ms=50)
        donnees_modifiees()
        with CaptureQueriesContext(connection) as requetes:
            _obtenir(client, url)
        banc.ecrire(f"  {titre} : {len(requetes)} requêtes SQL sans cache (page p95 − SQL p95 = "
                    f"{froid.p95 - sql.p95:.1f} ms)")

    def export():
        donnees_modifiees()
        return _obtenir(client, CSV_TOUT)

    nb_sites = export().count(b"\n") - 1
    banc.resultat(f"export CSV du tableau entier ({nb_sites} sites)",
                  chronometrer(export, repetitions=5, echauffement=1), cible_ms=1000)


def _gzip(donnees: bytes) -> int:
    return len(gzip.compress(donnees, compresslevel=9, mtime=0))


def _brotli(donnees: bytes) -> int | None:
    try:
        import brotli  # optional: without it the bench reports no Brotli size
    except ImportError:
        return None
    return len(brotli.compress(donnees))


def poids(banc) -> None:
    """The weight of /dashboard/ on a first visit: its HTML and every static file it links."""
    client = banc.client_direction()
    html = _obtenir(client, "/dashboard/")
    fichiers = [("HTML /dashboard/", html)]
    for chemin in re.findall(rb'(?:src|href)="/static/([^"?#]+)"', html):
        # With DEBUG off the names carry the manifest's hash: read what collectstatic wrote.
        trouve = finders.find(chemin.decode()) or staticfiles_storage.path(chemin.decode())
        with open(trouve, "rb") as f:
            fichiers.append((chemin.decode(), f.read()))
    total = [0, 0, 0]
    for nom, donnees in fichiers:
        gz, br = _gzip(donnees), _brotli(donnees)
        # WhiteNoise serves Brotli when it is installed and the browser asks, else gzip;
        # HTML is compressed by the front server (gzip).
        servi = gz if br is None or nom.startswith("HTML") else br
        total[0] += len(donnees)
        total[1] += gz
        total[2] += servi
        banc.ecrire(f"  {nom:<58} brut {len(donnees) / 1024:8.1f} Ko  gzip {gz / 1024:7.1f} Ko"
                    + (f"  brotli {br / 1024:7.1f} Ko" if br is not None else ""))
    banc.ecrire(f"  {'TOTAL 1re visite':<58} brut {total[0] / 1024:8.1f} Ko  gzip {total[1] / 1024:7.1f} Ko"
                f"  servi (brotli si dispo.) {total[2] / 1024:7.1f} Ko")


SECTIONS = [
    ("Tableau de bord de la Direction : pages, SQL du runbook, export CSV", pages),
    ("Tableau de bord de la Direction : poids de /dashboard/ (1re visite, compressé)", poids),
]
