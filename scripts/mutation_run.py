"""Run mutmut on one module against the tests chosen for it in pyproject.toml
([tool.haparanda_social.mutation]); see scripts/mutation.sh.

mutmut keeps one test selection for all its results, and a change of selection resets every
result. Each module here has its own selection (the tests of what it decides, so a surviving
mutant does not run the whole suite), so the module's results are kept apart in
mutants/results/ when its run ends, and the next module starts from its own.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def selection(module: str) -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    return config["tool"]["haparanda_social"]["mutation"][module]


def refresh_copied_files() -> None:
    """mutmut copies the project into mutants/ once and never again a file already there: a
    template, a catalogue, a test or a module not mutated that changed since (a migration added
    or removed) would be tested stale. Each such file is copied again when it differs, and one
    gone from the project is removed. The mutated modules mutmut regenerates itself, and its
    results (``.meta``) stay."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    mutated = {Path(path) for path in config["only_mutate"]}
    copied = [*config["source_paths"], *(p for p in config["also_copy"] if (ROOT / p).is_dir())]
    for source in copied:
        for path in sorted((ROOT / source).rglob("*")):
            relative = path.relative_to(ROOT)
            if path.is_dir() or "__pycache__" in relative.parts or relative in mutated:
                continue
            target = ROOT / "mutants" / relative
            if target.exists() and filecmp.cmp(path, target, shallow=False):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        copy = ROOT / "mutants" / source
        for path in sorted(copy.rglob("*")) if copy.exists() else ():
            relative = path.relative_to(ROOT / "mutants")
            if (
                path.is_file()
                and "__pycache__" not in relative.parts
                and path.suffix != ".meta"
                and not (ROOT / relative).exists()
            ):
                path.unlink()


def fresh_test_databases() -> None:
    """Each module starts on test database files migrated afresh: a file kept from another
    module's run may have been emptied by a transactional test's flush, which takes the rows
    the migrations seed (the retention rules) with it."""
    for path in (ROOT / "mutants" / "var").glob("test-db-*.sqlite3*"):
        path.unlink()


# Each killed mutant's first failing test, by the function it mutated: "function<TAB>test".
KILLERS = ROOT / "mutants" / "killers.tsv"


def run_likely_killers_first() -> None:
    """A mutant's run stops at its first failing test (``-x``), so the order of its tests is
    most of what a killed mutant costs. Each run records the test that killed its mutant
    (``KILLERS``); a mutant's tests then run in this order: those that killed other mutants of
    the same function, the most often first, then the rest fastest first, by the durations
    mutmut measured in its own first run (mutmut passes them in no particular order). Mutants
    of one function mostly break the same behaviour, so the first test tried usually kills. A
    surviving mutant still runs every one."""
    from mutmut.runners.harness import PytestRunner
    from mutmut.state import state
    from mutmut.utils.file_utils import change_cwd
    from mutmut.utils.format_utils import mangled_name_from_mutant_name

    def ordered(function: str, tests) -> list[str]:
        durations = state().duration_by_test
        kills: dict[str, int] = {}
        if KILLERS.exists():
            for line in KILLERS.read_text("utf-8").splitlines():
                killed, _, test = line.partition("\t")
                if killed == function:
                    kills[test] = kills.get(test, 0) + 1
        return sorted(tests, key=lambda t: (-kills.get(t, 0), durations.get(t, 0.0), t))

    class RecordKiller:
        def __init__(self, function: str):
            self.function = function
            self.recorded = False

        def pytest_runtest_logreport(self, report):
            if report.failed and not self.recorded:
                self.recorded = True
                # One short line in append mode: the two runs at a time never interleave.
                with KILLERS.open("a", encoding="utf-8") as out:
                    out.write(f"{self.function}\t{report.nodeid}\n")

    def run_tests(self, *, mutant_name, tests):
        if not mutant_name:
            return given(self, mutant_name=mutant_name, tests=tests)
        function = mangled_name_from_mutant_name(mutant_name)
        args = self._pytest_args_regular_run(ordered(function, tests))
        with change_cwd("mutants"):
            return int(self.execute_pytest(args, plugins=[RecordKiller(function)]))

    given = PytestRunner.run_tests
    PytestRunner.run_tests = run_tests


def main(module: str) -> int:
    from mutmut import configuration
    from mutmut.__main__ import cli

    configuration.config().pytest_add_cli_args_test_selection = selection(module)
    refresh_copied_files()
    fresh_test_databases()
    run_likely_killers_first()
    name = module.removesuffix(".py").replace("/", ".")
    meta = Path("mutants") / f"{module}.meta"
    kept = Path("mutants") / "results" / f"{module}.meta"
    # Each mutant's test run takes a test database file of its own (TEST_DB_SLOTS, see
    # tests/conftest.py), so never more mutants at a time than there are files.
    children = os.environ.get("MUTATION_CHILDREN", "1")
    if int(os.environ.get("TEST_DB_SLOTS") or 1) < int(children):
        raise SystemExit("MUTATION_CHILDREN is more than TEST_DB_SLOTS: runs would share a file")
    try:
        cli(["run", "--max-children", children, f"{name}.*"], standalone_mode=False)
    finally:
        if meta.exists():
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(meta, kept)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
