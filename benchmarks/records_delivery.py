"""Time and peak memory of writing a request's delivered files for 200 and 2 000 items.

Each size is written in a fresh process, so its peak resident set size (``ru_maxrss``) is its
own: the main process (which reads the items and writes the CSV and JSON) and, separately, the
largest of the worker processes that render the PDF parts. CPU seconds (main and workers
together) are printed beside the wall-clock time, as the wall clock depends on what else the
machine is doing. The items are synthetic: Swedish and Meänkieli texts of one to six sentences,
one to three messages before each in the thread, and three versions on every fifth item.

    .venv/bin/python benchmarks/records_delivery.py              # 200 and 2 000 items
    .venv/bin/python benchmarks/records_delivery.py 50 5000      # other sizes
    .venv/bin/python benchmarks/records_delivery.py --workers 1  # the parts one after another
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (200, 2_000)

SENTENCES = (
    "Hej! Är simhallen öppen på lördag?",
    "Tack för ett bra svar, det hjälpte oss mycket.",
    "Mie olen kotona ja häätyy mennä kaffile huomena.",
    "När plogas vägen till Seskarö? Den är helt igensnöad.",
    "Bussen från Torneå kom inte i morse, vad hände?",
    "Kiitos, tämä oli hyvä uutinen meile kaikile.",
    "Kan man boka idrottshallen för en turnering i höst?",
    "Skolmaten har blivit mycket bättre i år, tack till köket!",
)


def synthetic_items(count: int):
    import datetime as dt
    import random

    from records.handover import ContextEntry, DeliveredItem, DeliveredVersion

    rng = random.Random(count)  # noqa: S311 - synthetic data, the same on every run
    start = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)
    for n in range(count):
        published = start + dt.timedelta(minutes=37 * n)

        def text() -> str:
            return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(1, 6)))

        yield DeliveredItem(
            reference=f"FB-{100000 + n}",
            account_name="Haparanda kommun",
            platform="Facebook",
            account_url="https://www.facebook.com/haparandakommun",
            kind=rng.choice(("inlägg", "kommentar", "svar")),
            author=f"Användare {rng.randint(1, 500)}",
            published_at=published,
            text=text(),
            link=f"https://www.facebook.com/haparandakommun/posts/{100000 + n}",
            context=tuple(
                ContextEntry(f"Användare {i}", published - dt.timedelta(hours=i + 1), text())
                for i in range(rng.randint(1, 3))
            ),
            versions=tuple(
                DeliveredVersion(v, "redigerad", published + dt.timedelta(minutes=v), text())
                for v in range(1, 4)
            )
            if n % 5 == 0
            else (),
        )


def measure(count: int, workers: int) -> dict:
    import datetime as dt
    import resource
    import tempfile
    import time

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haparanda_social.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()

    from records.delivery import Delivery, write_delivery

    delivery = Delivery(
        reference="KS 2026/1",
        received_at=dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC),
        delivered_at=dt.datetime(2026, 6, 3, 13, 0, tzinfo=dt.UTC),
        items=lambda: synthetic_items(count),
        item_count=count,
        decision_text="Kommunen lämnar ut handlingarna.",
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        files = write_delivery(delivery, Path(tmp) / "delivery", workers=workers)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in files)
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "items": count,
        "workers": workers,
        "files": len(files),
        "megabytes": round(size / 1e6, 1),
        "seconds": round(seconds, 1),
        "cpu_seconds": round(
            own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime, 1
        ),
        "peak_rss_mb_main": own.ru_maxrss // 1024,
        "peak_rss_mb_worker": children.ru_maxrss // 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=SIZES)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        from records.delivery.parts import DEFAULT_WORKERS

        print(json.dumps(measure(args.one, args.workers or DEFAULT_WORKERS)))
        return
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for count in args.sizes:
        command = [sys.executable, __file__, "--one", str(count)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        out = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)  # noqa: S603
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
