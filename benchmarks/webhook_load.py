"""Webhook load: how many signed Facebook events per second the webhook accepts, and proof
that every accepted event was stored.

Starts gunicorn on 127.0.0.1 (a fresh embedded SQLite database by default, or the PostgreSQL
URL given), sends N signed feed events from a bounded pool of threads with ``http.client``,
then counts the stored raw events by the SHA-256 of each body sent. Only 127.0.0.1 is ever
contacted, and the run stops by itself (``--deadline``).

    .venv/bin/python benchmarks/webhook_load.py                       # 2000 events, 16 threads
    .venv/bin/python benchmarks/webhook_load.py --events 5000 --concurrency 32
    .venv/bin/python benchmarks/webhook_load.py --database-url postgres://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-app-secret"  # noqa: S105 - a throwaway secret for the local server
PATH = "/moderering/webhooks/facebook/"
PAGE_ID = "104500000000001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body_for(n: int, run: str) -> bytes:
    now = int(time.time())
    payload = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": now,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": f"{run}_{n}",
                            "post_id": f"{PAGE_ID}_{run}",
                            "parent_id": f"{PAGE_ID}_{run}",
                            "from": {"id": f"555{n}", "name": f"Besökare {n}"},
                            "message": f"Fråga nummer {n}: när plogas gatan?",
                            "created_time": now,
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    # Our own manage.py with fixed arguments.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return result.stdout


def wait_until_up(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    parser.add_argument("--deadline", type=float, default=300, help="seconds for the whole run")
    args = parser.parse_args()
    if not 1 <= args.events <= 100_000 or not 1 <= args.concurrency <= 256:
        parser.error("--events must be 1..100000 and --concurrency 1..256")
    deadline = time.monotonic() + args.deadline

    tmp = Path(tempfile.mkdtemp(prefix="webhook-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
        "DJANGO_SECRET_KEY": "benchmark-only-secret-key",
        "META_APP_SECRET": SECRET,
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_DIR": str(tmp / "broker"),
        "LOG_LEVEL": "WARNING",
    }
    for folder in ("queue", "processed"):
        (tmp / "broker" / folder).mkdir(parents=True, exist_ok=True)
    manage(env, "migrate", "--noinput")

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - gunicorn from this venv, fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "haparanda_social.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp / "gunicorn.log", "w"),  # noqa: SIM115
    )
    run = f"bench{int(time.time())}"
    bodies = [body_for(n, run) for n in range(args.events)]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    local = threading.local()

    def send(body: bytes) -> None:
        if time.monotonic() > deadline:
            return
        started = time.perf_counter()
        status = 0
        for _attempt in range(2):  # a closed keep-alive connection is reopened once
            try:
                if getattr(local, "conn", None) is None:
                    local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
                local.conn.request(
                    "POST",
                    PATH,
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": signature(body),
                    },
                )
                response = local.conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    local.conn.close()
                    local.conn = None
                break
            except (OSError, http.client.HTTPException):
                if getattr(local, "conn", None) is not None:
                    local.conn.close()
                local.conn = None
        elapsed = time.perf_counter() - started
        with lock:
            latencies.append(elapsed)
            statuses[status] = statuses.get(status, 0) + 1

    try:
        wait_until_up(port, min(deadline, time.monotonic() + 60))
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            list(pool.map(send, bodies))
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    hashes = tmp / "hashes.txt"
    hashes.write_text("\n".join(hashlib.sha256(b).hexdigest() for b in bodies))
    stored = int(
        manage(
            env,
            "shell",
            "-c",
            "from pathlib import Path; from moderation.models import RawEvent; "
            f"wanted = Path({str(hashes)!r}).read_text().split(); "
            "print(len(set(RawEvent.objects.filter(body_sha256__in=wanted)"
            ".values_list('body_sha256', flat=True))))",
        ).split()[-1]
    )
    accepted = statuses.get(200, 0)
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

    engine = "postgresql" if env["DATABASE_URL"].startswith("postgres") else "sqlite"
    print(f"database: {engine}, gunicorn workers: {args.workers}, threads: {args.concurrency}")
    print(f"sent: {len(latencies)}/{args.events}, accepted (200): {accepted}, statuses: {statuses}")
    print(f"accepted per second: {accepted / wall:.0f} (wall {wall:.2f} s)")
    print(
        f"latency ms: p50 {pct(0.50):.1f}, p95 {pct(0.95):.1f}, "
        f"mean {statistics.fmean(ordered) * 1000 if ordered else 0:.1f}"
    )
    print(f"stored: {stored}/{args.events}")
    ok = stored == args.events == accepted
    print("OK: every event sent was stored" if ok else "FAILED: events missing")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
