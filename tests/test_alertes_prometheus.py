"""ops/prometheus: the alert rules are valid and fire on the recorded series of their tests.

Needs promtool (Debian's `prometheus` package, installed by .ci/run); skipped with that
reason when it is absent.
"""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

PROMTOOL = shutil.which("promtool")
DOSSIER = Path(settings.BASE_DIR) / "ops" / "prometheus"
pytestmark = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool absent (apt-get install prometheus ; .ci/run l'installe)"
)


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PROMTOOL, *args], cwd=DOSSIER, capture_output=True, text=True, timeout=120)


def test_alert_rules_pass_promtool_check():
    resultat = promtool("check", "rules", "alerts.yml")

    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "SUCCESS: 17 rules found" in resultat.stdout


def test_alert_rules_fire_on_recorded_series():
    resultat = promtool("test", "rules", "alerts.test.yml")

    assert resultat.returncode == 0, resultat.stdout + resultat.stderr


def test_every_runbook_alert_is_defined():
    regles = (DOSSIER / "alerts.yml").read_text()
    for alerte in ["HighErrorRate", "ImpayesCritiques", "AgentScoreBas", "PostgresDown", "RedisDown",
                   "RedisMemoire", "PostgresTailleBase", "PostgresConnexions", "EscaladesNonEvaluees",
                   "SauvegardeEnRetard", "SauvegardeEnEchec", "EmailsEnEchec"]:
        assert f"alert: {alerte}\n" in regles, alerte


def test_scrape_configuration_is_valid():
    # --syntax-only: the token file exists on the Prometheus host, not here.
    resultat = promtool("check", "config", "--syntax-only", "prometheus.yml")

    assert resultat.returncode == 0, resultat.stdout + resultat.stderr


def test_every_alert_is_seen_firing_and_held_back_by_the_recorded_series():
    regles = set(re.findall(r"- alert: (\w+)", (DOSSIER / "alerts.yml").read_text()))
    essais = (DOSSIER / "alerts.test.yml").read_text()
    # An expectation is `alertname: X` then `exp_alerts:` followed by alerts, or `exp_alerts: []`.
    declenchees = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels", essais))
    retenues = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts: \[\]", essais))

    assert regles - declenchees == set(), "alertes jamais vues se déclencher"
    assert regles - retenues == set(), "alertes jamais vues se taire"
