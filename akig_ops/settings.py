"""AKIG Ops settings, read from the environment (see README, "Production settings").

With nothing set, the project runs on a bare machine: SQLite, a local-memory
cache and Celery tasks run eagerly. Production sets DATABASE_URL (PostgreSQL)
and REDIS_URL.
"""
import datetime
import os
import tempfile
from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from akig_ops.lib.env import (
    env_bool,
    env_date,
    env_int,
    env_list,
    env_redis_url,
    env_reseaux,
    env_str,
    env_time,
    env_timezone,
)
from akig_ops.lib.csp import origine_tuiles
from akig_ops.lib.redis_coupe_circuit import ConnexionCoupeCircuit
from csp.constants import NONE as CSP_NONE, SELF as CSP_SELF

BASE_DIR = Path(__file__).resolve().parent.parent
_env = environ.Env()

DEBUG = env_bool("DEBUG", False)
# A fixed key is only acceptable for local runs; production must set its own.
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- HTTPS. Served over TLS in production: HTTP is redirected to HTTPS, browsers are told to
# come back over HTTPS only (HSTS, a year, subdomains included, preload-ready) and cookies only
# travel encrypted. An intranet served over plain HTTP sets HTTPS=0 and gives all of that up
# (docs/security.md). Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER=1 so Django
# trusts its X-Forwarded-Proto (else every request looks like HTTP and is redirected).
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0, minimum=0)
# Other hosts of the domain still on plain HTTP: set SECURE_HSTS_INCLUDE_SUBDOMAINS=0 (check
# --deploy then warns W005, rightly); SECURE_HSTS_PRELOAD=0 if the domain is not to be submitted
# to the browsers' preload list (W021).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Links to other sites carry no path or query string (ids of tenants, filters).
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Sessions read from the cache (Redis), written through to the database: a query less on every
# page; Redis flushed or down only costs that read again (docs/scaling.md, "Débit").
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    # Content-Security-Policy (its middleware below; its system checks).
    "csp",
    "django_prometheus",
    # Login throttling and lockout (per login and per address); attempts in the admin.
    "axes",
    # django-ninja: the field API; listed so its docs page uses its own static files (no CDN).
    "ninja",
    "akig_ops",
    "recovery.apps.RecoveryConfig",
    "agents.apps.AgentsConfig",
    # The follow-up ladder: above agents (missions, tasks), below the dashboard that shows it.
    "relances.apps.RelancesConfig",
    "dashboard.apps.DashboardConfig",
    "escalations.apps.EscalationsConfig",
    # The jobs that span the apps above (demo, import, bench, drill): last, it imports them.
    "donnees.apps.DonneesConfig",
]

MIDDLEWARE = [
    # First and last: requests, latency and status by view for /metrics (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id, the one log line per request, the French page of a timed-out query.
    "akig_ops.middleware.JournalRequetesMiddleware",
    # A NUL or a control character in the query string: a French 400 naming the parameter.
    "akig_ops.middleware.ParametresRequeteMiddleware",
    # Reads of the views marked @lecture_replique on the replica, if any; above the session,
    # whose save is a write that keeps this browser's next reads on the primary.
    "akig_ops.middleware.RepliqueMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages and CSVs gzipped (a phone on mobile data: the agent page's HTML 67 → 16 KB). Below
    # WhiteNoise, which answers static files with its own precompressed copies before this runs;
    # above everything that writes the body. BREACH: docs/security.md.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # An htmx swap that meets the login page or a 403: the whole window goes (HX-Redirect,
    # HX-Refresh), nothing is swapped into the table. Below the two above (user, request.htmx).
    "akig_ops.middleware.HtmxConnexionMiddleware",
    # An unreachable database: 503 + Retry-After in French, one log line a minute.
    "akig_ops.middleware.BaseInjoignableMiddleware",
    "akig_ops.middleware.DelaiRequetesWebMiddleware",
    # After the auth middleware: turns a locked-out login into the French lockout page (429).
    "axes.middleware.AxesMiddleware",
    # Downloads of personal data (CSV, PDF) in the audit log (/journal/).
    "akig_ops.middleware.AuditExportsMiddleware",
    # Content-Security-Policy on every answer (django-csp; CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "akig_ops.urls"
WSGI_APPLICATION = "akig_ops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: PostgreSQL in production, SQLite when DATABASE_URL is unset.
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://", "sqlite:")):
        raise ImproperlyConfigured(
            # Only the scheme is shown: the URL may hold a password.
            "DATABASE_URL is not a valid database URL (postgres://… or sqlite:…), "
            f"scheme {DATABASE_URL.split(':', 1)[0]!r}"
        )
    DATABASES = {"default": _env.db_url_config(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # One writer at a time: a second connection (cron's check_escalations beside the server,
        # the background thread of an eager task beside its request) waits this many seconds for
        # the lock instead of failing at once with "database is locked".
        timeout=5,
        # A transaction takes the write lock when it begins: one that read first could not wait
        # for it later (SQLite refuses the upgrade at once, a deadlock otherwise).
        transaction_mode="IMMEDIATE",
        # Readers go on while one connection writes. A commit is synced to disk at checkpoints
        # only: a power cut may lose the last commits, never corrupt the database (WAL).
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
    # The tests' database: a file, not SQLite's in-memory default, whose shared cache refuses a
    # second connection's write at once whatever the timeout. One per process, named after its
    # checkout: suites of other worktrees run beside this one on a developer's machine.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", Path(tempfile.gettempdir()) / f"akig_ops_test_{BASE_DIR.name}_{os.getpid()}.sqlite3")
# Persistent connections: one per web worker thread, reused, so the number of backends is
# bounded by the workers (see docs/operations.md), far below the runbook's alert at 95.
DATABASES["default"].setdefault("CONN_MAX_AGE", env_int("DB_CONN_MAX_AGE", 60, minimum=0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # A dead or unreachable server fails in seconds instead of hanging a worker
        # (libpq's minimum is 2 s); the name shows who holds a backend in pg_stat_activity.
        connect_timeout=env_int("DB_CONNECT_TIMEOUT", 2, minimum=2),
        application_name="akig_ops",
        # No JIT: our queries are short aggregates that PostgreSQL sometimes estimates costly
        # enough to compile, paying ~0.8 s of LLVM compiling for ~0.1 s of work (the legal list).
        options="-c jit=off",
    )
# A streaming replica (pg_basebackup -R) for the read-only analytics: the views marked
# @lecture_replique read there on GET while it answers and lags at most
# AKIG_REPLICA_RETARD_MAX_S seconds behind the primary, else on the primary; every write goes
# to the primary (akig_ops/lib/replique.py, docs/scaling.md). The lag is measured at most every
# AKIG_REPLICA_VERIFICATION_MS per process; a replica that failed is left alone for
# AKIG_REPLICA_PAUSE_APRES_ECHEC_MS (an unreachable host costs a connect timeout per probe).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
AKIG_REPLICA_RETARD_MAX_S = env_int("AKIG_REPLICA_RETARD_MAX_S", 10, minimum=0)
AKIG_REPLICA_VERIFICATION_MS = env_int("AKIG_REPLICA_VERIFICATION_MS", 5000, minimum=0)
AKIG_REPLICA_PAUSE_APRES_ECHEC_MS = env_int("AKIG_REPLICA_PAUSE_APRES_ECHEC_MS", 30000, minimum=0)
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql" or not DATABASE_REPLICA_URL.startswith(
        ("postgres://", "postgresql://")
    ):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL on both sides (DATABASE_URL and DATABASE_REPLICA_URL postgres://…)"
        )
    DATABASES["replica"] = {
        **_env.db_url_config(DATABASE_REPLICA_URL),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], "application_name": "akig_ops_lectures"},
        # Tests read the test database through the alias: no second test database.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["akig_ops.lib.replique.RouteurReplique"]
# Web requests only (akig_ops.middleware.DelaiRequetesWebMiddleware): a page's query is
# cancelled after this many milliseconds and the user sees a French error page. Celery
# workers and commands (import_csv…) legitimately run long and keep no limit. 0: none.
AKIG_WEB_STATEMENT_TIMEOUT_MS = env_int("AKIG_WEB_STATEMENT_TIMEOUT_MS", 10000, minimum=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery: Redis when REDIS_URL (CELERY_BROKER_URL) is set, otherwise in-process.
# Redis down is "performances dégradées", not an outage: django-redis ignores its errors
# (a read is a miss, a write is dropped), waits at most these timeouts, and logs the failure
# through the throttled logger below; its connection pool reconnects on its own.
REDIS_URL = env_redis_url("REDIS_URL", "")
REDIS_TIMEOUT_S = env_int("REDIS_TIMEOUT_MS", 250, minimum=1) / 1000
# After a failed connect, no new attempt on that server for this long (a circuit breaker:
# an unreachable host costs a request one timeout, not one per cache call).
REDIS_PAUSE_APRES_ECHEC_S = env_int("REDIS_PAUSE_APRES_ECHEC_MS", 2000, minimum=0) / 1000
REDIS_CACHE_OPTIONS = {
    "IGNORE_EXCEPTIONS": True,
    "SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_S,
    "SOCKET_TIMEOUT": REDIS_TIMEOUT_S,
}
if not REDIS_URL.startswith(("rediss://", "unix://")):  # TLS and sockets keep redis-py's classes
    REDIS_CACHE_OPTIONS["CONNECTION_POOL_KWARGS"] = {"connection_class": ConnexionCoupeCircuit}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "akig",
            "OPTIONS": REDIS_CACHE_OPTIONS,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Celery's queue belongs on its own Redis in production (docker-compose.yml's akig-broker,
# noeviction + append-only file): the cache's allkeys-lru would evict queued tasks under
# memory pressure. Unset, it is REDIS_URL (one Redis for both: tests, make demo, CI); with
# neither, tasks run eagerly in-process. Results (kept only for callers that wait on one)
# go to the broker's server unless CELERY_RESULT_BACKEND says otherwise. (Celery itself reads
# these two variables before its configuration: reading the same names keeps both in step.)
CELERY_BROKER_URL = env_redis_url("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env_redis_url("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    CELERY_BROKER_URL = "memory://"
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "akig_ops.cache"
# Publishing a task (akig_ops.lib.taches.tache_apres_commit) to a dead broker fails fast:
# one short connection attempt, one quick retry, then the page carries on. A hung broker
# (connects, never answers) is bounded by socket_timeout too (kombu's default: forever).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_S
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": REDIS_TIMEOUT_S, "socket_timeout": REDIS_TIMEOUT_S}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_S
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1,
}
# A worker started before its broker keeps trying to connect (production start order).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# --- Auth
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# AXES_FAILURE_LIMIT wrong passwords for one login, or from one address, lock it out for
# AXES_COOLOFF_MIN minutes (unlock before: delete its row in the admin's "Access attempts",
# or `manage.py axes_reset_username LOGIN`); a right password resets the count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MIN", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "akig_ops.views.connexion_bloquee"
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Behind the proxy, the client's address is the last one it adds (the rest can be forged).
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = 1
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accueil"
LOGOUT_REDIRECT_URL = "login"

# --- Email
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AKIG Ops <ops@akig.local>")

# --- Locale: French UI, Paris time unless told otherwise.
LANGUAGE_CODE = "fr-fr"
LANGUAGES = [("fr", "Français")]
# The source strings are French; the catalogue gives the plural entries their French forms
# (« 0 escalade », n ≤ 1 singular): without it, ngettext applies the English rule (n != 1).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_timezone("TIME_ZONE", "Europe/Paris")
CELERY_TIMEZONE = TIME_ZONE
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

# --- Static files, served compressed by WhiteNoise (no CDN: intranet).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Business settings
AKIG_DEVISE = env_str("AKIG_DEVISE", "€")
# Field agents' working hours: missions are planned inside them.
AKIG_AGENT_HEURE_DEBUT = env_time("AKIG_AGENT_HEURE_DEBUT", "08:00")
AKIG_AGENT_HEURE_FIN = env_time("AKIG_AGENT_HEURE_FIN", "18:00")
if AKIG_AGENT_HEURE_FIN <= AKIG_AGENT_HEURE_DEBUT:
    raise ImproperlyConfigured("AKIG_AGENT_HEURE_FIN must be after AKIG_AGENT_HEURE_DEBUT")

# --- Backups (runbook "Base de Données Down"): the daily pg_dump, kept N days.
# Point-in-time recovery is pgBackRest's, outside the app (docs/operations.md).
AKIG_BACKUP_DIR = Path(env_str("AKIG_BACKUP_DIR", str(BASE_DIR / "backups")))
AKIG_BACKUP_RETENTION_JOURS = env_int("AKIG_BACKUP_RETENTION_JOURS", 30, minimum=1)
# GPS positions kept in the database, in whole months before the current one (agents/partitions.py):
# older months are archived to AKIG_BACKUP_DIR/positions/ (checked) and dropped each night.
# 0, the default: kept forever. How long an employer may keep its agents' positions is the
# DPO's decision, not a default of the software (docs/operations.md).
AKIG_RETENTION_POSITIONS_MOIS = env_int("AKIG_RETENTION_POSITIONS_MOIS", 0, minimum=0)

# --- Escalations (escalations/): the runbook's business alerts, their emails and PDF reports.
# The public address of the app, for the links in emails (no trailing slash).
AKIG_BASE_URL = env_str("AKIG_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# How often beat evaluates the rules (minutes).
AKIG_ESCALADES_INTERVALLE_MIN = env_int("AKIG_ESCALADES_INTERVALLE_MIN", 5, minimum=1)
# Field agents' working days, ISO weekdays (1 = Monday): the score rule only watches them.
AKIG_AGENT_JOURS = [int(j) for j in env_list("AKIG_AGENT_JOURS", ["1", "2", "3", "4", "5"])]
if not set(AKIG_AGENT_JOURS) <= set(range(1, 8)):
    raise ImproperlyConfigured("AKIG_AGENT_JOURS must list ISO weekdays between 1 and 7")
# Public holidays are not working days either (akig_ops/lib/calendrier.py): the `holidays`
# library's country code ("" for none) and subdivision ("57": Moselle's two extra days).
AKIG_JOURS_FERIES_PAYS = env_str("AKIG_JOURS_FERIES_PAYS", "FR")
AKIG_JOURS_FERIES_SUBDIVISION = env_str("AKIG_JOURS_FERIES_SUBDIVISION", "")
# Outbox: attempts before a message is marked failed, first retry delay (doubled each time),
# and how long a claimed message may stay "sending" before another worker takes it back.
AKIG_OUTBOX_TENTATIVES = env_int("AKIG_OUTBOX_TENTATIVES", 8, minimum=1)
AKIG_OUTBOX_DELAI_S = env_int("AKIG_OUTBOX_DELAI_S", 60, minimum=1)
AKIG_OUTBOX_BAIL_S = env_int("AKIG_OUTBOX_BAIL_S", 600, minimum=30)
# An SMTP server that hangs must not hold a worker (seconds).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)

# --- Agents: intraday score, trails, field API
# Statuts of an action meaning "it did not happen": such an action is left out of the
# score. Compared without accents, case or extra spaces (docs/score.md).
AKIG_STATUTS_NON_REALISES = env_list(
    "AKIG_STATUTS_NON_REALISES",
    ["planifiee", "planifie", "prevue", "prevu", "a faire", "annulee", "annule", "reportee", "reporte"],
)
# Days the 5-minute intraday score snapshots are kept.
AKIG_SCORES_INSTANTANES_JOURS = env_int("AKIG_SCORES_INSTANTANES_JOURS", 35, minimum=1)
# Days of grace after the date promised before a promise to pay is rompue (docs/relances.md).
AKIG_PROMESSE_TOLERANCE_JOURS = env_int("AKIG_PROMESSE_TOLERANCE_JOURS", 3, minimum=0)
# Metres from a mission's site within which the GPS trail counts as "on site".
AKIG_RAYON_MISSION_M = env_int("AKIG_RAYON_MISSION_M", 100, minimum=1)
# Metres between an action's position and its tenant's site beyond which it is flagged.
AKIG_DISTANCE_ACTION_MAX_M = env_int("AKIG_DISTANCE_ACTION_MAX_M", 300, minimum=1)
# Minutes without a position, in working hours, after which the phone is flagged as silent.
AKIG_SILENCE_MAX_MIN = env_int("AKIG_SILENCE_MAX_MIN", 30, minimum=1)
# A silent phone whose last position said this battery level (%) or less, not charging, is
# explained by its battery (« batterie à 3 % à 14:02, puis silence »).
AKIG_BATTERIE_FAIBLE_PCT = env_int("AKIG_BATTERIE_FAIBLE_PCT", 15, minimum=0)
# Speed between two positions beyond which the jump is flagged as impossible (km/h).
AKIG_VITESSE_MAX_KMH = env_int("AKIG_VITESSE_MAX_KMH", 130, minimum=1)
# Map tiles (an XYZ URL such as https://tile.openstreetmap.org/{z}/{x}/{y}.png); empty:
# the trail draws on a blank background and no position leaves the intranet.
AKIG_CARTE_TUILES_URL = env_str("AKIG_CARTE_TUILES_URL", "")
# Shown in the map's corner when tiles are drawn: the tile provider's licence asks for it.
AKIG_CARTE_TUILES_ATTRIBUTION = env_str("AKIG_CARTE_TUILES_ATTRIBUTION", "© les contributeurs d’OpenStreetMap")
# --- Content-Security-Policy (django-csp; docs/security.md): scripts, styles, images, fonts and
# fetches from our own origin only, plus the tile server's images when one is set. No inline
# script anywhere (every script is a static file; the JSON data blocks are not run).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, *filter(None, [origine_tuiles(AKIG_CARTE_TUILES_URL)])],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}
# Largest request body the field API accepts (bytes); beyond it, 413.
AKIG_API_TERRAIN_TAILLE_MAX = env_int("AKIG_API_TERRAIN_TAILLE_MAX", 1_000_000, minimum=1_000)
# The bounds every value is checked against at the edge (akig_ops/lib/valeurs.py, docs/data-model.md):
# no instant before AKIG_INSTANT_MIN nor later than now + AKIG_AVANCE_MAX_HEURES (phones' clocks
# drift), no planned day later than today + AKIG_HORIZON_JOURS, no amount above AKIG_MONTANT_MAX €
# (one action, one debt; the single-amount columns hold 9 999 999 999,99).
AKIG_INSTANT_MIN = env_date("AKIG_INSTANT_MIN", "2000-01-01")
AKIG_AVANCE_MAX = datetime.timedelta(hours=env_int("AKIG_AVANCE_MAX_HEURES", 24, minimum=0))
AKIG_HORIZON_JOURS = env_int("AKIG_HORIZON_JOURS", 731, minimum=1)
AKIG_MONTANT_MAX = Decimal(env_int("AKIG_MONTANT_MAX", 1_000_000, minimum=1))
if AKIG_MONTANT_MAX >= Decimal("1e10"):
    raise ImproperlyConfigured("AKIG_MONTANT_MAX must be below 10 000 000 000 (the columns' width)")

CELERY_BEAT_SCHEDULE = {
    # The runbook's daily dump, at 02:00 business time (CELERY_TIMEZONE = TIME_ZONE),
    # when no agent is in the field.
    "sauvegarde-quotidienne": {
        "task": "akig_ops.tasks.sauvegarde_task",
        "schedule": crontab(hour=2, minute=0),
    },
    # The GPS positions' monthly partitions: the coming months' created ahead, old months
    # archived and dropped past AKIG_RETENTION_POSITIONS_MOIS; after the 02:00 dump, which
    # then still holds the month it drops.
    "positions-partitions": {
        "task": "agents.tasks.positions_partitions_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # The runbook's alerts: evaluate every rule, raise unacknowledged escalations a level,
    # resolve those whose condition stayed clear. Safe if two beats run (DB constraint + CAS).
    "escalades-evaluation": {
        "task": "escalations.tasks.evaluate_escalations_task",
        "schedule": crontab(minute=f"*/{AKIG_ESCALADES_INTERVALLE_MIN}"),
    },
    # The outbox's safety net: messages whose task was lost, retries that are due, claims
    # of a worker killed while sending.
    "escalades-outbox": {
        "task": "escalations.tasks.outbox_flush_task",
        "schedule": crontab(minute="*"),
    },
    # The directors' weekly PDF digest, Monday 07:30 business time.
    "escalades-synthese-hebdo": {
        "task": "escalations.tasks.weekly_digest_task",
        "schedule": crontab(minute=30, hour=7, day_of_week=1),
    },
    # Today's performance_historique rows follow the day's actions, so team leads
    # and the low-score alert see a score at most 15 minutes old.
    "performance-du-jour": {
        "task": "agents.tasks.compute_performance_task",
        "schedule": crontab(minute="*/15"),
    },
    # The business gauges of /metrics (every app's metriques.py): their SQL runs here, once a
    # minute, never on a scrape; the heartbeat ops.metriques says how fresh they are.
    "metriques-metier": {
        "task": "akig_ops.tasks.metriques_metier_task",
        "schedule": crontab(minute="*"),
    },
    # The day's per-site snapshot of impayés by ageing bucket (the dashboard's trend and
    # "vs 30 days ago"), just after midnight in TIME_ZONE (CELERY_TIMEZONE).
    "instantanes-sites": {
        "task": "recovery.tasks.instantanes_sites_task",
        "schedule": crontab(hour=0, minute=5),
    },
    # The roll and cure figures of the 12 month-ends /dashboard/roulement offers, stored once
    # a night (and after each import of impayes.csv): the page reads them, no grouping of the
    # settled instalments per request.
    "roulements": {
        "task": "recovery.tasks.roulements_task",
        "schedule": crontab(hour=0, minute=20),
    },
    # The follow-up ladder: each tenant moves to the step reached today (days late of the
    # oldest unpaid instalment, promises broken or kept) and its work is created, once
    # (compare-and-set per tenant: a second beat or a restart creates nothing twice).
    # 06:30 business time, so the day's missions and calls are on the lists before the field.
    "relances-avancer": {
        "task": "relances.tasks.relances_avancer_task",
        "schedule": crontab(hour=6, minute=30),
    },
    # Every working agent's intraday score, every 5 minutes: the agents' pages draw the
    # day's curve from it and the escalation rule "score < 5 pendant 2 h" reads it.
    "scores-instantanes": {
        "task": "agents.tasks.scores_instantanes_task",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Ops: /api/health, /api/dashboard/resume, /metrics, logs (docs/operations.md)
# The bearer token of scripts and runbooks (`Authorization: Bearer …`) for
# /api/dashboard/resume and /metrics; empty: no token is accepted.
AKIG_OPS_TOKEN = env_str("AKIG_OPS_TOKEN", "")
# Networks allowed to scrape /metrics without the token (Prometheus' address), CIDR list.
AKIG_METRIQUES_RESEAUX = env_reseaux("AKIG_METRIQUES_RESEAUX", [])
# Several web worker processes (gunicorn -w N): a directory shared by them, emptied at
# start-up, where prometheus-client sums their request series (its multiprocess mode).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", "")
# Reported by /api/health: the deployed release (e.g. the git commit).
AKIG_VERSION = env_str("AKIG_VERSION", "")
# Seconds a client is told to wait (Retry-After) when the database cannot be reached (503).
AKIG_RETRY_AFTER_S = env_int("AKIG_RETRY_AFTER_S", 30, minimum=1)
# A failing Redis, broker or database is logged at most once per this many seconds, not per request.
AKIG_LOG_INTERVALLE_PANNE_S = env_int("AKIG_LOG_INTERVALLE_PANNE_S", 60, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "id_requete": {"()": "akig_ops.lib.journal.FiltreIdRequete"},
        "une_fois_par_intervalle": {
            "()": "akig_ops.lib.journal.UneFoisParIntervalle",
            "intervalle": AKIG_LOG_INTERVALLE_PANNE_S,
        },
    },
    "formatters": {
        # One JSON object per line: request id, user, view, status, duration… as fields.
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(id_requete)s",
            "rename_fields": {"asctime": "horodatage", "levelname": "niveau", "name": "logger"},
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["id_requete"]},
    },
    "loggers": {
        "akig_ops.cache": {"filters": ["une_fois_par_intervalle"], "level": "WARNING"},
        "akig_ops.broker": {"filters": ["une_fois_par_intervalle"], "level": "WARNING"},
        "akig_ops.base": {"filters": ["une_fois_par_intervalle"], "level": "WARNING"},
        # The request log (akig_ops.middleware) replaces the dev server's own access lines.
        "django.server": {"level": "WARNING"},
        # django-axes says "BEGIN" at every start and logs each failure: the audit log has them.
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
