"""The mutation score of each module, from mutmut's results in mutants/ (see scripts/mutation.sh).

    python scripts/mutation_report.py [module.py …]    the README's table (all configured modules)
    python scripts/mutation_report.py --modules        the configured modules, one a line
    python scripts/mutation_report.py --survivors m.py the surviving mutants so far

A mutant counts as killed when a test failed or it ran into the time limit (a mutant that loops
for ever is caught as well); one no test calls, or not yet run, counts as surviving.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KILLED = {1, 3, 36, -24, 24, 152, 255}


def configured_modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    return list(config["only_mutate"])


def results(module: str, *, live: bool = False) -> dict[str, int | None]:
    """The module's results when its last run ended, or as they stand in a running one."""
    meta = ROOT / "mutants" / ("" if live else "results") / f"{module}.meta"
    if not meta.exists():
        return {}
    return json.loads(meta.read_text("utf-8"))["exit_code_by_key"]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--modules"]:
        print("\n".join(configured_modules()))
        return 0
    if argv[:1] == ["--survivors"]:
        for module in argv[1:]:
            live = results(module, live=True)
            if not any(code is not None for code in live.values()):
                live = results(module)  # another module's run has reset the live ones
            for name, code in sorted(live.items()):
                if code not in KILLED and code is not None:
                    print(f"{name}\t{code}")
        return 0
    print("| module | mutants | killed | score |")
    print("|---|---:|---:|---:|")
    for module in argv or configured_modules():
        codes = results(module)
        if not codes:
            print(f"| {module} | – | – | not run |")
            continue
        killed = sum(code in KILLED for code in codes.values())
        print(f"| {module} | {len(codes)} | {killed} | {killed * 100 / len(codes):.1f} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
