# akig-backend, akig-worker and akig-beat (docker-compose.yml): one image, three commands.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1

# psql and pg_dump 16 from PostgreSQL's apt repository: Debian 12's client is 15, and
# pg_dump refuses a newer server (akig-db runs 16). Pango for WeasyPrint's PDF reports.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc \
      https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
      > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-16 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Hashed and gzip'd static files for WhiteNoise (CompressedManifestStaticFilesStorage).
RUN SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --home /app akig \
 && mkdir -p /backups/postgres && chown akig /backups/postgres
USER akig
EXPOSE 4000
# Workers and threads: gunicorn.conf.py (WEB_CONCURRENCY processes, one per core).
CMD ["gunicorn", "akig_ops.wsgi", "--bind", "0.0.0.0:4000"]
