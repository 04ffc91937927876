"""Production defaults: `check --deploy` clean with HTTPS=1, what HTTPS=0 gives up, and the
security headers every page carries."""
import subprocess
import sys

import pytest
from django.conf import settings

CLE = "une-vraie-cle-de-production-assez-longue-et-aleatoire-4f9c2b7e1d"


def _check_deploy(**env) -> str:
    environnement = {"PATH": "/usr/bin:/bin", "SECRET_KEY": CLE, "DEBUG": "0", **env}
    resultat = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=settings.BASE_DIR,
                              env=environnement, capture_output=True, text=True)
    return resultat.stdout + resultat.stderr


def test_check_deploy_with_https_has_no_warning():
    assert "System check identified no issues (0 silenced)." in _check_deploy(HTTPS="1")


def test_check_deploy_without_https_says_what_an_intranet_over_http_gives_up():
    sortie = _check_deploy(HTTPS="0")
    for avertissement in ("W004", "W008", "W012", "W016"):  # HSTS, redirect, session and CSRF cookies
        assert avertissement in sortie


@pytest.mark.parametrize("variable, avertissement", [
    ("SECURE_HSTS_INCLUDE_SUBDOMAINS", "W005"), ("SECURE_HSTS_PRELOAD", "W021")])
def test_hsts_subdomains_and_preload_are_set_from_the_environment(variable, avertissement):
    assert avertissement in _check_deploy(HTTPS="1", **{variable: "0"})
    assert avertissement not in _check_deploy(HTTPS="1", **{variable: "1"})


@pytest.mark.django_db
def test_pages_carry_hsts_and_referrer_policy_over_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/connexion/").status_code == 301  # plain HTTP → HTTPS

    reponse = client.get("/connexion/", secure=True)

    assert reponse.status_code == 200
    assert reponse["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert reponse["Referrer-Policy"] == "same-origin"
    assert reponse["X-Content-Type-Options"] == "nosniff"


def _audit(monkeypatch, capsys, rapport: dict) -> tuple[int, str]:
    import importlib.util
    import json
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("pip_audit_akig", settings.BASE_DIR / "ops/audit/pip_audit.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module.subprocess, "run",
                        lambda *a, **k: SimpleNamespace(stdout=json.dumps(rapport), stderr="", returncode=0))
    monkeypatch.setattr(sys, "argv", ["pip_audit.py"])
    code = module.main()
    return code, capsys.readouterr().out


def test_make_audit_says_plainly_when_nothing_could_be_audited(monkeypatch, capsys):
    code, sortie = _audit(monkeypatch, capsys, {"dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"},
        {"name": "celery", "skip_reason": "Dependency not found on PyPI and could not be audited: celery (5.7.0)"},
    ], "fixes": []})
    assert code == 0
    assert sortie.startswith("AUDIT NON FAIT : aucune des 2 dépendances n'a pu être vérifiée")


def test_make_audit_fails_on_a_known_vulnerability(monkeypatch, capsys):
    code, sortie = _audit(monkeypatch, capsys, {"dependencies": [
        {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"]}]},
        {"name": "celery", "version": "5.7.0", "vulns": []},
    ], "fixes": []})
    assert code == 1
    assert "django 5.2.0 : PYSEC-2025-1 (corrigé en : 5.2.1)" in sortie
    assert "2 dépendances auditées, 0 non vérifiables, 1 avec une vulnérabilité connue." in sortie
