#!/usr/bin/env bash
# Update the Finnish (fi) and Meänkieli (fit) catalogues of the public pages.
#
# makemessages extracts every string into the fi and fit catalogues (msgmerge keeps what is
# already translated); msggrep then keeps only the strings that a visitor of the public pages
# can see: those from the sources in haparanda_social/catalogues.py PUBLIC_SOURCES, plus the
# few model choices (PUBLIC_EXTRA_MSGIDS) that the public pages show. The staff pages are in
# Swedish and English only, so their strings are not in these catalogues.
# After translating, run: .venv/bin/python manage.py compilemessages --ignore=.venv
set -euo pipefail
cd "$(dirname "$0")/.."

.venv/bin/python manage.py makemessages -l fi -l fit --no-obsolete \
  --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=tests >/dev/null

mapfile -t args < <(.venv/bin/python -m haparanda_social.catalogues msggrep-args)
for po in */locale/fi/LC_MESSAGES/django.po */locale/fit/LC_MESSAGES/django.po \
  locale/fi/LC_MESSAGES/django.po locale/fit/LC_MESSAGES/django.po; do
  [ -f "$po" ] || continue
  msggrep "${args[@]}" --sort-by-file -o "$po.public" "$po"
  if grep -q '^msgid "[^"]' "$po.public" 2>/dev/null; then
    mv "$po.public" "$po"
  else
    # No public string in this app: no catalogue for it in fi or fit.
    rm -f "$po.public" "$po" "${po%.po}.mo"
    rmdir -p --ignore-fail-on-non-empty "$(dirname "$po")"
  fi
done
echo "Updated the fi and fit catalogues; translate, then run compilemessages."
