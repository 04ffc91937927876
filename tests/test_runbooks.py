"""Every runbook of ops/runbooks/ against the system: its SQL runs on the schema, its URLs exist.

The figures the runbook's SQL gives are proved in tests/test_runbook_sql.py; here each
statement of every runbook (```sql blocks, `psql … -c "…"` and `psql <<EOF` heredocs)
runs on PostgreSQL with its placeholders filled, so a renamed column or table fails.
"""
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.urls import Resolver404, resolve

RUNBOOKS = sorted((Path(settings.BASE_DIR) / "ops" / "runbooks").glob("*.md"))
# The placeholders runbooks may use (template.md lists them), and what stands in for them.
PARAMETRES = {"{{ agent_id }}": "1", "{{ site_id }}": "1", "/* sites ci-dessus */": "1"}


def runbook_statements(texte: str) -> list[str]:
    """Every SQL statement of a runbook (```sql blocks, heredocs fed to psql, `psql -c "…"`),
    without its comment lines."""
    blocs = re.findall(r"```sql\n(.*?)```", texte, flags=re.DOTALL)
    blocs += re.findall(r"<<EOF\n(.*?)\nEOF", texte, flags=re.DOTALL)
    blocs += re.findall(r'psql [^\n]*?-c\s*(?:\\\n\s*)?"(.*?)"', texte, flags=re.DOTALL)
    statements = []
    for bloc in blocs:
        for statement in bloc.split(";"):
            lignes = [ligne for ligne in statement.splitlines() if not ligne.strip().startswith("--")]
            if "\n".join(lignes).strip():
                statements.append("\n".join(lignes).strip())
    return statements


def statements_of(chemin: Path) -> list[str]:
    return runbook_statements(chemin.read_text(encoding="utf-8"))


def remplir(statement: str) -> str:
    for parametre, valeur in PARAMETRES.items():
        statement = statement.replace(parametre, valeur)
    assert not re.search(r"\{\{.*?\}\}|/\*.*?\*/", statement), f"unknown placeholder in: {statement}"
    return statement


def test_runbook_statements_are_found_in_every_form():
    texte = (
        '```sql\nSELECT 1 FROM impayes;\n-- seul\nSELECT 2;\n```\n'
        "```bash\ndocker exec -i akig-backend sh -c 'psql \"$DATABASE_URL\"' <<EOF\nSELECT 3;\nEOF\n"
        'docker exec akig-db psql -U akig_user -d akig -c \\\n  "SELECT 4\n   FROM missions"\n```\n'
    )

    assert runbook_statements(texte) == [
        "SELECT 1 FROM impayes", "SELECT 2", "SELECT 3", "SELECT 4\n   FROM missions",
    ]


def test_every_runbook_has_sql_to_check():
    assert [chemin.name for chemin in RUNBOOKS] == ["runbooks-akig.md", "template.md"]
    # 5 business queries, 3 validation counts, pg_stat_archiver, battements, SELECT 1,
    # pg_stat_activity twice (counts by state, the long-query kill), the failed emails, their
    # resending, the deletion of those of resolved escalations.
    assert len(statements_of(RUNBOOKS[0])) == 16
    assert len(statements_of(RUNBOOKS[1])) == 1


@pytest.mark.postgresql
@pytest.mark.django_db
@pytest.mark.parametrize("chemin", RUNBOOKS, ids=lambda chemin: chemin.name)
def test_every_runbook_statement_runs_on_the_schema(chemin):
    echecs = []
    for statement in statements_of(chemin):
        try:
            # Each in its own savepoint, rolled back: a runbook's write changes nothing here.
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(remplir(statement))
                transaction.set_rollback(True)
        except Exception as erreur:  # noqa: BLE001 — every failing statement is listed
            echecs.append(f"{statement}\n  → {erreur}")
    assert not echecs, "\n\n".join(echecs)


def runbook_paths() -> list[str]:
    """The path of every http(s) URL the runbooks name, without the query string."""
    chemins = set()
    for chemin in RUNBOOKS:
        for url in re.findall(r"https?://[^\s\"'`)]+", chemin.read_text(encoding="utf-8")):
            chemins.add(urlsplit(url).path or "/")
    return sorted(chemins)


def test_runbook_urls_are_the_ones_listed_here():
    assert runbook_paths() == ["/api/dashboard/resume", "/api/health", "/dashboard/", "/dashboard/impayes"]


@pytest.mark.parametrize("chemin", runbook_paths())
def test_every_runbook_url_exists(chemin):
    # As CommonMiddleware does: a path that only resolves with a trailing slash is redirected there.
    try:
        resolve(chemin)
    except Resolver404:
        if not settings.APPEND_SLASH or chemin.endswith("/"):
            raise
        resolve(chemin + "/")
