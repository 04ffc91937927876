"""The xlarge bench profile (donnees/xlarge.py) and the production targets' table (donnees/cibles.py)."""
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from agents.models import Agent, AgentGeolocalisation, Equipe, Mission, PerformanceHistorique
from donnees import cibles, xlarge
from recovery.models import Impaye, ImpayeSolde, Locataire, RecouvrementAction, Site


def test_the_xlarge_profile_is_three_years_of_600_agents():
    p = xlarge.XLARGE
    assert (p.agents, p.annees, p.equipes, p.sites, p.locataires, p.mois) == (600, 3, 60, 1500, 94_500, 36)
    # 127 positions a day (08:30–17:30 every 255 s) × 600 agents × ~780 working days ≈ 60 M.
    assert p.positions_par_jour == 127


# Monday 16/03/2026; 0.1 year back is 37 days: from Saturday 07/02 to Sunday 15/03, 25 working days.
AUJOURDHUI = datetime.date(2026, 3, 16)
PROFIL = xlarge.ProfilSql(agents=20, annees=0.1, agents_partis=2)


def _journees_attendues() -> int:
    premier = AUJOURDHUI - datetime.timedelta(days=37)
    jours = [premier + datetime.timedelta(days=n) for n in range(37)]
    ouvres = [j for j in jours if j.isoweekday() < 6]
    assert len(ouvres) == 25
    # The agents who left (19 and 20) worked until premier + (id × 7919 mod 37) days.
    partis = sum(1 for a in (19, 20) for j in ouvres if j < premier + datetime.timedelta(days=a * 7919 % 37))
    return 18 * 25 + partis


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_generation_writes_the_profile_through_the_parent_tables(tmp_path):
    sortie = []
    bilan = xlarge.generer(profil=PROFIL, aujourdhui=AUJOURDHUI, ecrire=sortie.append)
    journees = _journees_attendues()
    # 2 teams of 10, 25 sites each (20 × 2.5 / 2), 63 tenants per site.
    assert (Equipe.objects.count(), Site.objects.count(), Agent.objects.count()) == (2, 50, 20)
    assert Agent.objects.filter(actif=True).count() == 18
    assert Locataire.objects.count() == 3150
    # One month (0.1 × 12, rounded): March's instalment, due 05/03, for every tenant.
    assert Impaye.objects.count() + ImpayeSolde.objects.count() == 3150
    assert bilan["échéances (impayes + soldes)"][0] == 3150
    assert Mission.objects.count() == 2 * journees
    assert RecouvrementAction.objects.count() == 13 * journees
    assert AgentGeolocalisation.objects.count() == 127 * journees
    assert PerformanceHistorique.objects.count() == journees
    # Every mission and action at a site of the agent's team (team e: sites e, e + 2, …).
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM missions m JOIN agents a ON a.id = m.agent_id "
                  "WHERE (m.site_id - a.equipe_id) % 2 <> 0")
        assert c.fetchone()[0] == 0
        c.execute("SELECT count(*) FROM recouvrement_actions r JOIN agents a ON a.id = r.agent_id "
                  "JOIN locataires l ON l.id = r.locataire_id WHERE (l.site_id - a.equipe_id) % 2 <> 0")
        assert c.fetchone()[0] == 0
        # Trails from 08:30 to 17:30 business time, nothing today or later.
        c.execute("SELECT min((timestamp AT TIME ZONE 'Europe/Paris')::time), "
                  "max((timestamp AT TIME ZONE 'Europe/Paris')::time), max(timestamp) FROM agent_geolocalisation")
        debut, fin, dernier = c.fetchone()
    assert (debut, fin) == (datetime.time(8, 30), datetime.time(17, 25, 30))  # 08:30 + 126 × 255 s
    assert dernier.date() < AUJOURDHUI
    # The identity sequences moved past the explicit ids: a new row gets the next one.
    assert Site.objects.create(code="NEUF", nom="Neuf", latitude=48.8, longitude=2.3).pk == 51
    assert any(l.strip().startswith("agent_geolocalisation") for l in sortie)
    # Partitioned by month (agents/0010): every position in its month's partition, none in the default.
    with connection.cursor() as c:
        c.execute("SELECT relkind FROM pg_class WHERE relname = 'agent_geolocalisation'")
        if c.fetchone()[0] == "p":
            c.execute("SELECT count(*) FROM agent_geolocalisation_defaut")
            assert c.fetchone()[0] == 0
            # February: 15 working days for the 18 who stayed, 13 and 14 for agents 19 and 20
            # (gone on 26/02 and 27/02: premier jour + 19 and + 20 days).
            c.execute("SELECT count(*) FROM agent_geolocalisation_2026_02")
            assert c.fetchone()[0] == 127 * (18 * 15 + 13 + 14)

    # A day's import files, from the data in place: every instalment row changes its amount paid.
    fichiers = cibles.fichiers_du_jour(tmp_path, positions=100, actions=10, echeances=20)
    assert fichiers == {"positions.csv": 100, "actions.csv": 10, "impayes.csv": 20}
    lignes = (tmp_path / "impayes.csv").read_text().splitlines()[1:]
    avant = {i.reference: i.montant_paye for i in Impaye.objects.all()} | {
        s.reference: s.montant_paye for s in ImpayeSolde.objects.all()}
    assert all(Decimal(l.split(",")[4]) != avant[l.split(",")[0]] for l in lignes)


def _part_impayee() -> float:
    return Impaye.objects.count() / (Impaye.objects.count() + ImpayeSolde.objects.count())


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_unpaid_share_is_seed_demos_generated_or_redrawn_in_place():
    # One month's instalments, 12 of the 50 sites with problems (a quarter of the tenants):
    # unpaid this month, 0.3 % × 4/6 + 8 % elsewhere, 32 % × 4/6 + 10 % there: ~13.7 % in all
    # (the generator before: 25 % this month everywhere).
    xlarge.generer(profil=PROFIL, aujourdhui=AUJOURDHUI, ecrire=lambda _l: None)
    assert 0.10 < _part_impayee() < 0.18
    # Everything settled, then redrawn in place: the same share, nothing lost.
    with connection.cursor() as c:
        c.execute("INSERT INTO impayes_soldes (id, reference, locataire_id, site_id, periode, montant_du, montant_paye, "
                  "date_echeance, solde_le) SELECT id, reference, locataire_id, site_id, periode, montant_du, montant_du, "
                  "date_echeance, %s FROM impayes", [AUJOURDHUI])
        c.execute("DELETE FROM impayes")
    deplaces = xlarge.impayes_recalibrer(aujourdhui=AUJOURDHUI)
    assert Impaye.objects.count() + ImpayeSolde.objects.count() == 3150
    assert deplaces["impayés"] == Impaye.objects.count() and deplaces["soldés"] == 0
    assert 0.10 < _part_impayee() < 0.18
    # Everything unpaid, then redrawn: most settled again, the same share.
    with connection.cursor() as c:
        c.execute("INSERT INTO impayes (id, reference, locataire_id, site_id, periode, montant_du, montant_paye, "
                  "date_echeance) SELECT id, reference, locataire_id, site_id, periode, montant_du, 0, date_echeance "
                  "FROM impayes_soldes")
        c.execute("DELETE FROM impayes_soldes")
    deplaces = xlarge.impayes_recalibrer(aujourdhui=AUJOURDHUI)
    assert Impaye.objects.count() + ImpayeSolde.objects.count() == 3150
    assert deplaces["soldés"] == ImpayeSolde.objects.count() and deplaces["impayés"] == 0
    assert 0.10 < _part_impayee() < 0.18
    # Partly paid ones in round tens of euros, at least 10 € paid and 10 € due.
    partiels = Impaye.objects.filter(montant_paye__gt=0)
    assert partiels.exists()
    assert all(i.montant_paye % 10 == 0 and 10 <= i.montant_paye <= i.montant_du - 10 for i in partiels)


def test_the_table_says_pass_at_the_limit_and_miss_just_above():
    lignes = [
        cibles.Ligne("dashboard_froid", "/dashboard/ sans cache (p95)", 250.0, 250.0, sql=12.5),
        cibles.Ligne("runbook_froid", "lien du runbook", 250.1, 250.0),
        cibles.Ligne("import", "import du jour", 9.9, 10.0, unite="s"),
    ]
    sortie = []
    cibles.tableau(lignes, sortie.append)
    texte = "\n".join(sortie)
    assert "PASS (+0.0 ms)" in texte and "MISS (-0.1 ms)" in texte and "PASS (+0.1 s)" in texte
    # Beside each figure: its raw SQL (or —) and the large figure of the issue.
    assert "12.5" in sortie[2] and "p95 44" in sortie[2]
    assert "p95 46 (SQL 5)" in sortie[3]
    assert sortie[-1].strip() == "2 PASS, 1 MISS"


@pytest.mark.django_db
def test_xlarge_needs_postgresql(settings):
    if connection.vendor == "postgresql":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench", "--profil", "xlarge", "--remplacer", stdout=io.StringIO())


def test_bench_browser_reconnects_when_the_server_closed_the_idle_connection():
    # A keep-alive server that closes every connection after one answer, without saying so
    # (as gunicorn's threads do after their keep-alive delay): the next GET is asked again.
    import http.server
    import threading

    class Gestionnaire(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            corps = self.path.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(corps)))
            self.end_headers()
            self.wfile.write(corps)
            self.close_connection = True

        def log_message(self, *args):
            pass

    serveur = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gestionnaire)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    try:
        nav = cibles.Navigateur(serveur.server_address[1], cookie="x")
        assert [nav.get("/a"), nav.get("/b"), nav.get("/c")] == [b"/a", b"/b", b"/c"]
    finally:
        serveur.shutdown()
        serveur.server_close()
