"""Rendered copies of busy signed-in pages, per person (issues 9 and 16).

Some pages are reloaded all day by the same few people, while what they show changes only when
something is written: the moderation queue and an item's page, the registry dashboard and the
archive overview. Each such group of pages is a ``PageCache``; a rendered page is kept in
Django's cache under a key made of:

- the group's version, a number in the cache raised by every write that can change what its
  pages show;
- the person, their CSRF secret (so the forms' tokens stay theirs), the language and the address
  with its query (and whether htmx asked for a part of the page);
- the local date and a time slot of the group's setting (seconds): ages, "overdue", live claims
  and absences move with the clock, so a copy is never older than one slot even when nothing was
  written.

Raising the number makes every older copy unreachable; nothing is deleted. It is raised at the
write and, inside a transaction, again after the commit: a page rendered from data read before
the commit is stored under a number no later request asks for. The number lives in the cache,
read and raised by every process alike, so the copies need a shared cache (Redis): with the
local-memory default each process would count on its own, and the copies are off (the settings
are 0 unless ``CACHE_URL`` is Redis). Should the shared cache lose the number, it starts again
from the clock, above any number used before.

Writes are caught by ``post_save``/``post_delete`` signals the apps connect to ``changed``;
writes that bypass the signals (``QuerySet.update()``, ``bulk_create``) call it themselves.
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

from .front_cache import PersonCopy

# A copy of an outdated version is never read again; let the cache drop it soon.
CACHE_SECONDS = 3600
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# The copies a process served last, so a page is not fetched from Redis on every request.
# Keyed like the shared cache, version included, so a copy here is never out of date either.
_LOCAL_COPIES = 64
# Headers the views set that belong to the stored answer (the middleware adds the rest).
_KEPT_HEADERS = ("Content-Type", "Vary", "HX-Push-Url", "HX-Refresh")


class PageCache:
    """One group of pages sharing a version, switched by the setting ``seconds_setting``."""

    # Every group, for the front cache, which checks all their versions at once.
    groups: list[PageCache] = []

    def __init__(self, name: str, seconds_setting: str, version_key: str | None = None):
        PageCache.groups.append(self)
        self.name = name
        self.seconds_setting = seconds_setting
        self.version_key = version_key or f"{name}-page-version"
        self._local: OrderedDict[str, tuple] = OrderedDict()
        self._local_lock = threading.Lock()
        # One bound method, so that a transaction schedules it once (compared by identity).
        self._raise = self._raise_version

    @property
    def seconds(self) -> int:
        return getattr(settings, self.seconds_setting)

    def changed(self, **_signal_kwargs) -> None:
        """Record that what the pages show has changed: at once, and inside a transaction once
        more after the commit. Usable as a signal receiver."""
        self._raise()
        if connection.in_atomic_block and not any(
            func is self._raise for _sids, func, _robust in connection.run_on_commit
        ):
            transaction.on_commit(self._raise, robust=True)

    def _raise_version(self) -> None:
        try:
            cache.incr(self.version_key)
        except ValueError:
            # Not there (the first change, or the cache lost it): start from the clock, so that
            # a restarted count never meets the copies of an earlier one.
            if not cache.add(self.version_key, time.time_ns(), timeout=None):
                cache.incr(self.version_key)

    def current_version(self) -> int:
        """The number, read from the cache on every request."""
        number = cache.get(self.version_key)
        if number is None:
            cache.add(self.version_key, time.time_ns(), timeout=None)
            number = cache.get(self.version_key)
        return number or 0

    def _local_get(self, key: str):
        with self._local_lock:
            stored = self._local.get(key)
            if stored is not None:
                self._local.move_to_end(key)
            return stored

    def _local_put(self, key: str, stored) -> None:
        with self._local_lock:
            self._local[key] = stored
            self._local.move_to_end(key)
            while len(self._local) > _LOCAL_COPIES:
                self._local.popitem(last=False)

    def forget_local_copies(self) -> None:
        """Empty this process's copies (tests start from nothing)."""
        with self._local_lock:
            self._local.clear()

    def _key(self, request) -> tuple[str, int]:
        """The copy's key, and the time slot it belongs to."""
        from moderation.workdays import local_today

        slot = int(time.time() // self.seconds)
        parts = [
            str(self.current_version()),
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
        return f"{self.name}-page:{digest[:40]}", slot

    def serve_for_person(self, request, build) -> HttpResponse:
        """The answer ``build()`` gives, from the person's stored copy when nothing it shows
        has changed, or 304 to a conditional request. Only complete 200 answers are stored; a
        page with a message waiting for the person, or anything but a GET, is built afresh.

        ``build`` does the access checks: a copy is only ever stored under the key of a person
        who passed them, and the key holds everything they depend on (the person, the version
        every change of roles, absences, accounts and people raises, and the date), so serving
        it without checking again answers exactly as the checks would.
        """
        if (
            not self.seconds
            or request.method != "GET"
            or not request.user.is_authenticated
            or len(messages.get_messages(request))
        ):
            return build()
        key, slot = self._key(request)
        gzipped = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
        etag = f'"{key.rsplit(":", 1)[1]}{"-gz" if gzipped else ""}"'
        response = get_conditional_response(request, etag=etag)
        if response is None:
            stored = self._local_get(key)
            if stored is None:
                stored = cache.get(key)
            if stored is None:
                response = build()
                if response.status_code != 200 or response.cookies or response.streaming:
                    return response
                stored = _freeze(response)
                cache.set(key, stored, CACHE_SECONDS)
            self._local_put(key, stored)
            response = _thaw(stored, gzipped=gzipped)
            # The whole answer may be given again before the middleware, until the slot ends.
            response.front_copy = PersonCopy(valid_until=(slot + 1) * self.seconds)
        response["ETag"] = etag
        # The browser may keep it, for this person only, and must ask again before using it.
        patch_cache_control(response, private=True, no_cache=True)
        return response

    def cached_for_person(self, view):
        """``serve_for_person`` as a view decorator."""

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            return self.serve_for_person(request, lambda: view(request, *args, **kwargs))

        return wrapper


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
