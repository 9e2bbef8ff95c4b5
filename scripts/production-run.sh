#!/usr/bin/env bash
# A production-shaped run: gunicorn on PostgreSQL, a Celery worker and one beat on Redis, from
# the same settings production uses (DEBUG off, collected static files served by whitenoise).
# Runs the browser journeys against it, then stops every process it started.
#   DATABASE_URL and CELERY_BROKER_URL must point at PostgreSQL and Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL database}"
: "${CELERY_BROKER_URL:?set CELERY_BROKER_URL to a Redis database}"
PORT=${PORT:-8811}
export DJANGO_DEBUG=false DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost SITE_URL="http://127.0.0.1:${PORT}"
export DJANGO_SECRET_KEY=${DJANGO_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')}
export DJANGO_STATIC_ROOT=${DJANGO_STATIC_ROOT:-$PWD/var/prod-static}
export DJANGO_MEDIA_ROOT=${DJANGO_MEDIA_ROOT:-$PWD/var/prod-media}
LOGS=var/production-run
mkdir -p "$LOGS"

db_name=${DATABASE_URL##*/}
admin_url=${DATABASE_URL%/*}/postgres
.venv/bin/python - "$admin_url" "$db_name" <<'PY'
import sys, psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PY
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/python manage.py seed_demo -v0

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

.venv/bin/gunicorn haparanda_social.wsgi --bind "127.0.0.1:${PORT}" --workers 2 \
  --access-logfile "$LOGS/access.log" --error-logfile "$LOGS/gunicorn.log" &
pids+=($!)
.venv/bin/celery -A haparanda_social worker --loglevel INFO --concurrency 2 \
  --hostname "ci-worker@%h" >"$LOGS/worker.log" 2>&1 &
pids+=($!)
.venv/bin/celery -A haparanda_social beat --loglevel INFO \
  --schedule "$LOGS/celerybeat-schedule" >"$LOGS/beat.log" 2>&1 &
pids+=($!)

for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:${PORT}/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:${PORT}/healthz" >/dev/null
# A ping is a broadcast: one sent before the worker listens is lost, so ask again until it answers.
for _ in $(seq 30); do
  .venv/bin/celery -A haparanda_social inspect ping --timeout 2 >/dev/null 2>&1 && break
  sleep 1
done
.venv/bin/celery -A haparanda_social inspect ping --timeout 5

BROWSER_BASE_URL="http://127.0.0.1:${PORT}" .venv/bin/pytest -m browser -p no:cacheprovider "$@"
