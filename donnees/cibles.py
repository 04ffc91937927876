"""The production targets, measured as production serves the pages (manage.py bench --cibles).

gunicorn with the project's wsgi.py (3 sync workers, as deployed), DEBUG off, the configured
Redis cache, over HTTP on loopback with a director's session cookie; "sans cache" empties the
cache (FLUSHDB of the configured Redis database) before each request. Each target is printed
beside the raw SQL it rests on (same data, same run) and the `large` figure
(donnees/bench_large.json), with PASS/MISS and the margin. The tasks (rules, nightly jobs,
import) run in this process, as the Celery worker runs them; the escalation rules and the
day's import run in a transaction rolled back afterwards (the data stays as generated).
"""
from __future__ import annotations

import datetime
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from agents.models import Agent
from agents.selectors import RECUL_DERNIERE_POSITION
from agents.services import performance_compute
from akig_ops import roles
from akig_ops.lib.bench import Banc, Mesure, chronometrer, sql_brut
from akig_ops.sauvegarde import sauvegarde_creer
from agents.bench import SQL_DERNIERES_POSITIONS, SQL_TRAJET, _jour_et_agent
from dashboard.bench import RUNBOOK_SQL
from escalations.bench import SQL_CONTENTIEUX, _instantanes, _matin_ouvre
from escalations.selectors import seuils_alertes
from escalations.services import escalades_evaluer
from recovery.services import instantanes_sites_mettre_a_jour

RACINE = Path(settings.BASE_DIR)
FICHIER_LARGE = Path(__file__).with_name("bench_large.json")

SQL_HISTORIQUE_90 = (
    "SELECT date_stat, score, visites, promesses, paiements, refus FROM performance_historique "
    "WHERE agent_id = %s AND date_stat > CURRENT_DATE - 90 ORDER BY date_stat"
)
SQL_ESCALADES = "SELECT id, etat, niveau FROM escalades ORDER BY id DESC LIMIT 50"
SQL_ACTIONS_DU_JOUR = (
    "SELECT agent_id, count(*), sum(montant_recouvre) FROM recouvrement_actions "
    "WHERE date_action >= %s AND date_action < %s GROUP BY agent_id"
)
SQL_SOLDES_SITE = "SELECT site_id, count(*), sum(montant_du) FROM impayes_soldes GROUP BY site_id"

PAGES = [  # (key, url, raw SQL)
    ("dashboard", "/dashboard/", RUNBOOK_SQL),
    ("runbook", "/dashboard/impayes?filter=retard:60+", RUNBOOK_SQL),
    ("agents", "/agents/", SQL_DERNIERES_POSITIONS),
    ("agent", "AGENT", None),
    ("escalades", "/escalations/", SQL_ESCALADES),
    ("contentieux", "/dashboard/contentieux/", SQL_CONTENTIEUX),
    ("roulement", "/dashboard/roulement", SQL_SOLDES_SITE),
    ("resume", "/api/dashboard/resume", RUNBOOK_SQL),
]
# When each nightly job starts (settings.CELERY_BEAT_SCHEDULE) and when its window ends:
# the performance task runs every 15 min; the snapshots at 00:05 before the backup at 02:00;
# the backup at 02:00 before the follow-up ladder at 06:30.
FENETRES = {"scores": 15 * 60, "instantanes": 115 * 60, "sauvegarde": 270 * 60}


@dataclass
class Ligne:
    cle: str
    nom: str
    mesure: float  # ms, or s when unite == "s"
    limite: float
    unite: str = "ms"
    sql: float | None = None
    detail: str = ""

    @property
    def passe(self) -> bool:
        return self.mesure <= self.limite


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def statiques_collecter(env: dict | None = None) -> None:
    """collectstatic, as production serves the pages: with DEBUG off the manifest storage needs
    its manifest (a clean clone has none), for gunicorn and for the bench's in-process pages."""
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=RACINE,
                   env=env or os.environ, check=True)


class Serveur:
    """gunicorn akig_ops.wsgi on a spare loopback port, DEBUG off, this process's database and cache."""

    def __init__(self, *, workers: int | None = None):
        """`workers`: gunicorn processes; None: as deployed (gunicorn.conf.py, read from RACINE)."""
        self.port = _port_libre()
        self.workers = workers

    def __enter__(self) -> Serveur:
        env = {**os.environ, "DEBUG": "0", "HTTPS": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
               "SECRET_KEY": settings.SECRET_KEY}
        statiques_collecter(env)
        self.journal = open(os.devnull, "w")
        self.processus = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "akig_ops.wsgi", "--bind", f"127.0.0.1:{self.port}",
             *(("--workers", str(self.workers)) if self.workers else ()), "--timeout", "120"], cwd=RACINE, env=env,
            stdout=self.journal, stderr=self.journal)
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn ne répond pas sur le port {self.port}")

    def __exit__(self, *exc) -> None:
        self.processus.terminate()
        self.processus.wait(timeout=60)
        self.journal.close()

    def workers_pids(self) -> list[int]:
        """The worker processes (children of gunicorn's master)."""
        enfants = Path(f"/proc/{self.processus.pid}/task/{self.processus.pid}/children")
        return [int(p) for p in enfants.read_text().split()]


def rss_mo(pid: int) -> float:
    for ligne in Path(f"/proc/{pid}/status").read_text().splitlines():
        if ligne.startswith("VmRSS:"):
            return int(ligne.split()[1]) / 1024
    return 0.0


class Navigateur:
    """One keep-alive HTTP connection with a director's session cookie."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.connexion = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, url: str, entetes: dict | None = None) -> bytes:
        try:
            return self._get(url, entetes)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn's threads keep a connection alive a few seconds only (gunicorn.conf.py):
            # after a longer pause (a raw SQL timed between two pages) it is closed; a GET is
            # asked again once, on a new connection.
            self.connexion.close()
            self.connexion = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            return self._get(url, entetes)

    def _get(self, url: str, entetes: dict | None) -> bytes:
        self.connexion.request("GET", url, headers={"Host": "127.0.0.1", "Cookie": f"sessionid={self.cookie}",
                                                    **(entetes or {})})
        reponse = self.connexion.getresponse()
        corps = reponse.read()
        if reponse.status != 200:
            raise RuntimeError(f"GET {url} : HTTP {reponse.status}")
        return corps


def _cookie_direction(banc: Banc) -> str:
    client: Client = banc.client_direction()
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _large() -> dict:
    return json.loads(FICHIER_LARGE.read_text(encoding="utf-8"))


def _agent_et_jour() -> tuple[int, datetime.date]:
    """The agents section's agent and day: the latest day with positions (one index probe per
    agent), its agent with the most missions."""
    jour, agent_id = _jour_et_agent()
    return agent_id, jour


def _bornes(jour: datetime.date):
    debut = timezone.make_aware(datetime.datetime.combine(jour, datetime.time()))
    return debut, debut + datetime.timedelta(days=1)


class Cibles:
    def __init__(self, banc: Banc, ecrire, *, requetes_rss: int = 10_000, sauvegarde: bool = True,
                 taches_seules: bool = False):
        self.banc, self.ecrire = banc, ecrire
        self.requetes_rss, self.sauvegarde = requetes_rss, sauvegarde
        self.taches_seules = taches_seules  # the rules, the nightly jobs and the import; no page
        self.lignes: list[Ligne] = []

    def ajouter(self, ligne: Ligne) -> None:
        self.lignes.append(ligne)
        self.ecrire(f"  {ligne.nom:<60} {ligne.mesure:10.1f} {ligne.unite}  (limite {ligne.limite:.0f})")

    def executer(self) -> list[Ligne]:
        self.ecrire(f"  charge de la machine : {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
                    f"{os.getloadavg()[2]:.2f} ({os.cpu_count()} cœurs)")
        agent_id, jour = _agent_et_jour()
        if not self.taches_seules:
            cookie = _cookie_direction(self.banc)
            with Serveur() as serveur:
                nav = Navigateur(serveur.port, cookie)
                self._pages(nav, agent_id)
                self._jours_passes(nav, jour)
                self._historique(nav, agent_id)
        self._escalades()
        self._nocturnes(jour)
        self._import_du_jour()
        if not self.taches_seules:
            self._rss(cookie)
        return self.lignes

    # --- Pages

    def _pages(self, nav: Navigateur, agent_id: int) -> None:
        for cle, url, sql in PAGES:
            try:
                self._page(nav, agent_id, cle, url, sql)
            except RuntimeError as erreur:  # e.g. a 503: the web statement timeout hit
                self.ajouter(Ligne(f"{cle}_froid", f"{url} sans cache (p95)", float("inf"), 250.0, detail=str(erreur)))

    def _page(self, nav: Navigateur, agent_id: int, cle: str, url: str, sql: str | None) -> None:
        if url == "AGENT":
            url = f"/agents/{agent_id}/"
            debut, fin = _bornes(timezone.localdate())
            sql, params = SQL_TRAJET, [agent_id, debut, fin]
        elif sql is SQL_DERNIERES_POSITIONS:
            maintenant = timezone.now()
            params = {"maintenant": maintenant, "depuis": maintenant - RECUL_DERNIERE_POSITION}
        elif sql is SQL_CONTENTIEUX:  # the legal list's threshold, as the page reads it
            params = {"seuil": seuils_alertes()["seuil_contentieux"]}
        else:
            params = None
        p95_sql = chronometrer(sql_brut(sql, params)).p95 if sql else None

        def sans_cache(url=url):
            cache.clear()
            return nav.get(url)

        # A page far over its target is timed 5 times, not 20: the bench stays practical.
        debut = time.perf_counter()
        sans_cache()
        lent = time.perf_counter() - debut > 1.0
        froid = chronometrer(sans_cache, repetitions=5 if lent else 20, echauffement=0 if lent else 2)
        limite = min(250.0, p95_sql + 50) if cle == "runbook" else 250.0
        nom = f"{url} sans cache (p95)" + (" ≤ SQL + 50 ms" if cle == "runbook" else "")
        self.ajouter(Ligne(f"{cle}_froid", nom, froid.p95, limite, sql=p95_sql,
                           detail=f"p50 {froid.p50:.0f}"))
        nav.get(url)
        chaud = chronometrer(lambda url=url: nav.get(url))
        self.ajouter(Ligne(f"{cle}_chaud", f"{url} en cache (p95)", chaud.p95, 50.0, sql=p95_sql,
                           detail=f"p50 {chaud.p50:.0f}"))

    def _jours_passes(self, nav: Navigateur, dernier_jour: datetime.date) -> None:
        """The agent page of 20 past days drawn over the whole history, each of a random agent, uncached."""
        with connection.cursor() as c:
            c.execute("SELECT min(date_stat) FROM performance_historique")
            premier = c.fetchone()[0] or dernier_jour
        tirage = random.Random(7)
        agents = list(Agent.objects.values_list("pk", flat=True))
        couples = []
        while len(couples) < 20:
            jour = premier + datetime.timedelta(days=tirage.randrange(max(1, (dernier_jour - premier).days)))
            if jour.isoweekday() < 6:
                couples.append((tirage.choice(agents), jour))
        durees, sql = [], []
        for agent_id, jour in couples:
            cache.clear()
            url = f"/agents/{agent_id}/?jour={jour.isoformat()}&debut=08%3A00&fin=18%3A00"
            t = time.perf_counter()
            nav.get(url)
            durees.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            sql_brut(SQL_TRAJET, [agent_id, *_bornes(jour)])()
            sql.append((time.perf_counter() - t) * 1000)
        m = Mesure.depuis(durees)
        self.ajouter(Ligne("jour_passe", f"/agents/<id>/?jour=… 20 jours passés, sans cache (p95)", m.p95, 200.0,
                           sql=Mesure.depuis(sql).p95, detail=f"p50 {m.p50:.0f}, du {premier:%d/%m/%Y}"))

    def _historique(self, nav: Navigateur, agent_id: int) -> None:
        url = f"/agents/{agent_id}/?periode=90"
        entetes = {"HX-Request": "true", "HX-Target": "historique"}

        def sans_cache():
            cache.clear()
            return nav.get(url, entetes)

        m = chronometrer(sans_cache)
        sql = chronometrer(sql_brut(SQL_HISTORIQUE_90, [agent_id])).p95
        self.ajouter(Ligne("historique_90", f"{url} (htmx : historique 90 j), sans cache (p95)", m.p95, 150.0,
                           sql=sql, detail=f"p50 {m.p50:.0f}"))

    # --- Tasks

    def _escalades(self) -> None:
        maintenant = _matin_ouvre()

        class Annuler(Exception):
            pass

        try:
            with transaction.atomic():
                _instantanes(maintenant)
                escalades_evaluer(maintenant=maintenant)
                m = chronometrer(lambda: escalades_evaluer(maintenant=maintenant), repetitions=10, echauffement=1)
                sql = chronometrer(sql_brut(RUNBOOK_SQL), repetitions=10).p95
                self.ajouter(Ligne("escalades", "évaluation des règles d'escalade (p95, régime établi)", m.p95,
                                   1000.0, sql=sql, detail=f"p50 {m.p50:.0f}"))
                raise Annuler
        except Annuler:
            pass

    def _nocturnes(self, jour: datetime.date) -> None:
        debut, fin = _bornes(jour)
        t = time.perf_counter()
        performance_compute(du=jour - datetime.timedelta(days=1), au=jour)
        secondes = time.perf_counter() - t
        t = time.perf_counter()
        sql_brut(SQL_ACTIONS_DU_JOUR, [debut - datetime.timedelta(days=1), fin])()
        self.ajouter(Ligne("scores", "tâche des scores (veille et jour, fenêtre 15 min)", secondes,
                           FENETRES["scores"], unite="s", sql=(time.perf_counter() - t) * 1000))
        aujourdhui = timezone.localdate()
        t = time.perf_counter()
        instantanes_sites_mettre_a_jour(du=aujourdhui, au=aujourdhui)
        secondes = time.perf_counter() - t
        sql = chronometrer(sql_brut(SQL_SOLDES_SITE), repetitions=3, echauffement=0).p95
        self.ajouter(Ligne("instantanes", "instantanés des sites du jour (00:05, fenêtre jusqu'à 02:00)", secondes,
                           FENETRES["instantanes"], unite="s", sql=sql))
        if not self.sauvegarde:
            return
        repertoire = Path(tempfile.mkdtemp(prefix="akig-bench-sauvegarde-"))
        try:
            t = time.perf_counter()
            fichier = sauvegarde_creer(repertoire=repertoire, jour=aujourdhui)
            secondes = time.perf_counter() - t
            taille = fichier.stat().st_size / 2**20
        finally:
            shutil.rmtree(repertoire, ignore_errors=True)
        self.ajouter(Ligne("sauvegarde", "sauvegarde pg_dump (02:00, fenêtre jusqu'à 06:30)", secondes,
                           FENETRES["sauvegarde"], unite="s", detail=f"{taille:,.0f} Mo".replace(",", "\u202f")))

    def _import_du_jour(self) -> None:
        """A day's files (50 000 positions, 5 000 actions, 20 000 instalment changes) through
        import_csv, in a transaction rolled back afterwards."""
        dossier = Path(tempfile.mkdtemp(prefix="akig-bench-import-"))
        try:
            comptes = fichiers_du_jour(dossier)

            class Annuler(Exception):
                pass

            t = time.perf_counter()
            try:
                with transaction.atomic():
                    call_command("import_csv", str(dossier), stdout=open(os.devnull, "w"))
                    secondes = time.perf_counter() - t
                    raise Annuler
            except Annuler:
                pass
        finally:
            shutil.rmtree(dossier, ignore_errors=True)
        detail = ", ".join(f"{n} {f}" for f, n in comptes.items())
        self.ajouter(Ligne("import", "import du jour (import_csv, scores du jour compris)", secondes, 10.0,
                           unite="s", detail=detail))

    def _rss(self, cookie: str) -> None:
        """One web worker, `requetes_rss` requests of the main pages (the cache emptied every
        100), then its resident memory."""
        agent_id, _ = _agent_et_jour()
        urls = [("/agents/%d/" % agent_id) if u == "AGENT" else u for _, u, _ in PAGES]
        with Serveur(workers=1) as serveur:
            nav = Navigateur(serveur.port, cookie)
            nav.get("/dashboard/")
            (pid,) = serveur.workers_pids()
            avant = rss_mo(pid)
            t = time.perf_counter()
            for n in range(self.requetes_rss):
                if n % 100 == 0:
                    cache.clear()
                nav.get(urls[n % len(urls)])
            duree = time.perf_counter() - t
            apres = rss_mo(pid)
        self.ajouter(Ligne("rss", f"RSS d'un worker web après {self.requetes_rss:,} requêtes".replace(",", "\u202f"),
                           apres, 250.0, unite="Mo",
                           detail=f"{avant:.0f} Mo au départ, {self.requetes_rss / duree:.0f} requêtes/s"))


def jour_d_import() -> datetime.date:
    """The day whose files the bench imports: today once its actions (08:30–16:30) are past,
    else yesterday (an import refuses a time in the future)."""
    maintenant = timezone.localtime()
    return maintenant.date() - datetime.timedelta(days=0 if maintenant.hour >= 17 else 1)


def fichiers_du_jour(dossier: Path, *, positions: int = 50_000, actions: int = 5_000,
                     echeances: int = 20_000, jour: datetime.date | None = None) -> dict[str, int]:
    """Write a day's import files (jour_d_import by default) into `dossier` from the data in
    place: positions and actions of the active agents (new), and payments on instalments
    already known; return {file: rows}."""
    aujourdhui = jour or jour_d_import()
    agents = list(Agent.objects.filter(actif=True).order_by("pk").values_list("code", flat=True))
    par_agent = -(-positions // len(agents))
    depart = timezone.make_aware(datetime.datetime.combine(aujourdhui, datetime.time(8, 30)))
    ecrits = {}
    with open(dossier / "positions.csv", "w", encoding="utf-8") as f:
        f.write("agent_code,timestamp,latitude,longitude,precision_m\n")
        n = 0
        for i, code in enumerate(agents):
            for k in range(par_agent):
                if n == positions:
                    break
                instant = depart + datetime.timedelta(seconds=30 * k + i % 30)
                f.write(f"{code},{instant.isoformat()},{48.85 + k * 1e-4:.6f},{2.35 + i * 1e-4:.6f},8\n")
                n += 1
        ecrits["positions.csv"] = n
    with connection.cursor() as c:
        c.execute("SELECT l.code, l.id FROM locataires l ORDER BY l.id LIMIT %s", [actions])
        locataires = c.fetchall()
        # Half the changes settle unpaid instalments, half reopen settled ones (half paid):
        # every row of the file changes an amount paid.
        c.execute(
            "(SELECT e.reference, l.code, to_char(e.periode, 'YYYY-MM'), e.montant_du, e.date_echeance::date, true "
            " FROM impayes e JOIN locataires l ON l.id = e.locataire_id ORDER BY e.id LIMIT %s) UNION ALL "
            "(SELECT e.reference, l.code, to_char(e.periode, 'YYYY-MM'), e.montant_du, e.date_echeance::date, false "
            " FROM impayes_soldes e JOIN locataires l ON l.id = e.locataire_id ORDER BY e.id DESC LIMIT %s)",
            [echeances // 2, echeances - echeances // 2])
        lignes_echeances = c.fetchall()
    types = ["visite", "appel", "promesse", "paiement", "refus", "absent", "sms"]
    with open(dossier / "actions.csv", "w", encoding="utf-8") as f:
        f.write("reference,agent_code,locataire_code,impaye_reference,type_action,statut,resultat,"
                "montant_recouvre,date_action,latitude,longitude\n")
        for n, (code_locataire, _) in enumerate(locataires):
            type_action = types[n % len(types)]
            instant = depart + datetime.timedelta(minutes=n % 480)
            montant = "120.00" if type_action == "paiement" else "0.00"
            f.write(f"XJ-{aujourdhui:%Y%m%d}-{n},{agents[n % len(agents)]},{code_locataire},,{type_action},"
                    f"realisee,,{montant},{instant.isoformat()},48.85,2.35\n")
        ecrits["actions.csv"] = len(locataires)
    with open(dossier / "impayes.csv", "w", encoding="utf-8") as f:
        f.write("reference,locataire_code,periode,montant_du,montant_paye,date_echeance\n")
        for reference, code, periode, du, echeance, ouverte in lignes_echeances:
            paye = du if ouverte else (du / 2).quantize(du)
            f.write(f"{reference},{code},{periode},{du},{paye},{echeance.isoformat()}\n")
        ecrits["impayes.csv"] = len(lignes_echeances)
    return ecrits


def tableau(lignes: list[Ligne], ecrire) -> None:
    """The targets table: measured, limit, raw SQL, the large figure, PASS/MISS and margin."""
    large = _large()
    ecrire("")
    ecrire(f"  {'cible':<62}{'mesuré':>12}{'limite':>10}{'SQL brut':>10}{'large':>16}  verdict (marge)")
    for l in lignes:
        sql = f"{l.sql:.1f}" if l.sql is not None else "—"
        marge = l.limite - l.mesure
        verdict = "PASS" if l.passe else "MISS"
        ecrire(f"  {l.nom[:62]:<62}{l.mesure:>9.1f} {l.unite:<2}{l.limite:>10.0f}{sql:>10}"
               f"{large.get(l.cle, '—'):>16}  {verdict} ({marge:+.1f} {l.unite})"
               + (f"  [{l.detail}]" if l.detail else ""))
    manques = [l for l in lignes if not l.passe]
    ecrire(f"\n  {len(lignes) - len(manques)} PASS, {len(manques)} MISS")
