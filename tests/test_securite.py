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


def _reglages(*noms, **env) -> dict:
    """Settings as a fresh process reads them from `env` (HTTPS=1 as in production)."""
    import json

    environnement = {"PATH": "/usr/bin:/bin", "SECRET_KEY": CLE, "DEBUG": "0",
                     "DJANGO_SETTINGS_MODULE": "akig_ops.settings", **env}
    code = ("import json; from django.conf import settings; "
            f"print(json.dumps({{n: getattr(settings, n) for n in {list(noms)!r}}}, default=str))")
    resultat = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=environnement,
                              capture_output=True, text=True, check=True)
    return json.loads(resultat.stdout)


def test_https_makes_cookies_secure_and_turns_on_hsts_and_the_redirect():
    noms = ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
            "SECURE_REFERRER_POLICY", "SESSION_COOKIE_HTTPONLY")
    assert _reglages(*noms, HTTPS="1") == {
        "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000, "SECURE_REFERRER_POLICY": "same-origin", "SESSION_COOKIE_HTTPONLY": True}
    assert _reglages(*noms, HTTPS="0") == {
        "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False, "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0, "SECURE_REFERRER_POLICY": "same-origin", "SESSION_COOKIE_HTTPONLY": True}


@pytest.mark.django_db
def test_the_login_cookies_travel_over_https_only_when_https_is_on(client, settings):
    from tests.factories import UserFactory

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True  # what HTTPS=1 sets
    UserFactory(username="dir@akig.local", groups=["Direction"])
    page = client.get("/connexion/", secure=True)
    assert page.cookies["csrftoken"]["secure"] is True
    reponse = client.post("/connexion/", {"username": "dir@akig.local", "password": "motdepasse-test"}, secure=True)
    assert reponse.status_code == 302
    assert reponse.cookies["sessionid"]["secure"] is True and reponse.cookies["sessionid"]["httponly"] is True


POLITIQUE = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self'",
             "font-src": "'self'", "connect-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
             "form-action": "'self'", "frame-ancestors": "'none'"}


def _directives(reponse) -> dict:
    """The response's policy as {directive: sources} (django-csp does not keep their order)."""
    return dict(d.strip().split(" ", 1) for d in reponse["Content-Security-Policy"].split(";"))


@pytest.mark.django_db
def test_every_page_carries_the_content_security_policy_of_our_own_origin_only(client):
    assert _directives(client.get("/connexion/")) == POLITIQUE
    assert _directives(client.get("/page-qui-n-existe-pas/")) == POLITIQUE


@pytest.mark.django_db
def test_the_api_docs_page_alone_allows_data_images_for_swagger_ui_icons(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="dir@akig.local", groups=["Direction"]))
    assert _directives(client.get("/api/terrain/docs")) == {**POLITIQUE, "img-src": "'self' data:"}
    assert _directives(client.get("/agents/")) == POLITIQUE


def test_the_tile_server_is_the_only_other_origin_and_only_for_images():
    from akig_ops.lib.csp import origine_tuiles

    assert origine_tuiles("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://*.tile.openstreetmap.org"
    assert origine_tuiles("https://tuiles.akig.example:8443/osm/{z}/{x}/{y}.png") == "https://tuiles.akig.example:8443"
    assert origine_tuiles("https://Tile.OpenStreetMap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert origine_tuiles("") is None and origine_tuiles("javascript:alert(1)") is None

    directives = _reglages("CONTENT_SECURITY_POLICY", HTTPS="1",
                           AKIG_CARTE_TUILES_URL="https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")
    directives = directives["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["img-src"] == ["'self'", "https://*.tile.openstreetmap.org"]
    autres = [s for nom, sources in directives.items() if nom != "img-src" for s in sources]
    assert "https://*.tile.openstreetmap.org" not in autres
