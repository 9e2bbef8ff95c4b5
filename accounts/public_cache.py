"""The cache of the public list, its feeds and the lookup (R7, R24).

What the public sees changes only when the registry does, a few times a month, yet these pages
are read all day (haparanda.se embeds the list). So a rendered answer is kept in Django's cache
(``CACHE_URL``: Redis in production, local memory in the embedded mode) under the current
``PublicRegistryVersion`` number, and conditional requests are answered from that number alone
(``ETag`` / ``Last-Modified`` → 304) without rendering anything.

Invalidation is one hook: ``registry_changed()``, which the registry services call from the one
place where they record a decision (``services._decide``). Raising the number makes every older
copy unreachable; nothing is deleted, so there is no list of keys to keep right, and a copy in
another process's local memory is never served for a newer registry.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.text import compress_string

from haparanda_social.front_cache import PublicCopy

from .models import PublicRegistryVersion

# Copies of an outdated version are never read again; let the cache drop them after a day.
CACHE_SECONDS = 24 * 3600
# The headers a view sets that belong to the stored answer (the middleware adds the rest).
_KEPT_HEADERS = ("Content-Type", "Content-Disposition")
# The copies this process served last. The list and its feeds are half a megabyte each at 1 000
# accounts; fetching that from Redis on every request costs more than the rest of the request.
# Keyed like the shared cache (version included), so a copy here is never out of date either.
_LOCAL_COPIES = 32
_local: OrderedDict[str, tuple] = OrderedDict()
_local_lock = threading.Lock()


# The version this process read last, and when (time.monotonic()). A database read on every
# request would cost more than serving the stored copy; see PUBLIC_CACHE_VERSION_SECONDS.
_version_seen: tuple[float, tuple[int, datetime.datetime | None]] | None = None


def forget_local_copies() -> None:
    """Empty this process's copies and forget the version it read (tests start from nothing)."""
    global _version_seen
    with _local_lock:
        _local.clear()
    _version_seen = None


def _forget_version() -> None:
    global _version_seen
    _version_seen = None


def _local_get(key: str):
    with _local_lock:
        stored = _local.get(key)
        if stored is not None:
            _local.move_to_end(key)
        return stored


def _local_put(key: str, stored) -> None:
    with _local_lock:
        _local[key] = stored
        while len(_local) > _LOCAL_COPIES:
            _local.popitem(last=False)


def registry_changed() -> None:
    """Record that what the public sees has changed; call inside the change's transaction.

    The row lock taken by the UPDATE orders concurrent changes, so the number a reader sees after
    a commit is always new. The row is created on first use (and again after a test flush).
    """
    # This process sees its own change at once; the others within
    # PUBLIC_CACHE_VERSION_SECONDS. Forgotten now and again after the commit, so that a read
    # between the two cannot keep the old number.
    _forget_version()
    transaction.on_commit(_forget_version)
    now = timezone.now()
    updated = PublicRegistryVersion.objects.filter(pk=1).update(
        number=F("number") + 1, changed_at=now
    )
    if updated:
        return
    try:
        with transaction.atomic():
            PublicRegistryVersion.objects.create(pk=1, number=1, changed_at=now)
    except IntegrityError:
        # A concurrent first change created it; count this one on top.
        PublicRegistryVersion.objects.filter(pk=1).update(number=F("number") + 1, changed_at=now)


def current_version() -> tuple[int, datetime.datetime | None]:
    """The version number and when it last changed.

    Read from the database at most once every ``PUBLIC_CACHE_VERSION_SECONDS`` (1 s by default)
    per process: at 1 000 accounts the stored copy is served faster than PostgreSQL answers two
    round trips (the connection check and this read), so reading on every request would halve
    the rate. A change shows at once in the process that made it (``registry_changed``) and
    within that time in every other process, the Celery worker's closings included. 0 reads the
    version on every request.
    """
    global _version_seen
    seconds = settings.PUBLIC_CACHE_VERSION_SECONDS
    seen = _version_seen
    now = time.monotonic()
    if seen is not None and now - seen[0] < seconds:
        return seen[1]
    version = _read_version()
    _version_seen = (now, version)
    return version


def _version_tag(number: int, changed_at: datetime.datetime | None) -> str:
    # The time of the change is part of the version: a database restored from a backup counts
    # from an older number again, and must not meet copies made since.
    return f"{number}.{int(changed_at.timestamp() * 1e6) if changed_at else 0}"


def current_version_tag() -> str:
    """``current_version()`` as the text the copies are kept under."""
    return _version_tag(*current_version())


def _read_version() -> tuple[int, datetime.datetime | None]:
    """One primary-key read, in SQL rather than through the ORM's query building."""
    table = connection.ops.quote_name(PublicRegistryVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number, changed_at FROM {table} WHERE id = 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return 0, None
    number, changed_at = row
    if isinstance(changed_at, str):  # SQLite's raw rows hold text
        changed_at = datetime.datetime.fromisoformat(changed_at)
    if timezone.is_naive(changed_at):
        changed_at = timezone.make_aware(changed_at, datetime.UTC)
    return number, changed_at


def _freeze(response: HttpResponse) -> tuple[int, bytes, bytes, list[tuple[str, str]]]:
    """The answer as stored: plain and gzipped (compressed once, not on every request; the
    pages hold nothing secret, so compressing them reveals nothing)."""
    headers = [(h, response[h]) for h in _KEPT_HEADERS if response.has_header(h)]
    return response.status_code, response.content, compress_string(response.content), headers


def _thaw(stored, *, gzipped: bool) -> HttpResponse:
    status, content, compressed, headers = stored
    response = HttpResponse(compressed if gzipped else content, status=status)
    for header, value in headers:
        response[header] = value
    if gzipped:
        response["Content-Encoding"] = "gzip"
    return response


_ACCEPTS_GZIP = re.compile(r"\bgzip\b")


def cached_public(view=None, *, max_age: int, personal_when_logged_in: bool):
    """Serve the view's answer from the cache under the current registry version.

    ``personal_when_logged_in``: the HTML pages show a logged-in employee's name, so their answer
    is built for them alone (``private``, never stored); anonymous visitors share one copy. The
    feeds hold nothing about the reader and are shared by everyone.
    Only complete 200 answers are stored; a bad filter is answered afresh each time.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if personal_when_logged_in and request.user.is_authenticated:
                response = view(request, *args, **kwargs)
                if response.status_code == 200:
                    patch_cache_control(response, private=True, max_age=0)
                return response

            number, changed_at = current_version()
            version = _version_tag(number, changed_at)
            language = translation.get_language() or ""
            digest = hashlib.sha256(
                f"{language}\n{request.get_full_path()}".encode("utf-8", "surrogateescape")
            ).hexdigest()[:32]
            gzipped = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
            # Each encoding is its own representation, with its own ETag.
            etag = quote_etag(f"{version}-{digest}{'-gz' if gzipped else ''}")
            last_modified = int(changed_at.timestamp()) if changed_at else None

            response = get_conditional_response(request, etag=etag, last_modified=last_modified)
            if response is None:
                key = f"public:{version}:{digest}"
                stored = _local_get(key)
                if stored is None:
                    stored = cache.get(key)
                    if stored is not None:
                        _local_put(key, stored)
                if stored is None:
                    response = view(request, *args, **kwargs)
                    # A page that set a CSRF cookie carries a token of its own: never share it.
                    if response.status_code == 200 and not request.META.get(
                        "CSRF_COOKIE_NEEDS_UPDATE"
                    ):
                        stored = _freeze(response)
                        cache.set(key, stored, CACHE_SECONDS)
                        _local_put(key, stored)
                if stored is not None:
                    response = _thaw(stored, gzipped=gzipped)
                    # The same answer for every visitor: the front cache may give it again.
                    if not request.COOKIES.get(settings.SESSION_COOKIE_NAME):
                        response.front_copy = PublicCopy(version)
            if response.status_code in (200, 304):
                patch_vary_headers(response, ["Accept-Encoding"])
                response["ETag"] = etag
                if last_modified is not None:
                    response["Last-Modified"] = http_date(last_modified)
                patch_cache_control(response, public=True, max_age=max_age)
            return response

        return wrapper

    return decorator(view) if view is not None else decorator
