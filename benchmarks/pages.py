"""Throughput and latency of the pages people use most, with realistic volumes.

Builds a fresh database (SQLite in var/, or the PostgreSQL named by BENCH_DATABASE_URL) with
200 official accounts and a queue of 400 unhandled items, then requests each page repeatedly
through Django's full request stack in one process (middleware, ORM, templates; no network) and
prints requests per second, median and 95th-percentile latency and the queries per request.

    .venv/bin/python benchmarks/pages.py
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/haparanda_bench \\
        .venv/bin/python benchmarks/pages.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = 200
ITEMS = 400
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 200))


def _setup_database() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        import psycopg

        admin, name = url.rsplit("/", 1)
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = url
    else:
        path = ROOT / "var" / "bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"


def main() -> None:
    _setup_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haparanda_social.settings")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from accounts.models import AccountStatus, Role
    from moderation.services import ingest_item
    from tests.factories import add_role, make_account, make_department, make_user

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    departments = [make_department(f"Förvaltning {n}", f"forv{n}") for n in range(8)]
    communicator = make_user("bench.kommunikator", is_communicator=True)
    owner = make_user("bench.agare")
    deputy = make_user("bench.ersattare")
    manager = make_user("bench.chef")
    accounts = []
    for n in range(ACCOUNTS):
        account = make_account(
            created_by=owner,
            department=departments[n % len(departments)],
            status=AccountStatus.CLOSED if n % 10 == 0 else AccountStatus.ACTIVE,
        )
        add_role(account, owner, Role.OWNER, manager=manager)
        add_role(account, deputy, Role.DEPUTY, manager=manager)
        accounts.append(account)
    now = timezone.now()
    for n in range(ITEMS):
        ingest_item(
            account=accounts[1 + n % 9],
            platform_id=f"bench-{n}",
            kind="comment",
            author_name=f"Besökare {n}",
            text=f"Fråga nummer {n}: när öppnar simhallen igen efter renoveringen?",
            published_at=now - timezone.timedelta(minutes=7 * n),
            source="api",
        )

    anonymous = Client()
    staff = Client()
    staff.force_login(owner)
    boss = Client()
    boss.force_login(communicator)
    pages = [
        ("public list", anonymous, "/offentlig/"),
        ("public list, JSON", anonymous, "/offentlig/konton.json"),
        ("public list, CSV", anonymous, "/offentlig/konton.csv"),
        ("public account page", anonymous, f"/offentlig/konton/{accounts[1].pk}/"),
        (
            "verify an address",
            anonymous,
            f"/offentlig/kontrollera/?url={accounts[1].url}",
        ),
        (f"queue ({ITEMS} items)", staff, "/moderering/"),
        ("registry dashboard", boss, "/konton/"),
    ]
    print(
        f"{ACCOUNTS} accounts, {ITEMS} queued items, {REQUESTS} requests a page, "
        f"database: {connection.vendor}"
    )
    print()
    print("| page | requests/s | p50 ms | p95 ms | queries |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, client, url in pages:
        for _ in range(5):
            assert client.get(url).status_code == 200, url
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        timings = []
        started = time.perf_counter()
        for _ in range(REQUESTS):
            t0 = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - started
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"| {name} | {REQUESTS / elapsed:,.0f} | {statistics.median(timings):.1f} "
            f"| {p95:.1f} | {len(queries)} |"
        )


if __name__ == "__main__":
    main()
