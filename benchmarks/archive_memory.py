"""Peak memory of building an archival package for 10, 10 000 and 100 000 items.

Each size is built in a fresh process, so its peak resident set size (``ru_maxrss``) is its own;
a second build under ``tracemalloc`` gives the peak of Python allocations during the build. The
child processes a build starts (validating and deflating while it writes) are sampled for their
own peak (``VmHWM``) while the first build runs: the largest is reported.
The records come from ``SyntheticSource`` through the same streaming writers the real build
uses, and the XML is validated against the schema as in production.

    .venv/bin/python benchmarks/archive_memory.py            # 10, 10 000 and 100 000 items
    .venv/bin/python benchmarks/archive_memory.py 1000 5000  # other sizes
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10, 10_000, 100_000)


def _children_peak_kib(stop) -> list[int]:
    """Sample the peak resident memory of this process's children until ``stop`` is set."""
    peak = [0]

    def sample() -> None:
        while not stop.wait(0.02):
            for task in Path(f"/proc/{os.getpid()}/task").iterdir():
                for pid in (task / "children").read_text().split():
                    try:
                        status = Path(f"/proc/{pid}/status").read_text()
                    except OSError:
                        continue
                    for line in status.splitlines():
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]))

    threading.Thread(target=sample, daemon=True).start()
    return peak


def measure(n_items: int) -> dict:
    import datetime as dt
    import resource
    import tempfile
    import time
    import tracemalloc

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haparanda_social.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    from archiving.packaging import PackageInfo, build_package
    from archiving.packaging.synthetic import SyntheticSource

    info = PackageInfo(
        package_id="benchmark",
        kind="yearly",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        account_id=1,
    )
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "package.zip"
        # First build: time and peak resident memory, undisturbed by tracing.
        stop = threading.Event()
        children_peak = _children_peak_kib(stop)
        started = time.perf_counter()
        result = build_package(info, SyntheticSource(n_items), out, validate=True)
        seconds = time.perf_counter() - started
        stop.set()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Second build: the peak of Python allocations (tracemalloc slows it down several times).
        out.unlink()
        tracemalloc.start()
        build_package(info, SyntheticSource(n_items), out, validate=True)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {
        "items": n_items,
        "seconds": round(seconds, 1),
        "package_mb": round(result.size / 1e6, 1),
        "python_peak_mb": round(peak / 1e6, 1),
        "rss_peak_mb": round(rss_after / 1024, 1),  # Linux reports KiB
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
        "child_rss_peak_mb": round(children_peak[0] / 1024, 1),
    }


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--one":
        print(json.dumps(measure(int(argv[1]))))
        return
    sizes = [int(a) for a in argv] or list(SIZES)
    rows = []
    for n in sizes:
        # Our own interpreter running this file: no outside input reaches the command.
        out = subprocess.run(  # noqa: S603
            [sys.executable, __file__, "--one", str(n)],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    header = (
        "items",
        "seconds",
        "package MB",
        "Python peak MB",
        "RSS peak MB",
        "RSS growth MB",
        "child RSS peak MB",
    )
    keys = (
        "items",
        "seconds",
        "package_mb",
        "python_peak_mb",
        "rss_peak_mb",
        "rss_growth_mb",
        "child_rss_peak_mb",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(f"{row[k]:,}" for k in keys) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
