"""Rendered copies of the queue and the triage page, per person (issue 9).

During a storm the queue and an item's page are reloaded all day by the same few people, while
what they show changes only when something is written. So a rendered page is kept in Django's
cache under a key made of:

- the moderation version, a number in the cache raised by every write that can change what
  these pages show (items and their versions, claims, records, evidence, platform actions,
  daily checks, accounts, roles, absences, people, departments, the response model);
- the person, their CSRF secret (so the forms' tokens stay theirs), the language and the address
  with its query (and whether htmx asked for a part of the page);
- the local date and a time slot of ``MODERATION_PAGE_CACHE_SECONDS``: ages, "overdue", live
  claims and absences move with the clock, so a copy is never older than one slot even when
  nothing was written.

Raising the number makes every older copy unreachable; nothing is deleted. It is raised at the
write and, inside a transaction, again after the commit: a page rendered from data read before
the commit is stored under a number no later request asks for. The number lives in the cache,
read and raised by every process alike, so the copies need a shared cache (Redis): with the
local-memory default each process would count on its own, and the copies are off
(``MODERATION_PAGE_CACHE_SECONDS`` is 0 unless ``CACHE_URL`` is Redis). Should the shared cache
lose the number, it starts again from the clock, above any number used before.

Writes are caught by ``post_save``/``post_delete`` signals of the models ``apps.ready()``
names; writes that bypass the signals (``QuerySet.update()``, ``bulk_create``) call
``moderation_changed()`` themselves.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import translation
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.text import compress_string

from .workdays import local_today

VERSION_KEY = "moderation-page-version"
# A copy of an outdated version is never read again; let the cache drop it soon.
CACHE_SECONDS = 3600
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# The copies this process served last, so a page is not fetched from Redis on every request.
# Keyed like the shared cache, version included, so a copy here is never out of date either.
_LOCAL_COPIES = 64
_local: OrderedDict[str, tuple] = OrderedDict()
_local_lock = threading.Lock()
# Headers the views set that belong to the stored answer (the middleware adds the rest).
_KEPT_HEADERS = ("Content-Type", "Vary", "HX-Push-Url", "HX-Refresh")


def moderation_changed(**_signal_kwargs) -> None:
    """Record that what the queue or an item's page shows has changed: at once, and inside a
    transaction once more after the commit. Usable as a signal receiver."""
    _raise_version()
    if connection.in_atomic_block and not any(
        func is _raise_version for _sids, func, _robust in connection.run_on_commit
    ):
        transaction.on_commit(_raise_version, robust=True)


def _raise_version() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        # Not there (the first change, or the cache lost it): start from the clock, so that a
        # restarted count never meets the copies of an earlier one.
        if not cache.add(VERSION_KEY, time.time_ns(), timeout=None):
            cache.incr(VERSION_KEY)


def current_version() -> int:
    """The number, read from the cache on every request."""
    number = cache.get(VERSION_KEY)
    if number is None:
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        number = cache.get(VERSION_KEY)
    return number or 0


def _local_get(key: str):
    with _local_lock:
        stored = _local.get(key)
        if stored is not None:
            _local.move_to_end(key)
        return stored


def _local_put(key: str, stored) -> None:
    with _local_lock:
        _local[key] = stored
        _local.move_to_end(key)
        while len(_local) > _LOCAL_COPIES:
            _local.popitem(last=False)


def forget_local_copies() -> None:
    """Empty this process's copies (tests start from nothing)."""
    with _local_lock:
        _local.clear()


def _key(request) -> str:
    slot = int(time.time() // settings.MODERATION_PAGE_CACHE_SECONDS)
    parts = [
        str(current_version()),
        local_today().isoformat(),
        str(slot),
        str(request.user.pk),
        # The forms' tokens are made from this secret, which is new after each sign-in.
        _csrf_secret(request),
        translation.get_language() or "",
        request.headers.get("HX-Request", ""),
        request.headers.get("HX-History-Restore-Request", ""),
        request.get_full_path(),
    ]
    digest = hashlib.sha256("\n".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    return f"moderation-page:{digest[:40]}"


def _csrf_secret(request) -> str:
    get_token(request)  # makes sure there is one, as rendering the page's forms would
    return request.META.get("CSRF_COOKIE", "")


def _freeze(response: HttpResponse) -> tuple:
    headers = [(h, response[h]) for h in _KEPT_HEADERS if response.has_header(h)]
    return response.status_code, response.content, compress_string(response.content), headers


def _thaw(stored, *, gzipped: bool) -> HttpResponse:
    status, content, compressed, headers = stored
    response = HttpResponse(compressed if gzipped else content, status=status)
    for header, value in headers:
        response[header] = value
    if gzipped:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def serve_for_person(request, build) -> HttpResponse:
    """The answer ``build()`` gives, from the person's stored copy when nothing it shows has
    changed, or 304 to a conditional request. Only complete 200 answers are stored; a page with
    a message waiting for the person, or anything but a GET, is built afresh.

    ``build`` does the access checks: a copy is only ever stored under the key of a person who
    passed them, and the key holds everything they depend on (the person, the version every
    change of roles, absences, accounts and people raises, and the date), so serving it
    without checking again answers exactly as the checks would.
    """
    if (
        not settings.MODERATION_PAGE_CACHE_SECONDS
        or request.method != "GET"
        or not request.user.is_authenticated
        or len(messages.get_messages(request))
    ):
        return build()
    key = _key(request)
    gzipped = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
    etag = f'"{key.rsplit(":", 1)[1]}{"-gz" if gzipped else ""}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        stored = _local_get(key)
        if stored is None:
            stored = cache.get(key)
        if stored is None:
            response = build()
            if response.status_code != 200 or response.cookies or response.streaming:
                return response
            stored = _freeze(response)
            cache.set(key, stored, CACHE_SECONDS)
        _local_put(key, stored)
        response = _thaw(stored, gzipped=gzipped)
    response["ETag"] = etag
    # The browser may keep it, for this person only, and must ask again before using it.
    patch_cache_control(response, private=True, no_cache=True)
    return response


def cached_for_person(view):
    """``serve_for_person`` as a view decorator."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return serve_for_person(request, lambda: view(request, *args, **kwargs))

    return wrapper
