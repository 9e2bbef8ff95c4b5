#!/usr/bin/env bash
# Mutation testing of the modules that decide (configured in pyproject.toml, [tool.mutmut]).
#   make mutation                                  every configured module, one after the other
#   make mutation MODULE=moderation/workdays.py    one module
# Each mutant runs against the tests that call the mutated function, among the tests chosen for
# the module in pyproject.toml ([tool.haparanda_social.mutation]), likely killers first (see
# scripts/mutation_run.py). Each test run takes a SQLite test database file of its own
# (TEST_DB_SLOTS, see tests/conftest.py). mutmut keeps its copy of the project and its results
# in mutants/ (git-ignored); each run tries every mutant of the module again.
# scripts/mutation_report.py prints the table for the README.
set -euo pipefail
cd "$(dirname "$0")/.."

# The validator of the archival packages lives in its own virtualenv beside the project.
export EARK_VALIDATOR_PYTHON="${EARK_VALIDATOR_PYTHON:-$PWD/.venv-eark/bin/python}"
# The property tests with the most examples run a tenth of them for each mutant.
export PROPERTY_EXAMPLES_SCALE=0.1
# Bytecode is kept: every run compiles the mutated modules, each holding all its mutants, again
# otherwise (seconds each for the largest).
unset PYTHONDONTWRITEBYTECODE
# The embedded SQLite default: a PostgreSQL test database would be made afresh for each mutant.
unset DATABASE_URL
# Mutants at a time, each test run on a test database file of its own.
export MUTATION_CHILDREN="${MUTATION_CHILDREN:-2}"
export TEST_DB_SLOTS="$MUTATION_CHILDREN"

if [ -n "${MODULE:-}" ]; then
  modules=("$MODULE")
else
  mapfile -t modules < <(.venv/bin/python scripts/mutation_report.py --modules)
fi

for module in "${modules[@]}"; do
  [ -f "$module" ] || { echo "No such module: $module"; exit 2; }
  echo "== $module"
  started=$SECONDS
  .venv/bin/python scripts/mutation_run.py "$module"
  echo "== $module: $((SECONDS - started)) s, $MUTATION_CHILDREN at a time, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
.venv/bin/python scripts/mutation_report.py "${modules[@]}"
