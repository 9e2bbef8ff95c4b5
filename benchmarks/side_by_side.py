"""Side by side: the app's pages against a bare Django page, on the same server, in one run.

Seeds a fresh PostgreSQL database (dropped and created here) with 1 000 accounts, every tenth
closed, and 100 000 items of which 20 000 are unhandled on one owner's 10 accounts; starts the
bare page (``benchmarks/bare/``: one small template, no database) and the app under gunicorn
with the same settings (2 sync workers), the app as in production: DEBUG off, PostgreSQL, Redis
for the cache and the Celery broker. Logs in the owner and the communicator, then loads each page
in turn with ``wrk`` (2 threads × 16 connections, 10 s each by default), each between two 4 s
loads of the bare page, three rounds of all pages by default, and prints page | req/s | p50 ms |
p95 ms | the bare page's req/s before and after | share of the bare page (of the mean of those
two) | the shares of the rounds, each row from the round with the median share. The webhook is
loaded with signed Facebook events from a pool (``benchmarks/wrk/webhook.lua``), and the stored
events are counted afterwards. Right before it, the same events go to a second yardstick, the
bare page's server with one durable INSERT (``/write/``): the least any durable intake costs on
this machine. Only 127.0.0.1 is contacted. The whole run takes about twelve minutes.

    .venv/bin/python benchmarks/side_by_side.py                # or: make bench
    .venv/bin/python benchmarks/side_by_side.py --duration 5 --rounds 1 --reuse
    .venv/bin/python benchmarks/side_by_side.py --only list,json,webhook

Results are also written to benchmarks/results/ (not in git).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
WRK_DIR = ROOT / "benchmarks" / "wrk"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/haparanda_social_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
APP_SECRET = "benchmark-app-secret"  # noqa: S105 - a throwaway secret for the local server
SECRET_KEY = "benchmark-only-secret-key-not-for-production"  # noqa: S105
PASSWORD = "benchmark-password"  # noqa: S105 - the seeded people's password, local only
# The signed-in people's authenticator app (their second factor), local only.
TOTP_KEY = "3132333435363738393031323334353637383930"
SIGNED_IN = ("olle.agare", "karin.kommunikator")
PAGE_ID = "104500000000001"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

ACCOUNTS = 1_000
ITEMS = 100_000
STORM = 20_000  # unhandled, on the owner's accounts
OWNER_ACCOUNTS = 10
SEARCH_WORD = "simhallen"

# What a browser sends; every page, the bare one included, is asked the same way.
ACCEPT_ENCODING = "gzip, deflate"
# gunicorn, the same for the bare page and the app.
GUNICORN = ["--workers", "2", "--worker-class", "sync", "--log-level", "warning"]


@dataclass
class Page:
    key: str  # for --only
    name: str
    server: str  # "bare" or "app"
    path: str
    who: str = ""  # "", "owner" or "communicator"
    method: str = "GET"
    conditional: bool = False  # send the ETag back: the visitor's copy is current (304)


@dataclass
class Result:
    page: Page
    status: int
    requests: int = 0
    seconds: float = 0.0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    errors: int = 0
    note: str = ""
    bare_before: float = 0.0  # the bare page's rate in the 4 s just before this page
    bare_after: float = 0.0  # and just after
    counts: str = ""  # what a POST stored, for its row's name

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def bare_rate(self) -> float:
        """The bare page's rate around this page: the mean of the two loads beside it."""
        return (self.bare_before + self.bare_after) / 2

    @property
    def share(self) -> float | None:
        """The share of the bare page, None when the load did not run cleanly."""
        return self.rate / self.bare_rate if self.bare_rate and not self.note else None

    @property
    def name(self) -> str:
        name = f"{self.page.name} ({self.counts})" if self.counts else self.page.name
        return f"{name} ({self.note})" if self.note else name


# --- environment ------------------------------------------------------------------------------


def _require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit(
            "wrk is not installed. On Debian or Ubuntu: sudo apt-get install -y wrk\n"
            "(other systems: https://github.com/wg/wrk, 'make' builds it)."
        )
    return wrk


def _require_loopback(url: str, what: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"{what} must be on 127.0.0.1 (got {host!r}): the benchmark is local.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app_env(args, tmp: Path) -> dict[str, str]:
    redis = args.redis_url.rstrip("/")
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haparanda_social.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": args.database_url,
        # A key prefix of its own per run: copies from an earlier run are never read.
        "CACHE_URL": f"{redis}/{args.redis_db}?key_prefix=bench{int(time.time())}",
        "CELERY_BROKER_URL": f"{redis}/{args.redis_db}",
        "DJANGO_STATIC_ROOT": str(tmp / "static"),
        "META_APP_SECRET": APP_SECRET,
        "LOG_LEVEL": "WARNING",
    }


# --- seeding ----------------------------------------------------------------------------------


def _recreate_database(url: str) -> None:
    import psycopg

    admin, name = url.rsplit("/", 1)
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"unexpected database name {name!r}")
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _path_to(tree: dict, outcome: str) -> list[str]:
    """The answer keys that lead to ``outcome`` in the response model (depth first)."""

    def search(node_id: str, keys: list[str]) -> list[str] | None:
        for answer in tree["nodes"][node_id]["answers"]:
            if answer.get("outcome") == outcome:
                return [*keys, answer["key"]]
            if "goto" in answer and len(keys) < 20:
                found = search(answer["goto"], [*keys, answer["key"]])
                if found:
                    return found
        return None

    found = search(tree["start"], [])
    if found is None:
        raise SystemExit(f"the response model has no path to {outcome}")
    return found


def _seeded(connection) -> bool:
    """Whether the database to reuse holds a whole seed. The items' deliveries are seeded with
    them, so a database that is missing, not migrated, or seeded before they were, is seeded
    again."""
    from django.db.utils import OperationalError

    from moderation.models import RawEvent, RawEventStatus

    try:
        tables = connection.introspection.table_names()
    except OperationalError:  # no such database yet
        return False
    return (
        RawEvent._meta.db_table in tables
        and RawEvent.objects.filter(status=RawEventStatus.PROCESSED).exists()
    )


def seed() -> None:
    """Fill the database the way the services would have, in bulk."""
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import (
        AccountDecision,
        AccountRole,
        AccountStatus,
        AssignmentStatus,
        DecisionKind,
        Department,
        Goal,
        Platform,
        PublicRegistryVersion,
        Role,
        SocialAccount,
        User,
    )
    from accounts.visitor_info import standard_visitor_information
    from archiving.models import Snapshot, SnapshotKind, SnapshotStatus
    from moderation.models import (
        ActionKind,
        ConnectorConfig,
        ConnectorPlatform,
        Item,
        ItemKind,
        ItemSource,
        ItemStatus,
        ItemVersion,
        ModerationAction,
        RawEvent,
        RawEventStatus,
        VersionChange,
    )
    from moderation.response_model import Outcome, walk
    from moderation.services import _flags_for, response_model_ensure_default

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    password = make_password(PASSWORD)
    departments = Department.objects.bulk_create(
        Department(name=name, slug=slug)
        for name, slug in [
            ("Kultur- och fritidsförvaltningen", "kultur"),
            ("Samhällsbyggnadsförvaltningen", "samhallsbyggnad"),
            ("Barn- och utbildningsförvaltningen", "utbildning"),
            ("Socialförvaltningen", "social"),
            ("Kommunledningsförvaltningen", "kommunledning"),
            ("Räddningstjänsten", "raddning"),
            ("Turism och näringsliv", "turism"),
            ("Överförmyndarnämnden", "overformyndare"),
        ]
    )

    def user(username: str, **fields) -> User:
        first, _, last = username.partition(".")
        return User(
            username=username,
            first_name=first.capitalize(),
            last_name=last.capitalize(),
            email=f"{username}@haparanda.se",
            password=password,
            **fields,
        )

    communicator = user("karin.kommunikator", is_communicator=True, title="Kommunikatör")
    managers = [user(f"chef.{n}", title="Chef") for n in range(10)]
    owner = user("olle.agare", title="Kommunikatör, kultur")
    people = [user(f"person.{n}") for n in range(200)]
    User.objects.bulk_create([communicator, *managers, owner, *people])

    # Every tenth account is closed; the owner's ten storm accounts are all active.
    platforms = [Platform.FACEBOOK, Platform.INSTAGRAM, Platform.LINKEDIN, Platform.YOUTUBE]
    accounts = []
    owner_indexes = [i for i in range(ACCOUNTS) if i % 10][:OWNER_ACCOUNTS]
    for i in range(ACCOUNTS):
        platform = platforms[i % len(platforms)]
        handle = f"haparanda{i:04d}"
        closed = i % 10 == 0
        account = SocialAccount(
            department=departments[i % len(departments)],
            platform=platform,
            handle=handle,
            url={
                Platform.FACEBOOK: f"https://www.facebook.com/{handle}",
                Platform.INSTAGRAM: f"https://www.instagram.com/{handle}",
                Platform.LINKEDIN: f"https://www.linkedin.com/company/{handle}",
                Platform.YOUTUBE: f"https://www.youtube.com/@{handle}",
            }[platform],
            display_name=f"Haparanda {['kultur', 'bibliotek', 'simhall', 'turism'][i % 4]} {i}",
            status=AccountStatus.CLOSED if closed else AccountStatus.ACTIVE,
            created_by=owner if i in owner_indexes else people[i % len(people)],
            purpose="Informera om evenemang och öppettider i Haparanda.",
            audiences="Invånare och besökare.",
            goals=[Goal.ACCESSIBLE, Goal.DIALOGUE],
            plan="Två inlägg i veckan, bevakning varje vardag.",
            tonality="Personlig men inte privat.",
            answers="Frågor om evenemang och öppettider.",
            does_not_answer="Frågor om personuppgifter eller enskilda ärenden.",
            hours_per_week=2,
            public_contact="kommunikation@haparanda.se",
            credentials_location="I kommunens lösenordshanterare.",
            credentials_access="Kontoansvarig och ersättare.",
            starts_on=dt.date(2024, 1, 1),
            submitted_at=now - dt.timedelta(days=400),
            approved_at=now - dt.timedelta(days=390),
            closed_at=now - dt.timedelta(days=30) if closed else None,
        )
        for name, text in standard_visitor_information(account).items():
            setattr(account, name, text)
        accounts.append(account)

    with transaction.atomic():
        SocialAccount.objects.bulk_create(accounts, batch_size=500)
        roles, decisions, snapshots = [], [], []
        for i, account in enumerate(accounts):
            account_owner = owner if i in owner_indexes else people[i % len(people)]
            deputy = people[(i + 1) % len(people)]
            for person, role in ((account_owner, Role.OWNER), (deputy, Role.DEPUTY)):
                roles.append(
                    AccountRole(
                        account=account,
                        user=person,
                        role=role,
                        manager=managers[i % len(managers)],
                        assignment_status=AssignmentStatus.CONFIRMED,
                        assignment_decided_at=account.submitted_at,
                    )
                )
            decisions.append(
                AccountDecision(
                    account=account,
                    kind=DecisionKind.APPROVED,
                    actor=communicator,
                    created_at=account.approved_at,
                    details={"people": [{"id": account_owner.pk, "role": Role.OWNER}]},
                )
            )
            snapshots.append(
                Snapshot(
                    account=account,
                    kind=SnapshotKind.YEARLY,
                    year=2025,
                    period_start=dt.date(2025, 1, 1),
                    period_end=dt.date(2025, 12, 31),
                    status=SnapshotStatus.COMPLETE,
                    created_at=now - dt.timedelta(days=60),
                    completed_at=now - dt.timedelta(days=60),
                    file=f"archive/bench/{account.pk}-2025.zip",
                    sha256="0" * 64,
                    size=1024,
                )
            )
            if account.status == AccountStatus.CLOSED:
                for kind, when in (
                    (DecisionKind.CLOSING_STARTED, account.closed_at - dt.timedelta(hours=1)),
                    (DecisionKind.CLOSED, account.closed_at),
                ):
                    decisions.append(
                        AccountDecision(
                            account=account, kind=kind, actor=account_owner, created_at=when
                        )
                    )
        AccountRole.objects.bulk_create(roles, batch_size=2000)
        AccountDecision.objects.bulk_create(decisions, batch_size=2000)
        Snapshot.objects.bulk_create(snapshots, batch_size=1000)
        PublicRegistryVersion.objects.create(pk=1, number=len(decisions), changed_at=now)
        ConnectorConfig.objects.create(
            account=accounts[owner_indexes[0]],
            platform=ConnectorPlatform.FACEBOOK,
            external_id=PAGE_ID,
        )

    model = response_model_ensure_default()
    monitor_path = walk(model.tree, _path_to(model.tree, Outcome.MONITOR)).path
    texts = [
        "När öppnar simhallen igen efter renoveringen?",
        "Tack för en fin konsert i går!",
        "Varför plogas inte Storgatan? Det är livsfarligt.",
        "Hur söker man till sommarjobb?",
        "Köp billiga solglasögon på www.example.com",
        "Bra jobbat med julmarknaden!",
        "Mitt personnummer är 19121212-1212, kan ni ringa mig?",
        "Vilka tider har biblioteket i jul?",
    ]
    flags = [_flags_for(t) for t in texts]
    owner_accounts = [accounts[i] for i in owner_indexes]
    active = [a for a in accounts if a.status == AccountStatus.ACTIVE]
    with transaction.atomic():
        for start in range(0, ITEMS, 10_000):
            items = []
            for n in range(start, min(start + 10_000, ITEMS)):
                storm = n < STORM
                account = owner_accounts[n % OWNER_ACCOUNTS] if storm else active[n % len(active)]
                published = now - (
                    dt.timedelta(seconds=7 * n) if storm else dt.timedelta(minutes=3 * n)
                )
                text = texts[n % len(texts)]
                item_flags = flags[n % len(texts)]
                items.append(
                    Item(
                        account=account,
                        platform_id=f"{PAGE_ID}_{n}",
                        kind=ItemKind.COMMENT,
                        author_name=f"Besökare {n}",
                        author_platform_id=f"555{n}",
                        text=f"{text} ({n})",
                        published_at=published,
                        captured_at=published + dt.timedelta(seconds=5),
                        source=ItemSource.FACEBOOK,
                        flags=item_flags,
                        has_personal_data=bool(item_flags),
                        status=ItemStatus.NEW if storm else ItemStatus.HANDLED,
                        handled_at=None if storm else published + dt.timedelta(hours=3),
                        handled_by=None if storm else account.created_by,
                        outcome="" if storm else Outcome.MONITOR,
                    )
                )
            Item.objects.bulk_create(items, batch_size=2000)
            # The delivery each comment came in, processed: intake writes into a table of the
            # size it has in service. Into an empty one, it took a fifth fewer events a second.
            events = []
            for n, item in enumerate(items, start):
                body = comment_event(
                    item.platform_id,
                    f"{PAGE_ID}_post",
                    n,
                    item.text,
                    int(item.published_at.timestamp()),
                )
                events.append(
                    RawEvent(
                        source=ConnectorPlatform.FACEBOOK,
                        body=body.decode("utf-8"),
                        raw_body=body,
                        body_sha256=hashlib.sha256(body).hexdigest(),
                        received_at=item.captured_at,
                        status=RawEventStatus.PROCESSED,
                        attempts=1,
                        processed_at=item.captured_at,
                    )
                )
            RawEvent.objects.bulk_create(events, batch_size=2000)
            versions, actions = [], []
            for item in items:
                versions.append(
                    ItemVersion(
                        item=item,
                        number=1,
                        change=VersionChange.CREATED,
                        text=item.text,
                        changed_at=item.published_at,
                        recorded_at=item.captured_at,
                    )
                )
                actions.append(
                    ModerationAction(
                        item=item,
                        kind=ActionKind.RECEIVED,
                        created_at=item.captured_at,
                        details={"source": item.source, "flags": item.flags},
                    )
                )
                if item.status == ItemStatus.HANDLED:
                    actions.append(
                        ModerationAction(
                            item=item,
                            kind=ActionKind.TRIAGED,
                            outcome=Outcome.MONITOR,
                            actor=item.handled_by,
                            created_at=item.handled_at,
                            response_model=model,
                            path=monitor_path,
                        )
                    )
            ItemVersion.objects.bulk_create(versions, batch_size=2000)
            ModerationAction.objects.bulk_create(actions, batch_size=2000)
    print(f"  seeded in {time.monotonic() - started:.0f} s", flush=True)


def settle() -> None:
    """Leave the database as a server that has run for a while has it before each run:
    statistics current, dead rows (the last run's webhook events) cleared and the rows'
    visibility recorded (VACUUM), and the seeding's writes already on disk (CHECKPOINT), not
    written out while the first pages are measured. CHECKPOINT needs a superuser or the
    pg_checkpoint role; without either, the run goes on and says so."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
        try:
            cursor.execute("CHECKPOINT")
        except DatabaseError as error:
            print(f"  no CHECKPOINT before the load ({error})".rstrip(), flush=True)


def login_cookie(port: int, username: str) -> str:
    """Log in through the login form, as a person does; returns the cookies a browser would
    send afterwards: the session and the CSRF token that signing in renewed."""
    from http.cookies import SimpleCookie
    from urllib.parse import urlencode

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/logga-in/")
    response = conn.getresponse()
    page = response.read().decode("utf-8")
    cookies = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/logga-in/",
        body=urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken'].value}",
            "Referer": f"http://127.0.0.1:{port}/logga-in/",
        },
    )
    response = conn.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    if response.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"logging in {username} failed (HTTP {response.status})")
    _second_factor(port, username, cookies)
    return f"sessionid={cookies['sessionid'].value}; csrftoken={cookies['csrftoken'].value}"


def _second_factor(port: int, username: str, cookies) -> None:
    """The code from the person's authenticator app, given on the second step as they would."""
    from urllib.parse import urlencode

    from django_otp.oath import TOTP

    def sent() -> str:
        return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/mina-inloggningar/tva-steg/", headers={"Cookie": sent()})
    response = conn.getresponse()
    page = response.read().decode("utf-8")
    if response.status != 200:
        return  # no second step asked of this person
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    code = f"{TOTP(bytes.fromhex(TOTP_KEY)).token():06d}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(
        "POST",
        "/mina-inloggningar/tva-steg/",
        body=urlencode({"code": code, "csrfmiddlewaretoken": token}),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": sent(),
            "Referer": f"http://127.0.0.1:{port}/mina-inloggningar/tva-steg/",
        },
    )
    response = conn.getresponse()
    response.read()
    for header in response.headers.get_all("Set-Cookie") or []:
        cookies.load(header)
    if response.status != 302:
        raise SystemExit(f"the second factor of {username} failed (HTTP {response.status})")


def _authenticator_apps() -> None:
    """Each signed-in person has an authenticator app, as the roles they hold require."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User

    for user in User.objects.filter(username__in=SIGNED_IN):
        TOTPDevice.objects.update_or_create(
            user=user,
            name="Benchmark app",
            defaults={"key": TOTP_KEY, "confirmed": True, "tolerance": 1, "last_t": -1},
        )


# --- servers and load ------------------------------------------------------------------------


def start_gunicorn(module: str, env: dict, log: Path) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - gunicorn from this venv, fixed arguments
        [sys.executable, "-m", "gunicorn", module, "--bind", f"127.0.0.1:{port}", *GUNICORN],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{module} did not start; see {log}")
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"{module} did not start in time; see {log}")


def fetch_once(port: int, page: Page, cookie: str) -> tuple[int, str]:
    """GET the page once; its status and its ETag."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept-Encoding": ACCEPT_ENCODING, **({"Cookie": cookie} if cookie else {})}
    conn.request("GET", page.path, headers=headers)
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("ETag", "")


_RESULT = re.compile(r"RESULT (.*)")


def run_wrk(
    wrk: str, args, port: int, page: Page, cookie: str, pool: Path | None, etag: str = ""
) -> dict:
    command = [
        wrk,
        "--threads",
        str(args.threads),
        "--connections",
        str(args.connections),
        "--duration",
        f"{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    if page.method == "GET":
        command += ["--header", f"Accept-Encoding: {ACCEPT_ENCODING}"]
    if etag:
        command += ["--header", f"If-None-Match: {etag}"]
    if pool is not None:
        command += ["--script", str(WRK_DIR / "webhook.lua")]
    else:
        command += ["--script", str(WRK_DIR / "report.lua")]
    command.append(f"http://127.0.0.1:{port}{page.path}")
    if pool is not None:
        command += ["--", str(pool), str(args.threads)]
    output = subprocess.run(  # noqa: S603 - wrk with fixed arguments, loopback only
        command, capture_output=True, text=True, timeout=args.duration + 60, check=True
    ).stdout
    match = _RESULT.search(output)
    if match is None:
        raise SystemExit(f"wrk gave no result for {page.name}:\n{output}")
    return {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}


def comment_event(comment_id: str, post_id: str, n: int, message: str, created: int) -> bytes:
    """A Facebook webhook delivery of one new comment, as Meta sends it."""
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": created,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": "add",
                                "comment_id": comment_id,
                                "post_id": post_id,
                                "parent_id": post_id,
                                "from": {"id": f"777{n}", "name": f"Besökare {n}"},
                                "message": message,
                                "created_time": created,
                            },
                        }
                    ],
                }
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")


def webhook_pool(path: Path, size: int, run: str) -> list[str]:
    """``size`` signed, distinct Facebook comment events, one per line; returns their SHA-256."""
    hashes = []
    created = int(time.time())
    with path.open("w", encoding="utf-8") as out:
        for n in range(size):
            body = comment_event(
                f"{run}_{n}", f"{PAGE_ID}_{run}", n, f"Fråga nummer {n}: när plogas gatan?", created
            )
            signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
            out.write(f"sha256={signature}\t{body.decode('utf-8')}\n")
            hashes.append(hashlib.sha256(body).hexdigest())
    return hashes


def _prepare_write_table() -> None:
    """The durable write's table, empty: a row id and the body, no other index."""
    from django.db import connection

    from benchmarks.bare.urls import WRITE_TABLE

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {WRITE_TABLE} "
            "(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body bytea NOT NULL)"
        )
        cursor.execute(f"TRUNCATE {WRITE_TABLE}")


def _check_written(stats: dict, connections: int) -> tuple[str, str]:
    """Every accepted write is stored: count the durable write's rows (up to one per connection
    more, the requests in flight when wrk stopped), then empty its table."""
    from django.db import connection

    from benchmarks.bare.urls import WRITE_TABLE

    time.sleep(1)  # the requests in flight when wrk stopped
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {WRITE_TABLE}")  # noqa: S608
        (stored,) = cursor.fetchone()
        cursor.execute(f"TRUNCATE {WRITE_TABLE}")
    connection.close()
    accepted = stats["requests"] - stats["status_errors"]
    return f"{accepted:,} accepted, {stored:,} stored", _unstored(accepted, stored, connections)


def _unstored(accepted: int, stored: int, connections: int) -> str:
    """A note when fewer were stored than accepted, or more than the requests in flight when
    wrk stopped (at most one per connection) can explain."""
    if not accepted <= stored <= accepted + connections:
        return f"{accepted - stored} accepted not stored"
    return ""


def _last_event_id() -> int:
    from django.db import connection
    from django.db.models import Max

    from moderation.models import RawEvent

    last = RawEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    connection.close()
    return last


def _check_stored(
    stats: dict, pool_hashes: list[str], connections: int, after: int
) -> tuple[str, str]:
    """Every accepted event is stored exactly once: count the rows the run stored (those above
    ``after``, the last event before the load) by body hash. Requests still in flight when wrk
    stops are stored but not counted as accepted, so up to one per connection more may be
    stored. The run's events are then deleted, so that every run measures intake into a table
    of the same size. Returns the counts, and a note when something is off."""
    from django.db import connection

    from moderation.models import RawEvent

    time.sleep(1)  # the requests in flight when wrk stopped
    sent = set(pool_hashes)
    run = RawEvent.objects.filter(pk__gt=after)
    stored = [h for h in run.values_list("body_sha256", flat=True) if h in sent]
    run.filter(body_sha256__in=stored).delete()
    connection.close()
    accepted = stats["requests"] - stats["status_errors"]
    print(
        f"    webhook: {accepted:,} accepted, {len(stored):,} stored, "
        f"{len(set(stored)):,} distinct",
        flush=True,
    )
    counts = f"{accepted:,} accepted, {len(stored):,} stored, {len(set(stored)):,} distinct"
    if stats["wrapped"]:
        return counts, "the event pool ran out"
    if len(set(stored)) != len(stored):
        return counts, "an event was stored twice"
    return counts, _unstored(accepted, len(stored), connections)


def _clean_redis(env: dict) -> None:
    """Drop what the run left in Redis: its cached copies and the unprocessed webhook tasks."""
    import redis

    prefix = env["CACHE_URL"].rsplit("key_prefix=", 1)[1]
    client = redis.Redis.from_url(env["CELERY_BROKER_URL"])
    for pattern in (f"{prefix}:*", "_kombu.binding.*"):
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.delete("celery")


def pages(data: dict) -> list[Page]:
    lookup = data["lookup_url"]
    deep = STORM // 50 // 2  # the middle of the storm, at 50 items a page
    item = data["storm_item"]
    return [
        Page("bare", "bare Django page", "bare", "/"),
        Page("list", "public list", "app", "/offentlig/"),
        Page("json", "public list, JSON", "app", "/offentlig/konton.json"),
        Page("csv", "public list, CSV", "app", "/offentlig/konton.csv"),
        Page("lookup", "lookup", "app", f"/offentlig/kontrollera/?url={lookup}"),
        Page(
            "revalidate",
            "public list, revalidated (304)",
            "app",
            "/offentlig/",
            conditional=True,
        ),
        Page("dashboard", "registry dashboard (communicator)", "app", "/konton/", "communicator"),
        Page("archive", "archive overview (communicator)", "app", "/arkiv/", "communicator"),
        Page("queue", "owner's queue, first page", "app", "/moderering/", "owner"),
        Page("deep", f"owner's queue, page {deep}", "app", f"/moderering/?sida={deep}", "owner"),
        Page("search", "owner's queue, search", "app", f"/moderering/?q={SEARCH_WORD}", "owner"),
        Page("triage", "triage page", "app", f"/moderering/objekt/{item}/", "owner"),
        Page("write", "bare page + one durable INSERT", "bare", "/write/", "", "POST"),
        Page("webhook", "webhook intake", "app", "/moderering/webhooks/facebook/", "", "POST"),
    ]


def _by_page(results: list[Result]) -> dict[str, list[Result]]:
    """Each page's results, one per round, in the order the pages were loaded."""
    rounds: dict[str, list[Result]] = {}
    for result in results:
        rounds.setdefault(result.page.key, []).append(result)
    return rounds


def _median(results: list[Result]) -> Result:
    """The round with the median share (the lower of the two middle ones for an even number);
    the first round that did not run cleanly, if any did not."""
    failed = [r for r in results if r.share is None]
    if failed:
        return failed[0]
    middle = statistics.median_low(r.share for r in results)
    return next(r for r in results if r.share == middle)


def _intake_against_write(results: list[Result]) -> str:
    """The webhook's rate against the bare durable write's, round by round, when both were
    measured cleanly: what the app's intake costs beyond the one INSERT and commit that no
    durable intake avoids."""
    pages = _by_page(results)
    pairs = list(zip(pages.get("write", []), pages.get("webhook", []), strict=False))
    ratios = sorted(h.rate / w.rate for w, h in pairs if w.rate and not (w.note or h.note))
    if not ratios:
        return ""
    spread = ""
    if len(ratios) > 1:
        spread = f" (median of {len(ratios)} rounds; {ratios[0]:.2f}–{ratios[-1]:.2f})"
    return (
        f"\nThe webhook's rate is {statistics.median_low(ratios):.2f} of the bare page's with one "
        f"durable INSERT{spread}.\n"
    )


def table(results: list[Result]) -> str:
    """One row per page: with several rounds, the round with the median share, and the shares
    of every round beside it."""
    pages = _by_page(results)
    several = any(len(rounds) > 1 for rounds in pages.values())
    head = (
        "| page | req/s | p50 ms | p95 ms | bare page req/s before / after "
        "| share of the bare page |"
    )
    rule = "| --- | ---: | ---: | ---: | ---: | ---: |"
    if several:
        head += " shares of the rounds |"
        rule += " ---: |"
    lines = [head, rule]
    for rounds in pages.values():
        r = _median(rounds)
        share = f"{r.share:.2f}" if r.share is not None else "–"
        line = (
            f"| {r.name} | {r.rate:,.0f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} "
            f"| {r.bare_before:,.0f} / {r.bare_after:,.0f} | {share} |"
        )
        if several:
            shares = ", ".join(f"{x.share:.2f}" if x.share is not None else "–" for x in rounds)
            line += f" {shares} |"
        lines.append(line)
    return "\n".join(lines)


def _measure(
    wrk, args, page: Page, port: int, cookies, pool, pool_hashes, *, quiet: bool = False
) -> Result:
    cookie = cookies[page.who]
    status, etag = 200, ""
    if page.method == "GET":
        # Once before the load: the status goes into the table, and caches are warm.
        status, etag = fetch_once(port, page, cookie)
    if page.conditional and not etag:
        status = 0
    if not quiet:
        print(f"  {page.name}: {page.method} {page.path[:70]} → {status}", flush=True)
    after = _last_event_id() if page.server == "app" and page.method == "POST" else 0
    stats = run_wrk(
        wrk,
        args,
        port,
        page,
        cookie,
        pool if page.method == "POST" else None,
        etag if page.conditional else "",
    )
    result = Result(
        page=page,
        status=status,
        requests=stats["requests"],
        seconds=stats["duration_us"] / 1e6,
        p50_ms=stats["p50_us"] / 1000,
        p95_ms=stats["p95_us"] / 1000,
        errors=stats["status_errors"] + stats["timeouts"] + stats["read_errors"],
    )
    if status != 200:
        result.note = f"HTTP {status}" if status else "no ETag"
    elif result.errors:
        result.note = f"{result.errors:,} errors"
    if page.method == "POST":
        if page.server == "bare":
            counts, problem = _check_written(stats, args.connections)
        else:
            counts, problem = _check_stored(stats, pool_hashes, args.connections, after)
        result.counts = counts
        result.note = result.note or problem
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument(
        "--bare-duration", type=int, default=4, help="seconds of the bare page before each page"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS, help="cache and broker")
    parser.add_argument(
        "--redis-db", type=int, default=11, help="a Redis database of its own (the tests use 13)"
    )
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="load every page this many times in turn; each row shows the round with the median "
        "share, beside the shares of all rounds",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated keys: list, json, csv, lookup, revalidate, dashboard, archive, "
        "queue, deep, search, triage, write, webhook (the bare page is always measured)",
    )
    args = parser.parse_args()
    if not 1 <= args.duration <= 60 or not 1 <= args.bare_duration <= 60:
        parser.error("--duration and --bare-duration must be 1..60 s")
    if not 1 <= args.rounds <= 9:
        parser.error("--rounds must be 1..9")
    if not 1 <= args.threads <= 8:
        parser.error("--threads must be 1..8")
    if not args.threads <= args.connections <= 256:
        parser.error("--connections must be between --threads and 256")
    wrk = _require_wrk()
    _require_loopback(args.database_url, "the database")
    _require_loopback(args.redis_url, "Redis")

    tmp = Path(tempfile.mkdtemp(prefix="side-by-side-"))
    env = _app_env(args, tmp)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    if not args.reuse:
        print(f"Creating {args.database_url.rsplit('/', 1)[1]} …", flush=True)
        _recreate_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import AccountStatus, SocialAccount
    from moderation.models import Item, ItemStatus

    if not args.reuse or not _seeded(connection):
        if args.reuse:
            connection.close()  # the database is dropped under it
            _recreate_database(args.database_url)
        print(f"Seeding {ACCOUNTS:,} accounts and {ITEMS:,} items …", flush=True)
        seed()
    data = {
        "lookup_url": SocialAccount.objects.filter(status=AccountStatus.ACTIVE)
        .order_by("pk")
        .values_list("url", flat=True)
        .first(),
        "storm_item": Item.objects.filter(status=ItemStatus.NEW).order_by("pk").first().pk,
    }
    _authenticator_apps()
    settle()
    _prepare_write_table()
    call_command("collectstatic", interactive=False, verbosity=0)
    connection.close()

    bare_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.bare.settings",
        "BARE_DATABASE_URL": args.database_url,
    }
    bare, bare_port = start_gunicorn("benchmarks.bare.wsgi", bare_env, tmp / "bare.log")
    app, app_port = start_gunicorn("haparanda_social.wsgi", env, tmp / "app.log")
    ports = {"bare": bare_port, "app": app_port}
    pool = tmp / "webhook-pool.tsv"
    # Enough distinct events that none is sent twice at up to 5 000 a second.
    pool_hashes = webhook_pool(pool, 5_000 * args.duration, f"bench{int(time.time())}")

    wanted = {key.strip() for key in args.only.split(",") if key.strip()}
    selected = [p for p in pages(data) if not wanted or p.key in wanted or p.key == "bare"]
    # The bare page is loaded right before each page and right after it (the load after one
    # page is the load before the next), and the share is taken of the mean of the two: other
    # work on a shared machine then weighs on both sides alike, and a dip of the bare page's
    # few seconds on one side counts half.
    bare_page = selected[0]
    results: list[Result] = []
    try:
        cookies = {
            "": "",
            "owner": login_cookie(app_port, "olle.agare"),
            "communicator": login_cookie(app_port, "karin.kommunikator"),
        }
        bare_args = argparse.Namespace(**{**vars(args), "duration": args.bare_duration})

        def load_bare() -> float:
            return _measure(
                wrk, bare_args, bare_page, bare_port, cookies, pool, pool_hashes, quiet=True
            ).rate

        before = load_bare()
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f"Round {number} of {args.rounds}", flush=True)
            for page in selected[1:]:
                result = _measure(wrk, args, page, ports[page.server], cookies, pool, pool_hashes)
                result.bare_before, result.bare_after = before, load_bare()
                before = result.bare_after
                results.append(result)
    finally:
        for process in (app, bare):
            process.terminate()
        for process in (app, bare):
            process.wait(timeout=30)

    _clean_redis(env)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"{stamp}; {ACCOUNTS:,} accounts (every tenth closed), {ITEMS:,} items "
        f"({STORM:,} unhandled on one owner's {OWNER_ACCOUNTS} accounts); gunicorn "
        f"{' '.join(GUNICORN[:4])}; wrk {args.threads} threads × {args.connections} "
        f"connections × {args.duration} s"
        f"{f'; {args.rounds} rounds' if args.rounds > 1 else ''}; {os.cpu_count()} CPUs"
    )
    text = header + "\n\n" + table(results) + "\n" + _intake_against_write(results)
    print()
    print(text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"side_by_side-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.md"
    out.write_text(text, encoding="utf-8")
    print(f"Written to {out.relative_to(ROOT)}")
    # The event pool and the server logs; kept only when the run failed on the way.
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
