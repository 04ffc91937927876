"""The runbook's SQL, run verbatim on our schema, gives the figures of the app's selectors.

Queries are read from ops/runbooks/runbooks-akig.md at test time, so editing the
runbook re-runs this proof; only its placeholders are filled in. Expected figures
are computed by hand in each fixture's docstring.
"""
import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from psycopg.types.datetime import TimestamptzLoader

from agents.selectors import (
    actions_du_jour,
    agents_missions_non_complete,
    performance_recente,
    positions_depuis,
)
from recovery.models import Impaye, Pause
from recovery.selectors import impayes_critiques_par_site, impayes_critiques_resume
from tests.factories import (
    ActionFactory,
    AgentFactory,
    EquipeFactory,
    ImpayeFactory,
    ImpayeSoldeFactory,
    LocataireFactory,
    MissionFactory,
    PerformanceFactory,
    PositionFactory,
    SiteFactory,
)

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db]

RUNBOOK = (Path(settings.BASE_DIR) / "ops" / "runbooks" / "runbooks-akig.md").read_text(encoding="utf-8")
AGENT_ID = "{{ agent_id }}"
SITES = "/* sites ci-dessus */"


def statements(blocks: list[str]) -> list[str]:
    return [s.strip() for block in blocks for s in block.split(";") if s.strip()]


def runbook_sql() -> list[str]:
    """Every statement of the runbook's ```sql blocks, as written there."""
    return statements(re.findall(r"```sql\n(.*?)```", RUNBOOK, flags=re.DOTALL))


def runbook_query(table: str) -> str:
    """The one runbook SQL statement reading `table`."""
    (sql,) = [s for s in runbook_sql() if re.search(rf"(?<!DELETE )\bFROM {table}\b", s)]
    return sql


def runbook_write(debut: str) -> str:
    """The one runbook SQL statement beginning with `debut` ("UPDATE escalades_messages")."""
    (sql,) = [s for s in runbook_sql() if s.startswith(debut)]
    return sql


def fill(sql: str, placeholder: str, value: str) -> str:
    assert placeholder in sql
    return sql.replace(placeholder, value)


def run_as_ops(sql: str) -> list[tuple]:
    """Run `sql` as psql does in production: session time zone = settings.TIME_ZONE
    (set there by ALTER DATABASE, recovery/migrations/0002)."""
    with connection.cursor() as cursor:
        # Django's own loader stamps timestamptz values with its connection's zone (UTC)
        # whatever the session's; psycopg's reads them in the session's zone, like psql.
        cursor.cursor.adapters.register_loader("timestamptz", TimestamptzLoader)
        cursor.execute("SET TIME ZONE %s", [settings.TIME_ZONE])
        try:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
        finally:
            # Back to the zone Django keeps on its connection (UTC).
            cursor.execute("SET TIME ZONE %s", [connection.timezone_name])


def as_rows(dicts: list[dict], *keys: str) -> list[tuple]:
    return [tuple(d[key] for key in keys) for d in dicts]


def test_runbook_sql_is_all_covered_here():
    # A query added to the runbook must get its own proof in this module.
    tables = [
        "impayes", "missions", "performance_historique", "agent_geolocalisation", "recouvrement_actions",
        "pg_stat_archiver", "battements", "escalades_messages",
    ]
    ecritures = ["DELETE FROM escalades_messages", "UPDATE escalades_messages"]
    assert sorted([runbook_query(table) for table in tables] + [runbook_write(e) for e in ecritures]) == sorted(
        runbook_sql()
    )


@pytest.fixture
def field_agents(django_user_model):
    # A chef without a password: no hashing to wait for.
    equipe = EquipeFactory(chef=django_user_model.objects.create_user(username="chef@akig.local"))
    agent_1, agent_2, agent_3 = AgentFactory.create_batch(3, equipe=equipe)
    return agent_1, agent_2, agent_3


@pytest.fixture
def sites_critiques(field_agents):
    """Sites A, B and C, created in that order (A has the smallest id).

    Impayés (retard in days):
      A: 1200.00 at 61 (counts), 500.00 with 165.50 paid at 90 (counts 334.50),
         800.00 at exactly 60 (does not count)             → nb 2, montant 1534.50
      B: 2500.00 with 500.00 paid at 120 (counts 2000.00), 300.00 at 10 → nb 1, montant 2000.00
      C: 400.00 at 30; a settled 900.00 at 200 in impayes_soldes        → nothing
    By SUM(montant) DESC: B then A (by count or by id, A would come first).
    Total: 3 impayés, 3534.50.

    Missions: agent 1 non_complete twice on A and once on B → 3; agent 2 non_complete
    once on B (its complete and planifiee ones on A do not count) → 1; agent 3
    non_complete on C only (not critical) and en_cours on A → absent.
    """
    agent_1, agent_2, agent_3 = field_agents
    site_a, site_b, site_c = (SiteFactory(code=code) for code in "ABC")

    def impaye(site, retard, montant_du, montant_paye="0.00"):
        ImpayeFactory(
            locataire=LocataireFactory(site=site),
            retard=retard,
            montant_du=Decimal(montant_du),
            montant_paye=Decimal(montant_paye),
        )

    impaye(site_a, 61, "1200.00")
    impaye(site_a, 90, "500.00", "165.50")
    impaye(site_a, 60, "800.00")
    impaye(site_b, 120, "2500.00", "500.00")
    impaye(site_b, 10, "300.00")
    impaye(site_c, 30, "400.00")
    ImpayeSoldeFactory(
        locataire=LocataireFactory(site=site_c),
        date_echeance=timezone.localdate() - datetime.timedelta(days=200),
        montant_du=Decimal("900.00"),
    )
    for agent, site, status in [
        (agent_1, site_a, "non_complete"),
        (agent_1, site_a, "non_complete"),
        (agent_1, site_b, "non_complete"),
        (agent_2, site_b, "non_complete"),
        (agent_2, site_a, "complete"),
        (agent_2, site_a, "planifiee"),
        (agent_3, site_c, "non_complete"),
        (agent_3, site_a, "en_cours"),
    ]:
        MissionFactory(agent=agent, site=site, status=status)
    return site_a, site_b, site_c


def test_runbook_impayes_critiques_par_site(sites_critiques):
    site_a, site_b, _ = sites_critiques

    rows = run_as_ops(runbook_query("impayes"))

    assert rows == [(site_b.id, 1, Decimal("2000.00")), (site_a.id, 2, Decimal("1534.50"))]
    assert as_rows(impayes_critiques_par_site(), "site_id", "nb", "montant") == rows
    assert impayes_critiques_resume() == {
        "nb_impayes": 3,
        "total_montant": Decimal("3534.50"),
        "site_ids": [site_b.id, site_a.id],
        "sites": ["B", "A"],
    }


def test_runbook_agents_des_sites_critiques(field_agents, sites_critiques):
    agent_1, agent_2, _ = field_agents
    # As ops do: the sites found by the first query go into the second.
    site_ids = [site_id for site_id, _, _ in run_as_ops(runbook_query("impayes"))]

    rows = run_as_ops(fill(runbook_query("missions"), SITES, ", ".join(map(str, site_ids))))

    assert sorted(rows) == [(agent_1.id, 3), (agent_2.id, 1)]
    assert as_rows(agents_missions_non_complete(site_ids=site_ids), "agent_id", "nb") == sorted(rows)


# (days ago, score, visites, promesses, paiements, refus): nine days, newest first.
PERFORMANCES = [
    (0, "8.50", 8, 2, 1, 1),
    (1, "7.00", 2, 0, 1, 0),
    (2, "4.50", 1, 1, 1, 1),
    (3, "3.50", 3, 1, 0, 2),
    (4, "10.00", 8, 4, 4, 0),
    (5, "0.00", 0, 0, 0, 0),
    (6, "2.50", 5, 0, 0, 0),
    (7, "6.00", 8, 1, 0, 2),
    (8, "5.13", 16, 2, 1, 13),
]


def test_runbook_performance_historique_last_seven_days(field_agents):
    agent_1, agent_2, _ = field_agents
    today = timezone.localdate()
    # Created oldest first, so that only ORDER BY can put them newest first.
    for jours, score, visites, promesses, paiements, refus in reversed(PERFORMANCES):
        PerformanceFactory(
            agent=agent_1, date_stat=today - datetime.timedelta(days=jours), score=Decimal(score),
            visites=visites, promesses=promesses, paiements=paiements, refus=refus,
        )
    PerformanceFactory(agent=agent_2, date_stat=today, score=Decimal("1.00"))

    rows = run_as_ops(fill(runbook_query("performance_historique"), AGENT_ID, str(agent_1.id)))

    assert rows == [
        (today, Decimal("8.50"), 8, 2, 1, 1),
        (today - datetime.timedelta(days=1), Decimal("7.00"), 2, 0, 1, 0),
        (today - datetime.timedelta(days=2), Decimal("4.50"), 1, 1, 1, 1),
        (today - datetime.timedelta(days=3), Decimal("3.50"), 3, 1, 0, 2),
        (today - datetime.timedelta(days=4), Decimal("10.00"), 8, 4, 4, 0),
        (today - datetime.timedelta(days=5), Decimal("0.00"), 0, 0, 0, 0),
        (today - datetime.timedelta(days=6), Decimal("2.50"), 5, 0, 0, 0),
    ]
    selected = performance_recente(agent_id=agent_1.id)
    assert as_rows(selected, "date_stat", "score", "visites", "promesses", "paiements", "refus") == rows


def test_runbook_geolocalisation_last_four_hours(field_agents):
    agent_1, agent_2, _ = field_agents
    now = timezone.now()
    recent = now - datetime.timedelta(hours=1)
    earlier = now - datetime.timedelta(hours=3, minutes=50)
    PositionFactory(agent=agent_1, timestamp=earlier, latitude=48.86, longitude=2.36)
    PositionFactory(agent=agent_1, timestamp=recent, latitude=48.85, longitude=2.35)
    PositionFactory(agent=agent_1, timestamp=now - datetime.timedelta(hours=4, minutes=10))
    PositionFactory(agent=agent_1, timestamp=now - datetime.timedelta(days=1))
    PositionFactory(agent=agent_2, timestamp=now - datetime.timedelta(minutes=30))

    rows = run_as_ops(fill(runbook_query("agent_geolocalisation"), AGENT_ID, str(agent_1.id)))

    assert rows == [(recent, 48.85, 2.35), (earlier, 48.86, 2.36)]
    selected = positions_depuis(agent_id=agent_1.id, depuis=now - datetime.timedelta(hours=4))
    assert as_rows(selected, "timestamp", "latitude", "longitude") == rows


def test_runbook_actions_du_jour_in_paris_time(field_agents):
    """Today's actions of agent 1, whatever their statut: 00:30 Paris today (still
    yesterday in UTC) counts; 23:30 Paris yesterday does not."""
    agent_1, agent_2, _ = field_agents
    today = timezone.localdate()
    hier = today - datetime.timedelta(days=1)

    def at(jour, heure, minute=0):
        return timezone.make_aware(datetime.datetime.combine(jour, datetime.time(heure, minute)))

    for agent, moment, type_action, statut, resultat, montant in [
        (agent_1, at(today, 0, 30), "visite", "realisee", "Avis de passage", "0.00"),
        (agent_1, at(today, 10), "paiement", "realisee", "Chèque remis", "150.00"),
        (agent_1, at(today, 11), "promesse", "annulee", "Promesse retirée", "0.00"),
        (agent_1, at(hier, 23, 30), "paiement", "realisee", "Espèces", "999.00"),
        (agent_1, at(hier, 0, 30), "visite", "realisee", "", "0.00"),
        (agent_2, at(today, 9), "refus", "realisee", "", "0.00"),
    ]:
        ActionFactory(
            agent=agent, date_action=moment, type_action=type_action, statut=statut,
            resultat=resultat, montant_recouvre=Decimal(montant),
        )

    rows = run_as_ops(fill(runbook_query("recouvrement_actions"), AGENT_ID, str(agent_1.id)))

    assert sorted(rows) == [
        ("paiement", "realisee", "Chèque remis", Decimal("150.00")),
        ("promesse", "annulee", "Promesse retirée", Decimal("0.00")),
        ("visite", "realisee", "Avis de passage", Decimal("0.00")),
    ]
    selected = actions_du_jour(agent_id=agent_1.id, jour=today)
    columns = ("type_action", "statut", "resultat", "montant_recouvre")
    assert sorted(as_rows(selected, *columns)) == sorted(rows)


def test_runbook_database_validation_counts_run(field_agents):
    """Runbook "Base de Données Down", step 3: the counts sent to psql after a restart."""
    (heredoc,) = re.findall(r"<<EOF\n(.*?)\nEOF", RUNBOOK, flags=re.DOTALL)
    site = SiteFactory()
    locataire, _ = LocataireFactory.create_batch(2, site=site)
    ImpayeFactory.create_batch(3, locataire=locataire)
    MissionFactory.create_batch(4, agent=field_agents[0], site=site)

    counts = [run_as_ops(sql) for sql in statements([heredoc])]

    assert counts == [[(2,)], [(3,)], [(4,)]]


def test_runbook_pg_stat_archiver_reports_the_archiving():
    """Runbook "Base de Données Down", prevention: the columns exist on PostgreSQL's own view.
    (The drill's cluster, which archives, is where the figures move: tests/test_drill.py.)"""
    ((archives, dernier_wal, dernier_instant, echecs, dernier_echec),) = run_as_ops(runbook_query("pg_stat_archiver"))

    assert isinstance(archives, int) and isinstance(echecs, int)


def test_runbook_sauvegarde_en_echec_shows_both_heartbeats(time_machine):
    """Runbook "Sauvegarde en Échec": the last success and the last failure with its count,
    success first (ORDER BY nom); other jobs' heartbeats are not shown."""
    from akig_ops.services import EVALUATION_ESCALADES, SAUVEGARDE, SAUVEGARDE_ECHEC, battement_enregistrer

    succes = timezone.make_aware(datetime.datetime(2026, 11, 26, 2, 0, 41))
    echec = timezone.make_aware(datetime.datetime(2026, 11, 27, 2, 0, 3))
    time_machine.move_to(echec)
    battement_enregistrer(nom=SAUVEGARDE_ECHEC, details={"erreur": "disque plein", "echecs": 1})
    battement_enregistrer(nom=EVALUATION_ESCALADES)
    time_machine.move_to(succes)
    battement_enregistrer(nom=SAUVEGARDE, details={"fichier": "postgres-backup-2026-11-26.sql.gz"})

    rows = run_as_ops(runbook_query("battements"))

    # psql shows the jsonb as text; Django's cursor returns that text too.
    assert [(nom, instant, json.loads(details)) for nom, instant, details in rows] == [
        ("ops.sauvegarde", succes, {"fichier": "postgres-backup-2026-11-26.sql.gz"}),
        ("ops.sauvegarde.echec", echec, {"erreur": "disque plein", "echecs": 1}),
    ]


def test_failed_emails_runbook_lists_deletes_and_resends_the_right_ones():
    """Failed: m1 (open escalation, 8 attempts), m2 (resolved escalation), m3 (digest, no
    escalation), m6 (the resolved escalation's « Résolu » notice); m4 sent and m5 waiting are
    not failed. The list gives m1, m2, m3, m6 oldest first; the deletion takes m2 only; the
    resending puts m1, m3 and m6 back to waiting, 0 attempts."""
    from escalations.models import Escalade, Message, Regle

    regle = Regle.objects.get(code="impayes-critiques-site")
    ouverte = Escalade.objects.create(regle=regle, sujet="site:1", niveau=2)
    resolue = Escalade.objects.create(regle=regle, sujet="site:2", niveau=2, etat="resolue",
                                      resolue_le=timezone.now())
    debut = timezone.now() - datetime.timedelta(hours=5)
    messages = [
        Message.objects.create(escalade=escalade, gabarit="impayes-critiques", destinataires=["dir@akig.local"],
                               sujet=f"m{n}", corps_texte="…", etat=etat, tentatives=8,
                               cree_le=debut + datetime.timedelta(minutes=n))
        for n, (escalade, etat) in enumerate(
            [(ouverte, "echec"), (resolue, "echec"), (None, "echec"), (ouverte, "envoye"), (ouverte, "en_attente")],
            start=1,
        )
    ]
    m1, m2, m3, m4, m5 = messages
    m6 = Message.objects.create(escalade=resolue, gabarit="escalade-resolue", destinataires=["dir@akig.local"],
                                sujet="m6", corps_texte="…", etat="echec", tentatives=8,
                                cree_le=debut + datetime.timedelta(minutes=6))

    liste = run_as_ops(runbook_query("escalades_messages"))
    run_as_ops(runbook_write("DELETE FROM escalades_messages"))
    run_as_ops(runbook_write("UPDATE escalades_messages"))

    assert [(ligne[0], ligne[1], ligne[4]) for ligne in liste] == [
        (m1.pk, ouverte.pk, 8), (m2.pk, resolue.pk, 8), (m3.pk, None, 8), (m6.pk, resolue.pk, 8)
    ]
    restants = {m.sujet: (m.etat, m.tentatives) for m in Message.objects.all()}
    assert restants == {"m1": ("en_attente", 0), "m3": ("en_attente", 0), "m4": ("envoye", 8),
                        "m5": ("en_attente", 8), "m6": ("en_attente", 0)}


def test_runbook_impayes_critiques_count_debts_under_a_pause_as_the_default_rule_does(sites_critiques):
    """Site A's 1 200,00 € debt (61 days) under litigation: the runbook's query still counts it,
    and so does a rule by default (compter_pauses); a rule told not to count pauses sees site A
    with one debt of 334,50 €."""
    site_a, site_b, _ = sites_critiques
    pausee = Impaye.objects.get(site=site_a, montant_du=Decimal("1200.00"))
    aujourd_hui = timezone.localdate()
    Pause.objects.create(locataire=pausee.locataire, type_pause="contentieux", motif="Assignation",
                         debut=aujourd_hui, fin=aujourd_hui + datetime.timedelta(days=90))

    rows = run_as_ops(runbook_query("impayes"))

    assert rows == [(site_b.id, 1, Decimal("2000.00")), (site_a.id, 2, Decimal("1534.50"))]
    assert as_rows(impayes_critiques_par_site(), "site_id", "nb", "montant") == rows
    assert as_rows(impayes_critiques_par_site(compter_pauses=False), "site_id", "nb", "montant") == [
        (site_b.id, 1, Decimal("2000.00")), (site_a.id, 1, Decimal("334.50"))]
