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
