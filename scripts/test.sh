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
# GNU gettext (msgfmt) checks the translation catalogues below.
if ! command -v msgfmt >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installerar gettext för kontrollen av översättningarna …"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext; } \
    >/tmp/haparanda-apt-gettext.log 2>&1 || echo "Kunde inte installera gettext."
fi
if { [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -d node_modules/oidc-provider ]; } && command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel error || echo "Kunde inte installera axe-core."
fi

.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { .venv/bin/ruff format --check .; exit 1; }
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null

# The translation catalogues: each .po passes msgfmt's checks, its compiled .mo is up to date,
# and every string of the public pages is translated into Finnish and present in Meänkieli.
# (makemessages is not run here: its output depends on line numbers.)
mo_tmp="$(mktemp)"
msgfmt_log="$(mktemp)"
trap 'rm -f "$mo_tmp" "$msgfmt_log"' EXIT
for po in locale/*/LC_MESSAGES/django.po */locale/*/LC_MESSAGES/django.po; do
  case "$po" in .venv/* | node_modules/*) continue ;; esac
  # Warnings (such as header fields left at their defaults) are shown only if msgfmt fails.
  msgfmt --check -o "$mo_tmp" "$po" 2>"$msgfmt_log" || { cat "$msgfmt_log"; exit 1; }
  cmp -s "$mo_tmp" "${po%.po}.mo" || {
    echo "${po%.po}.mo is not compiled from $po: run manage.py compilemessages --ignore=.venv"
    exit 1
  }
done
.venv/bin/python -m haparanda_social.catalogues check >/dev/null || {
  .venv/bin/python -m haparanda_social.catalogues check
  exit 1
}
rm -f "$mo_tmp" "$msgfmt_log"
exec .venv/bin/pytest "$@"
