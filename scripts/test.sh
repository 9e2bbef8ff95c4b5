#!/usr/bin/env bash
# The whole test suite. SQLite by default; set DATABASE_URL=postgres://… to run on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh

# The browser tests need Debian's Chromium and axe-core from npm; install them when missing and
# possible (a test tool's own browser download does not work here, and is never used).
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installerar Chromium för webbläsartesterna …"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
    >/tmp/haparanda-apt.log 2>&1 || echo "Kunde inte installera Chromium (se /tmp/haparanda-apt.log)."
fi
if { [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -d node_modules/oidc-provider ]; } && command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel error || echo "Kunde inte installera axe-core."
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --check .; exit 1; }
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
exec .venv/bin/pytest "$@"
