"""Time and peak memory of culling 10 000 and 100 000 items (R22), not a timed test.

Each size runs in a fresh process on a fresh database (a temporary SQLite file, or the empty
PostgreSQL database named by ``BENCH_DATABASE_URL``, which is migrated and filled). The items
are visitors' comments from 2020 with one version each; the rule culls them outright. The
proposal, the approval (which recomputes the proposal's fingerprint) and the culling run are
timed separately; the run deletes and blanks in batches of ``retention.services.BATCH``, so its
memory should not grow with the number of items. The run is timed undisturbed, then its Python
allocation peak is measured on a second, equally large set under ``tracemalloc``.

    .venv/bin/python benchmarks/retention_cull.py             # 10 000 and 100 000 items
    .venv/bin/python benchmarks/retention_cull.py 1000 50000  # other sizes
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10_000, 100_000)
CHUNK = 5000


def _fill(account, n_items: int, prefix: str) -> None:
    import datetime as dt

    from django.utils import timezone

    from moderation.models import Item, ItemVersion

    published = dt.datetime(2020, 6, 1, 12, tzinfo=timezone.get_default_timezone())
    for start in range(0, n_items, CHUNK):
        items = Item.objects.bulk_create(
            Item(
                account=account,
                platform_id=f"{prefix}{i}",
                kind="comment",
                author_name="Anna Andersson",
                text=f"Kommentar nummer {i} om soptömningen på Storgatan",
                published_at=published,
                captured_at=published,
                source="api",
                status="handled",
            )
            for i in range(start, min(start + CHUNK, n_items))
        )
        ItemVersion.objects.bulk_create(
            ItemVersion(
                item=item,
                number=1,
                change="created",
                text=item.text,
                changed_at=published,
                recorded_at=published,
            )
            for item in items
        )


def _cull(communicator) -> dict:
    import time

    from retention import services
    from retention.models import CullingLogEntry

    started = time.perf_counter()
    proposal = services.proposal_prepare(actor=communicator)
    prepared = time.perf_counter()
    run = services.proposal_approve(proposal=proposal, actor=communicator)
    approved = time.perf_counter()
    services.run_culling(run_id=run.pk)
    done = time.perf_counter()
    entry = CullingLogEntry.objects.get(run=run, kind="visitor_items")
    return {
        "culled": entry.culled,
        "prepare": prepared - started,
        "approve": approved - prepared,
        "cull": done - approved,
    }


def measure(n_items: int) -> dict:
    import datetime as dt
    import resource
    import tracemalloc

    import django

    tmp = tempfile.mkdtemp(prefix="retention-bench-")
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/b.db"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haparanda_social.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from accounts.models import AccountStatus, Department, SocialAccount, User
    from haparanda_social.celery import app
    from retention import services

    # The approval enqueues the run on commit; the benchmark runs it itself, in this process.
    app.conf.task_always_eager = False
    app.conf.broker_url = "memory://"
    communicator = User.objects.create(username="bench.kommunikator", is_communicator=True)
    department = Department.objects.create(name="Kommunledningsförvaltningen", slug="klf")
    account = SocialAccount.objects.create(
        platform="facebook",
        handle="haparandabench",
        url="https://www.facebook.com/haparandabench",
        display_name="Haparanda bench",
        department=department,
        status=AccountStatus.ACTIVE,
        created_by=communicator,
    )
    services.rule_change(
        kind="visitor_items",
        actor=communicator,
        period_months=12,
        anchor="end_of_year",
        disposal="cull",
        decision_body="Kommunstyrelsen",
        decision_date=dt.date(2025, 1, 1),
        decision_reference="KS 2025/1",
        why="Benchmark",
    )
    _fill(account, n_items, "a")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timed = _cull(communicator)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert timed["culled"] == n_items, timed

    _fill(account, n_items, "b")
    tracemalloc.start()
    _cull(communicator)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "items": n_items,
        "database": django.db.connection.vendor,
        "prepare_s": round(timed["prepare"], 1),
        "approve_s": round(timed["approve"], 1),
        "cull_s": round(timed["cull"], 1),
        "python_peak_mb": round(peak / 1e6, 1),
        "rss_growth_mb": round((rss_after - rss_before) / 1024, 1),
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
    header = ("items", "database", "prepare s", "approve s", "cull s", "Python peak MB", "RSS +MB")
    keys = (
        "items",
        "database",
        "prepare_s",
        "approve_s",
        "cull_s",
        "python_peak_mb",
        "rss_growth_mb",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---:" for _ in header) + "|")
    for row in rows:
        print(
            "| "
            + " | ".join(f"{row[k]:,}" if isinstance(row[k], int) else str(row[k]) for k in keys)
            + " |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
