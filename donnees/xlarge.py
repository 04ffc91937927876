"""The `xlarge` bench profile: three years of 600 agents, generated in SQL (PostgreSQL only).

`seed_demo` stays the realistic generator (CSV files through the importers); this one writes
the same tables with INSERT … SELECT generate_series, so ~60 M GPS positions, ~3 M instalments
and ~6 M actions load in minutes rather than hours. The shapes follow the demo: most rent paid
on time, a tail unpaid on a few problem sites, two missions and a dozen actions per agent and
working day at the team's sites, a GPS trail every few minutes from 08:30 to 17:30.

Everything is drawn from `random()` after `setseed`, in one session: a seed gives the same data.
Ids are written explicitly (1..n per table) and the identity sequences moved past them.
The positions go through the parent table, whatever it is (plain or partitioned by month).
Foreign-key and other triggers are off during the load (`session_replication_role = replica`:
the rows are consistent by construction), the secondary indexes of plain tables are dropped
before and rebuilt after; every table is ANALYZEd (and VACUUMed: visibility map, hint bits).
"""
from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from akig_ops import roles
from akig_ops.lib import partitions
from donnees.management.commands.seed_demo import (
    _RETARD_DE_PAIEMENT,
    JOURS_D_HISTORIQUE,
    demo_logins_set,
    domain_tables_empty,
)
from recovery.roulement import fins_de_mois
from recovery.services import instantanes_sites_mettre_a_jour, roulements_mettre_a_jour


@dataclass(frozen=True)
class ProfilSql:
    """How big the SQL-generated data is. Sites and tenants follow the number of agents."""

    agents: int = 600
    annees: float = 3
    agents_par_equipe: int = 10
    sites_par_agent: float = 2.5
    locataires_par_site: int = 63
    sites_a_probleme: int = 12
    agents_partis: int = 24
    missions_par_jour: int = 2
    actions_par_jour: int = 13
    intervalle_gps: int = 255  # seconds: 127 positions from 08:30 to 17:30

    @property
    def equipes(self) -> int:
        return max(1, self.agents // self.agents_par_equipe)

    @property
    def sites(self) -> int:
        # A multiple of the teams: each team has the same number of sites.
        par_equipe = max(1, round(self.agents * self.sites_par_agent / self.equipes))
        return par_equipe * self.equipes

    @property
    def locataires(self) -> int:
        return self.sites * self.locataires_par_site

    @property
    def mois(self) -> int:
        return max(1, round(12 * self.annees))

    @property
    def positions_par_jour(self) -> int:
        return 9 * 3600 // self.intervalle_gps


XLARGE = ProfilSql()


def _executer(cursor, sql: str, params: dict | None = None) -> int:
    cursor.execute(sql, params or {})
    return cursor.rowcount


def _index_secondaires(cursor, table: str) -> list[tuple[str, str, str]]:
    """[(kind, name, definition)] of `table`'s unique constraints and indexes other than its
    primary key, for a plain table; [] for a partitioned one (its partitions' indexes are
    attached to the parent's: they stay, the load goes through the parent)."""
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass", [table])
    if cursor.fetchone()[0] != "r":
        return []
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'u'", [table])
    contraintes = [("contrainte", nom, definition) for nom, definition in cursor.fetchall()]
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)", [table])
    return contraintes + [("index", nom, definition) for nom, definition in cursor.fetchall()]


class _SansIndex:
    """Drop a plain table's secondary indexes and unique constraints, rebuild them on exit."""

    def __init__(self, cursor, table: str):
        self.cursor, self.table = cursor, table

    def __enter__(self):
        self.index = _index_secondaires(self.cursor, self.table)
        for genre, nom, _ in self.index:
            if genre == "contrainte":
                self.cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{nom}"')
            else:
                self.cursor.execute(f'DROP INDEX "{nom}"')
        return self

    def __exit__(self, *exc):
        for genre, nom, definition in self.index:
            if genre == "contrainte":
                self.cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{nom}" {definition}')
            else:
                self.cursor.execute(definition)
        return False


def _partitions_preparer(table: str, colonne: str, *, du: datetime.date, au: datetime.date) -> None:
    """A monthly-partitioned table (akig_ops.lib.partitions) gets every month's partition before
    the load, so no row lands in its default partition; a plain table: nothing."""
    if not partitions.est_partitionnee(table):
        return
    mois = partitions.mois_de(du)
    while mois <= au:
        partitions.partition_creer(table=table, colonne=colonne, mois=mois, fuseau=settings.TIME_ZONE)
        mois = partitions.mois_decaler(mois, 1)


def _chefs(profil: ProfilSql) -> list[int]:
    """The team leads' logins (xl-chef-NNN@akig.local, group of team leads), created if needed."""
    User = get_user_model()
    groupe = Group.objects.get(name=roles.CHEF_EQUIPE)
    ids = []
    for n in range(1, profil.equipes + 1):
        nom = "chef@akig.local" if n == 1 else f"xl-chef-{n:03d}@akig.local"
        user, _ = User.objects.get_or_create(username=nom, defaults={"email": nom})
        user.groups.add(groupe)
        ids.append(user.id)
    return ids


# --- The SQL, one statement (or loop) per table. %(x)s are the profile's figures.

SQL_SITES = """
INSERT INTO sites (id, code, nom, adresse, latitude, longitude, sensible)
SELECT s, 'S' || lpad(s::text, 5, '0'), 'Résidence ' || s, s || ' rue de la Recherche, Paris',
       48.815 + random() * 0.085, 2.255 + random() * 0.16, s %% 97 = 0
FROM generate_series(1, %(sites)s) s"""

SQL_EQUIPES = """
INSERT INTO equipes (id, code, nom, chef_id)
SELECT e, 'EQ' || lpad(e::text, 3, '0'), 'Équipe ' || e, (%(chefs)s::int[])[e]
FROM generate_series(1, %(equipes)s) e"""

# Agent a belongs to team ((a - 1) %% equipes) + 1; the last agents_partis left along the years.
SQL_AGENTS = """
INSERT INTO agents (id, code, nom, email, telephone, actif, equipe_id)
SELECT a, 'AG' || lpad(a::text, 4, '0'), 'Agent ' || a, 'agent' || a || '@akig.local',
       '06' || lpad((a * 7919 %% 100000000)::text, 8, '0'), a <= %(agents)s - %(partis)s,
       ((a - 1) %% %(equipes)s) + 1
FROM generate_series(1, %(agents)s) a"""

# Tenant i lives on site ((i - 1) %% sites) + 1.
SQL_LOCATAIRES = """
INSERT INTO locataires (id, code, nom, telephone, logement, site_id)
SELECT i, 'L' || lpad(i::text, 7, '0'), 'Locataire ' || i, '07' || lpad((i::bigint * 104729 %% 100000000)::text, 8, '0'),
       'Bât. ' || chr(65 + i %% 6) || ', apt ' || (i %% 300), ((i - 1) %% %(sites)s) + 1
FROM generate_series(1, %(locataires)s) i"""

# Which of each tenant's instalments are unpaid, drawn per tenant as seed_demo draws them
# (donnees/demo/monde.py, _tirer_impayes): on a problem site (the first ones) 32 %% of the tenants
# are in arrears and 10 %% late this month, elsewhere 0.3 %% and 8 %%. Arrears: a run of months
# ending now or one or two months ago (4 in 6 still running), 2 + Exp(4.5) months long, 30 %% of
# them partly paid; late: this month (a quarter also last month), 40 %% partly paid. Unpaid are
# the months `rang` (0 = this month) from rang_min to rang_max. ~0.13 unpaid instalments a
# tenant, as seed_demo's 15 000 for 100 000 tenants at `large`.
SQL_PROFILS = """
CREATE TEMP TABLE xl_profils AS
SELECT id AS locataire_id, loyer, debut,
       CASE WHEN r < arrieres THEN fin WHEN r < recents THEN 0 END AS rang_min,
       CASE WHEN r < arrieres THEN fin + 1 + duree WHEN r < recents THEN dernier_aussi END AS rang_max,
       CASE WHEN r < arrieres THEN 0.3 ELSE 0.4 END AS partiel
FROM (
  SELECT id, round((380 + (id * 7919 %% 900))::numeric, 2) AS loyer,
         CASE WHEN id %% 4 = 0 THEN (id * 13) %% %(mois)s ELSE 0 END AS debut,
         random() AS r,
         CASE WHEN site_id <= %(problemes)s THEN 0.32 ELSE 0.003 END AS arrieres,
         CASE WHEN site_id <= %(problemes)s THEN 0.42 ELSE 0.083 END AS recents,
         (ARRAY[0, 0, 0, 0, 1, 2])[1 + floor(random() * 6)::int] AS fin,
         floor(-ln(1 - random()) * 4.5)::int AS duree,
         CASE WHEN random() < 0.25 THEN 1 ELSE 0 END AS dernier_aussi
  FROM locataires
) l"""

# What an unpaid instalment has paid: nothing, or (share `partiel`) 20–80 %% of it in round
# tens of euros, at least 10 € paid and 10 € still due (seed_demo's partial payment).
PAYE_SI_IMPAYE = """CASE WHEN random() < {p}.partiel
     THEN LEAST({p}.loyer - 10, GREATEST(10, floor({p}.loyer * (0.2 + 0.6 * random()) / 10) * 10))
     ELSE 0 END"""

# Every instalment of every tenant since its lease began (a quarter moved in during the
# period), due the 5th; unpaid as xl_profils says.
SQL_ECHEANCES = """
CREATE TEMP TABLE xl_echeances AS
SELECT row_number() OVER () AS id, e.*
FROM (
  SELECT 'IMP-L' || lpad(l.locataire_id::text, 7, '0') || '-' || to_char(m.mois, 'YYYYMM') AS reference,
         l.locataire_id, lo.site_id, m.mois::date AS periode, l.loyer AS montant_du,
         (m.mois + interval '4 days')::timestamp AS date_echeance,
         CASE WHEN m.rang BETWEEN l.rang_min AND l.rang_max THEN {paye} ELSE l.loyer END AS montant_paye
  FROM xl_profils l
  JOIN locataires lo ON lo.id = l.locataire_id
  JOIN (SELECT g AS rang, date_trunc('month', %(aujourdhui)s::date - make_interval(months => g)) AS mois
        FROM generate_series(0, %(mois)s - 1) g) m ON %(mois)s - 1 - m.rang >= l.debut
  WHERE m.mois + interval '4 days' <= %(aujourdhui)s::date
) e""".format(paye=PAYE_SI_IMPAYE.format(p="l"))

SQL_IMPAYES = """
INSERT INTO impayes (id, reference, locataire_id, site_id, periode, montant_du, montant_paye, date_echeance)
SELECT id, reference, locataire_id, site_id, periode, montant_du, montant_paye, date_echeance
FROM xl_echeances WHERE montant_paye < montant_du"""

# Settled the day seed_demo dates the demo's settlements (on time, late, very late).
SQL_SOLDES = """
INSERT INTO impayes_soldes (id, reference, locataire_id, site_id, periode, montant_du, montant_paye,
                            date_echeance, solde_le)
SELECT id, reference, locataire_id, site_id, periode, montant_du, montant_paye, date_echeance,
       LEAST(%(aujourdhui)s::date, (date_echeance + ({retard}) * interval '1 day')::date)
FROM xl_echeances WHERE montant_paye = montant_du""".format(retard=_RETARD_DE_PAIEMENT)

# The working days (Monday to Friday) of the period, before today, and the agents at work:
# an agent who left (the last ones) stops working at a date spread over the period.
SQL_JOURNEES = """
CREATE TEMP TABLE xl_journees AS
SELECT row_number() OVER (ORDER BY j.jour, a.id) AS n, a.id AS agent_id, a.equipe_id, j.jour::date AS jour
FROM generate_series(%(premier_jour)s::date, %(aujourdhui)s::date - 1, interval '1 day') j(jour)
JOIN agents a ON a.actif OR j.jour < %(premier_jour)s::date + ((a.id * 7919) %% %(jours)s) * interval '1 day'
WHERE extract(isodow FROM j.jour) < 6"""

# Sites of team e: e, e + equipes, e + 2·equipes, … (sites_par_equipe of them).
SQL_MISSIONS = """
INSERT INTO missions (id, reference, agent_id, site_id, date_prevue, heure_debut, heure_fin, status)
SELECT (j.n - 1) * %(missions_par_jour)s + k, 'XM-' || j.agent_id || '-' || to_char(j.jour, 'YYYYMMDD') || '-' || k,
       j.agent_id, j.equipe_id + %(equipes)s * ((j.agent_id * 31 + j.n * 7 + k) %% %(sites_par_equipe)s),
       j.jour, CASE k WHEN 1 THEN time '09:00' ELSE time '13:30' END,
       CASE k WHEN 1 THEN time '12:30' ELSE time '17:30' END,
       CASE WHEN random() < 0.85 THEN 'complete' ELSE 'non_complete' END
FROM xl_journees j CROSS JOIN generate_series(1, %(missions_par_jour)s) k"""

# A dozen actions per agent and day, at the tenants of the day's mission sites.
SQL_ACTIONS = """
INSERT INTO recouvrement_actions (id, reference, agent_id, locataire_id, impaye_reference, type_action, statut,
    statut_cle, resultat, montant_recouvre, date_action, promesse_date, promesse_montant, latitude, longitude)
SELECT a.id, a.reference, a.agent_id, a.locataire_id,
       'IMP-L' || lpad(a.locataire_id::text, 7, '0') || '-' || to_char(a.jour, 'YYYYMM'),
       a.type_action, a.statut, a.statut, '',
       CASE WHEN a.type_action = 'paiement' THEN round((50 + r * 550)::numeric, 2) ELSE 0 END,
       a.instant,
       CASE WHEN a.type_action = 'promesse' AND r < 0.66 THEN a.jour + 7 + (a.id %% 15)::int END,
       CASE WHEN a.type_action = 'promesse' AND r < 0.66 THEN round((100 + r * 400)::numeric, 2) END,
       CASE WHEN a.type_action IN ('appel', 'sms') THEN NULL ELSE s.latitude + (u - 0.5) * 0.001 END,
       CASE WHEN a.type_action IN ('appel', 'sms') THEN NULL ELSE s.longitude + (r - 0.5) * 0.001 END
FROM (
  SELECT b.*, b.site_id + %(sites)s * b.rang AS locataire_id,
         CASE WHEN t < 0.35 THEN 'visite' WHEN t < 0.55 THEN 'appel' WHEN t < 0.65 THEN 'sms'
              WHEN t < 0.75 THEN 'promesse' WHEN t < 0.85 THEN 'paiement' WHEN t < 0.90 THEN 'refus'
              ELSE 'absent' END AS type_action,
         CASE WHEN u < 0.97 THEN 'realisee' ELSE 'annulee' END AS statut
  FROM (
    SELECT (j.n - 1) * %(actions_par_jour)s + k AS id, j.jour,
           'XA-' || j.agent_id || '-' || to_char(j.jour, 'YYYYMMDD') || '-' || k AS reference, j.agent_id,
           j.equipe_id + %(equipes)s * ((j.agent_id * 31 + j.n * 7 + 1 + k %% 2) %% %(sites_par_equipe)s) AS site_id,
           (j.jour + time '08:45') AT TIME ZONE %(tz)s + (k - 1) * interval '38 minutes'
               + random() * interval '30 minutes' AS instant,
           random() AS r, random() AS t, random() AS u,
           (k * 7 + j.n) %% %(locataires_par_site)s AS rang
    FROM xl_journees j CROSS JOIN generate_series(1, %(actions_par_jour)s) k
    WHERE j.jour >= %(du)s AND j.jour < %(au)s
  ) b
) a
JOIN sites s ON s.id = a.site_id"""

# A position every intervalle_gps seconds from 08:30 to 17:30, drifting around the first
# mission's site; one month per statement (one partition at a time when partitioned).
SQL_POSITIONS = """
INSERT INTO agent_geolocalisation (agent_id, timestamp, latitude, longitude, precision_m, batterie_pct, canal)
SELECT j.agent_id, (j.jour + time '08:30') AT TIME ZONE %(tz)s + k * %(intervalle)s * interval '1 second',
       s.latitude + 0.004 * sin(k / 9.0 + j.agent_id), s.longitude + 0.005 * cos(k / 11.0 + j.n),
       5 + (k * 7 + j.agent_id) %% 20, 100 - k * 60 / %(positions_par_jour)s, 'import'
FROM xl_journees j
JOIN sites s ON s.id = j.equipe_id + %(equipes)s * ((j.agent_id * 31 + j.n * 7 + 1) %% %(sites_par_equipe)s)
CROSS JOIN generate_series(0, %(positions_par_jour)s - 1) k
WHERE j.jour >= %(du)s AND j.jour < %(au)s"""

# The daily performance of each agent-day from its realised actions (the score formula of
# docs/score.md, in SQL: visits and outcomes weighted, capped at 10).
SQL_PERFORMANCE = """
INSERT INTO performance_historique (agent_id, date_stat, score, visites, promesses, paiements, refus,
                                    montant_recouvre)
SELECT j.agent_id, j.jour,
       least(10, round((coalesce(c.visites, 0) * 0.5 + coalesce(c.promesses, 0) * 1.0
                        + coalesce(c.paiements, 0) * 1.5 - coalesce(c.refus, 0) * 0.2)::numeric, 2)),
       coalesce(c.visites, 0), coalesce(c.promesses, 0), coalesce(c.paiements, 0), coalesce(c.refus, 0),
       coalesce(c.montant, 0)
FROM xl_journees j
LEFT JOIN (
  SELECT agent_id, (date_action AT TIME ZONE %(tz)s)::date AS jour,
         count(*) FILTER (WHERE type_action IN ('visite', 'promesse', 'paiement', 'refus', 'absent')) AS visites,
         count(*) FILTER (WHERE type_action = 'promesse') AS promesses,
         count(*) FILTER (WHERE type_action = 'paiement') AS paiements,
         count(*) FILTER (WHERE type_action = 'refus') AS refus,
         sum(montant_recouvre) AS montant
  FROM recouvrement_actions WHERE statut_cle = 'realisee' GROUP BY 1, 2
) c ON c.agent_id = j.agent_id AND c.jour = j.jour"""

SEQUENCES = ("sites", "equipes", "agents", "locataires", "impayes", "impayes_soldes", "missions",
             "recouvrement_actions", "agent_geolocalisation", "performance_historique")


def _mois(du: datetime.date, au: datetime.date):
    """[(first day, first day of the next month)] covering du..au (au excluded)."""
    debut = du
    while debut < au:
        suivant = (debut.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        yield debut, min(suivant, au)
        debut = suivant


def generer(*, profil: ProfilSql = XLARGE, graine: int = 42, ecrire: Callable[[str], None] = print,
            aujourdhui: datetime.date | None = None) -> dict[str, tuple[int, float]]:
    """Empty the business tables and write the profile's data; return {table: (rows, seconds)}.

    PostgreSQL only. The data ends yesterday (today is left to the day's import)."""
    if connection.vendor != "postgresql":
        raise RuntimeError("Le profil xlarge est généré en SQL PostgreSQL (DATABASE_URL).")
    aujourdhui = aujourdhui or timezone.localdate()
    premier_jour = aujourdhui - datetime.timedelta(days=round(365.25 * profil.annees))
    jours = (aujourdhui - premier_jour).days
    p = {
        "agents": profil.agents, "partis": profil.agents_partis, "equipes": profil.equipes,
        "sites": profil.sites, "sites_par_equipe": profil.sites // profil.equipes,
        "locataires": profil.locataires, "locataires_par_site": profil.locataires_par_site,
        "problemes": profil.sites_a_probleme, "mois": profil.mois, "aujourdhui": aujourdhui,
        "premier_jour": premier_jour, "jours": jours, "missions_par_jour": profil.missions_par_jour,
        "actions_par_jour": profil.actions_par_jour, "intervalle": profil.intervalle_gps,
        "positions_par_jour": profil.positions_par_jour, "tz": settings.TIME_ZONE,
    }
    bilan: dict[str, tuple[int, float]] = {}

    def etape(nom: str, fonction) -> None:
        debut = time.monotonic()
        lignes = fonction()
        bilan[nom] = (lignes, time.monotonic() - debut)
        ecrire(f"  {nom:<24}{lignes:>14,} lignes {bilan[nom][1]:9.1f} s".replace(",", "\u202f"))

    domain_tables_empty()
    demo_logins_set()
    chefs = _chefs(profil)
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute("SET work_mem = '256MB'")
        c.execute("SET session_replication_role = replica")
        c.execute("SELECT setseed(%s)", [(graine % 1000) / 1000])
        try:
            etape("sites", lambda: _executer(c, SQL_SITES, p))
            etape("equipes", lambda: _executer(c, SQL_EQUIPES, {**p, "chefs": chefs}))
            etape("agents", lambda: _executer(c, SQL_AGENTS, p))
            etape("locataires", lambda: _executer(c, SQL_LOCATAIRES, p))

            def echeances():
                _executer(c, "DROP TABLE IF EXISTS xl_echeances")
                _executer(c, "DROP TABLE IF EXISTS xl_profils")
                _executer(c, SQL_PROFILS, p)
                _executer(c, SQL_ECHEANCES, p)
                with _SansIndex(c, "impayes"):
                    n = _executer(c, SQL_IMPAYES)
                with _SansIndex(c, "impayes_soldes"):
                    n += _executer(c, SQL_SOLDES, {
                        **p, "limite_longue": aujourdhui - datetime.timedelta(days=181),
                        "limite_courte": aujourdhui - datetime.timedelta(days=60)})
                return n

            etape("échéances (impayes + soldes)", echeances)
            _executer(c, "DROP TABLE IF EXISTS xl_journees")
            _executer(c, SQL_JOURNEES, p)
            _executer(c, "CREATE INDEX ON xl_journees (jour)")
            _executer(c, "ANALYZE xl_journees")

            def missions():
                with _SansIndex(c, "missions"):
                    return _executer(c, SQL_MISSIONS, p)

            etape("missions", missions)

            def par_mois(table: str, colonne: str, sql: str) -> Callable[[], int]:
                def charger():
                    _partitions_preparer(table, colonne, du=premier_jour, au=aujourdhui)
                    n = 0
                    with _SansIndex(c, table):
                        for du, au in _mois(premier_jour, aujourdhui):
                            n += _executer(c, sql, {**p, "du": du, "au": au})
                    return n
                return charger

            etape("recouvrement_actions", par_mois("recouvrement_actions", "date_action", SQL_ACTIONS))
            etape("agent_geolocalisation", par_mois("agent_geolocalisation", "timestamp", SQL_POSITIONS))

            def performance():
                with _SansIndex(c, "performance_historique"):
                    return _executer(c, SQL_PERFORMANCE, p)

            etape("performance_historique", performance)
        finally:
            c.execute("SET session_replication_role = DEFAULT")
        for table in SEQUENCES:
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                      f"coalesce((SELECT max(id) FROM {table}), 0) + 1, false)")
        _executer(c, "DROP TABLE IF EXISTS xl_echeances")
        _executer(c, "DROP TABLE IF EXISTS xl_profils")
        _executer(c, "DROP TABLE IF EXISTS xl_journees")
    _historique(aujourdhui=aujourdhui, ecrire=ecrire, bilan=bilan)
    debut = time.monotonic()
    with connection.cursor() as c:
        c.execute("VACUUM (ANALYZE) " + ", ".join(SEQUENCES) + ", instantanes_sites, roulements_mois, roulements_mois_lignes")
    bilan["VACUUM ANALYZE"] = (0, time.monotonic() - debut)
    ecrire(f"  {'VACUUM ANALYZE':<24}{'':>21} {bilan['VACUUM ANALYZE'][1]:9.1f} s")
    return bilan


# impayes_recalibrer: each instalment's month `rang` (0 = this month) and, per xl_profils,
# whether it is unpaid and what it has paid.
SQL_CIBLES = """
CREATE TEMP TABLE xl_cibles AS
SELECT e.reference, e.solde,
       COALESCE((EXTRACT(YEAR FROM %(aujourdhui)s::date) * 12 + EXTRACT(MONTH FROM %(aujourdhui)s::date)
                 - EXTRACT(YEAR FROM e.periode) * 12 - EXTRACT(MONTH FROM e.periode))
                BETWEEN l.rang_min AND l.rang_max, false) AS impaye,
       {paye} AS paye
FROM (SELECT reference, locataire_id, periode, false AS solde FROM impayes
      UNION ALL SELECT reference, locataire_id, periode, true FROM impayes_soldes) e
JOIN xl_profils l ON l.locataire_id = e.locataire_id""".format(paye=PAYE_SI_IMPAYE.format(p="l"))


def impayes_recalibrer(*, graine: int = 42, aujourdhui: datetime.date | None = None) -> dict[str, int]:
    """Redraw which instalments of data generated in place are unpaid, as `generer` now draws
    them (xl_profils, seed_demo's share), without generating again: the instalments to settle
    move to impayes_soldes (settled the day `generer` would date them), those to leave unpaid
    move to impayes with their drawn payment; return the rows moved each way. PostgreSQL only;
    the per-site snapshots and the stored roll figures are then to be rewritten."""
    aujourdhui = aujourdhui or timezone.localdate()
    colonnes = "id, reference, locataire_id, site_id, periode, montant_du, date_echeance"
    p = {"problemes": XLARGE.sites_a_probleme, "mois": XLARGE.mois, "aujourdhui": aujourdhui,
         "limite_longue": aujourdhui - datetime.timedelta(days=181),
         "limite_courte": aujourdhui - datetime.timedelta(days=60)}
    with connection.cursor() as c:
        c.execute("SELECT setseed(%s)", [(graine % 1000) / 1000])
        for sql in ("DROP TABLE IF EXISTS xl_profils", "DROP TABLE IF EXISTS xl_cibles", SQL_PROFILS, SQL_CIBLES):
            _executer(c, sql, p)
        _executer(c, "CREATE INDEX ON xl_cibles (reference)")
        _executer(c, "ANALYZE xl_cibles")
        soldes = _executer(c, f"""
            INSERT INTO impayes_soldes ({colonnes}, montant_paye, solde_le)
            SELECT {colonnes}, montant_du, LEAST(%(aujourdhui)s::date, (date_echeance + ({_RETARD_DE_PAIEMENT}) * interval '1 day')::date)
            FROM impayes WHERE reference IN (SELECT reference FROM xl_cibles WHERE NOT solde AND NOT impaye)""", p)
        _executer(c, "DELETE FROM impayes WHERE reference IN (SELECT reference FROM xl_cibles WHERE NOT solde AND NOT impaye)")
        _executer(c, "UPDATE impayes i SET montant_paye = x.paye FROM xl_cibles x WHERE x.reference = i.reference")
        impayes = _executer(c, f"""
            INSERT INTO impayes ({colonnes}, montant_paye)
            SELECT {colonnes.replace("reference", "s.reference")}, x.paye FROM impayes_soldes s
            JOIN xl_cibles x ON x.reference = s.reference AND x.solde AND x.impaye""")
        _executer(c, "DELETE FROM impayes_soldes WHERE reference IN (SELECT reference FROM xl_cibles WHERE solde AND impaye)")
        for sql in ("DROP TABLE xl_profils", "DROP TABLE xl_cibles"):
            _executer(c, sql)
        c.execute("VACUUM (ANALYZE) impayes, impayes_soldes")
    return {"soldés": soldes, "impayés": impayes}


def _historique(*, aujourdhui: datetime.date, ecrire, bilan) -> None:
    """Back-fill a year of per-site snapshots, as seed_demo does, and store the roll figures of
    the 12 month-ends /dashboard/roulement offers (its nightly job)."""
    debut = time.monotonic()
    lignes = instantanes_sites_mettre_a_jour(
        du=aujourdhui - datetime.timedelta(days=JOURS_D_HISTORIQUE), au=aujourdhui)
    bilan["instantanes_sites"] = (lignes, time.monotonic() - debut)
    ecrire(f"  {'instantanes_sites':<24}{lignes:>14,} lignes {bilan['instantanes_sites'][1]:9.1f} s".replace(",", "\u202f")
           + f"  ({JOURS_D_HISTORIQUE} jours)")
    debut = time.monotonic()
    lignes = roulements_mettre_a_jour(fins=fins_de_mois(aujourdhui=aujourdhui))
    bilan["roulements_mois"] = (lignes, time.monotonic() - debut)
    ecrire(f"  {'roulements_mois':<24}{lignes:>14,} lignes {bilan['roulements_mois'][1]:9.1f} s".replace(",", "\u202f")
           + "  (12 fins de mois)")
