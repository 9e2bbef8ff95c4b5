#!/usr/bin/env bash
# The embedded default: SQLite, Celery over the filesystem broker, console e-mail, demo data.
# Starts a Celery worker with embedded beat and the web server; Ctrl-C stops both.
set -euo pipefail
web=
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export DJANGO_DEBUG=${DJANGO_DEBUG:-true}
# The demo shows each demo user's one-time code on the second-factor page (never in production).
export DEMO_MODE=${DEMO_MODE:-true}
PORT=${PORT:-8000}
PY=.venv/bin/python
mkdir -p var
$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput --verbosity 0
$PY manage.py seed_demo
.venv/bin/celery -A haparanda_social worker --beat --loglevel INFO --concurrency 2 \
  --schedule var/celerybeat-schedule >var/celery.log 2>&1 &
worker=$!
trap 'kill $worker $web 2>/dev/null; wait 2>/dev/null' EXIT
trap 'exit 0' INT TERM
echo
echo "  Haparanda stad – sociala medier körs på http://127.0.0.1:${PORT}/"
echo "  Celery-arbetare med beat: loggar i var/celery.log"
$PY manage.py demo_logins
echo
$PY manage.py runserver "127.0.0.1:${PORT}" &
web=$!
# Whichever stops first (or Ctrl-C) stops both.
wait -n "$worker" "$web"
