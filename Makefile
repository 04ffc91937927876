# AKIG Ops — the two commands of the README, and a few more for developers.
# Configuration comes from the environment (see README): with nothing set, SQLite,
# an in-process cache and eager Celery tasks.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Local runs only: production sets its own SECRET_KEY and leaves DEBUG off.
export SECRET_KEY ?= dev-only-insecure-key
DEMO_ENV := DEBUG=1

.PHONY: demo test audit bench drill charge-traqueurs loadtest mesure-mobile install migrate run worker beat clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 est requis ($(PYTHON) introuvable)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

## demo: install, migrate, load the small demo data, serve on http://127.0.0.1:8000
demo: migrate
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --profil small
	@# The runbook's alerts on the demo's debts: /escalations/ has something to act on. The
	@# emails (PDF attached) go to the console backend: kept out of the terminal here.
	$(DEMO_ENV) $(BIN)/python manage.py check_escalations > /dev/null
	@echo "Escalades évaluées : http://127.0.0.1:8000/escalations/"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

## audit: known vulnerabilities of the pinned requirements (pip-audit); says so plainly,
## without failing, when the vulnerability service cannot be reached from this machine
audit: install
	$(BIN)/python ops/audit/pip_audit.py requirements.txt

## test: the whole suite on the configured database (SQLite unless DATABASE_URL is set)
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## bench: generation, import (rows/s per file), performance and re-import timings,
## then every app's page/task timings, on the configured database; REPLACES its data.
## PROFILE=large for the full-size run; BENCH_ARGS="--sans-import" to time the pages
## on the data already loaded. PROFILE=xlarge (PostgreSQL and Redis): three years of 600 agents
## generated in SQL, then the production targets over HTTP (gunicorn), PASS/MISS beside the
## raw SQL and the large figures (docs/scaling.md); BENCH_ARGS="--annees 1" for a smaller run.
PROFILE ?= small
BENCH_ARGS ?=
bench: migrate
	$(BIN)/python manage.py bench --profil $(PROFILE) --remplacer $(BENCH_ARGS)

## drill: the restore drill on a throwaway PostgreSQL cluster (initdb on a spare port, as the
## postgres user; never the machine's server): demo, pgBackRest base backup, writes, loss,
## restore to the latest point; prints RPO and RTO. DRILL_ARGS="--depuis DUMP.sql.gz" for a
## bigger database (see docs/operations.md), "--secondes N" for the writing time.
DRILL_ARGS ?=
drill: install
	@bash ops/deploy/drill-prerequis.sh
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u CELERY_RESULT_BACKEND $(BIN)/python manage.py drill $(DRILL_ARGS)

## loadtest: throughput against gunicorn (DEBUG off, HTTPS=0, the configured Redis cache): 50
## logged-in users on the main pages for 60 s, 20 phones posting positions for 60 s (each one
## stored once, checked in the database), then the saturation step (users without think time
## until p95 > 250 ms). Loads the small demo into the configured database (REPLACES its data).
## AVANT=<git ref>: that commit's saturation first, back to back. Not part of `make test`.
AVANT ?=
loadtest: migrate
	LOADTEST_AVANT=$(AVANT) $(BIN)/python ops/loadtest.py

## mesure-mobile: the main pages on a slow phone (Chromium, 1.6 Mbit/s, 150 ms, CPU ×4), first
## and repeat visit, KiB and seconds to usable; loads the small demo into the configured database
## (REPLACES its data) and serves it with gunicorn, DEBUG off. Not part of `make test`.
mesure-mobile: install
	$(BIN)/python ops/mesure_mobile.py

run: install
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

worker: install
	$(BIN)/celery -A akig_ops worker --loglevel=info

beat: install
	$(BIN)/celery -A akig_ops beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles

## charge-traqueurs: positions/s through /api/terrain/osmand and /owntracks with 20 phones at
## once, against gunicorn (3 workers) on a spare port and the configured database (PostgreSQL
## for a real figure); its throwaway agents are deleted afterwards. Outside `make test`.
charge-traqueurs: migrate
	$(BIN)/python manage.py charge_traqueurs $(CHARGE_ARGS)
