#!/usr/bin/env bash
# Create .venv and install the pinned dependencies, once per change of pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

# WeasyPrint (the PDF/A of a request's delivered files) needs Debian's Pango, and the PDF/A embeds
# the DejaVu fonts and Symbola (emoji); install them when missing and possible.
if { [ -z "$(/sbin/ldconfig -p 2>/dev/null | grep 'libpangoft2-1.0.so.0')" ] ||
     [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] ||
     [ -z "$(fc-list Symbola 2>/dev/null)" ]; } &&
   [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installerar Pango och DejaVu-typsnitten för PDF/A-filerna …"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-symbola; } \
    >/tmp/haparanda-apt-pango.log 2>&1 || echo "Kunde inte installera Pango (se /tmp/haparanda-apt-pango.log)."
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "Installerar beroenden i .venv …"
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e ".[dev]"; } >.venv/pip.log 2>&1; then
    tail -n 30 .venv/pip.log
    echo "Installationen misslyckades; se .venv/pip.log" >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The E-ARK reference validator (tests/archiving/test_eark_validation.py) pins lxml 5.1.0, which
# the project's lxml pin excludes, so it gets a virtualenv of its own.
EARK_VALIDATOR="eark-validator==1.1.3"
if [ ! -f ".venv-eark/.installed-$EARK_VALIDATOR" ]; then
  echo "Installerar $EARK_VALIDATOR i .venv-eark …"
  "$PYTHON" -m venv .venv-eark
  if ! .venv-eark/bin/python -m pip install "$EARK_VALIDATOR" >.venv-eark/pip.log 2>&1; then
    tail -n 30 .venv-eark/pip.log
    echo "Installationen av valideraren misslyckades; se .venv-eark/pip.log" >&2
    exit 1
  fi
  touch ".venv-eark/.installed-$EARK_VALIDATOR"
fi
