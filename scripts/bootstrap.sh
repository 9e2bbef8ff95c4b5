#!/usr/bin/env bash
# Create .venv and install the pinned dependencies, once per change of pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
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
