"""The complete answer of a repeated page, given before the rest of the middleware runs
(issues 9 and 16).

The busy pages already keep their rendered body: the public list, its feeds and the lookup under
the registry's public version (``accounts.public_cache``), and the queue, the triage page, the
registry dashboard and the archive overview per person (``haparanda_social.page_cache``). What
a repeated request still cost was everything around the view: fifteen middleware classes, the
session, the person read from the database, the two-factor gate, the security headers. This
middleware, first in ``MIDDLEWARE``, keeps in each web process the *final* answer those pages
gave — body and every header the stack added — and gives it again, unchanged, while the same
checks would give the same answer:

- **A public copy** (marked by ``cached_public``) is given to a request without a session
  cookie, for the same host, scheme, address, encoding and ``Origin`` (CORS), while the
  registry's public version (``accounts.public_cache.current_version``) is the one it was made
  under. The public pages do not depend on anything else of the request.
- **A person's copy** (marked by ``PageCache.serve_for_person``) is given only to the same
  session cookie and the same CSRF cookie (the page's forms carry tokens of that secret), for the
  same host, scheme, address, encoding and htmx headers, and only after one read of the shared
  cache (one ``MGET``) shows that the session still exists for the same person with a second
  factor given and no message waiting, and that no page group's version has moved since the copy
  was made; and never after the end of the time slot its page was made in. Every write the pages
  show raises a version (``page_cache``), and the registry group's is raised by a save of any
  model: a changed password, a deactivated person, a role that ends or an item triaged by a
  colleague ends every copy at once, as before. Signing out, and ending a session from another
  device, delete the session from the cache, so its copies are never given again.

Only complete ``200`` answers that set no cookie (but for the CSRF cookie renewed unchanged) are
kept; ``If-None-Match`` and ``If-Modified-Since`` are answered with ``304`` and the same headers. A
person's copies work only with sessions kept in the shared cache (``cached_db`` with Redis, as in
production); with database sessions (the embedded default) only the public copies are kept.
Each process keeps at most ``FRONT_CACHE_ENTRIES`` answers and ``FRONT_CACHE_MEGABYTES`` of
bodies, the least recently used going first; ``FRONT_CACHE_ENTRIES = 0`` turns it off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

# Headers of the stored answer that a 304 does not repeat.
_NOT_IN_304 = frozenset({"content-length", "content-type", "content-encoding"})
_CACHED_SESSIONS = {
    "django.contrib.sessions.backends.cached_db": "django.contrib.sessions.cached_db",
    "django.contrib.sessions.backends.cache": "django.contrib.sessions.cache",
}


@dataclass(frozen=True)
class PublicCopy:
    """Set on a response as ``response.front_copy`` by the public pages' cache."""

    version: str


@dataclass(frozen=True)
class PersonCopy:
    """Set on a response as ``response.front_copy`` by a person's page cache: the copy may be
    given until ``valid_until`` (``time.time()``), the end of the time slot it was made in."""

    valid_until: float


@dataclass(frozen=True)
class _Entry:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str | None
    last_modified: int | None
    # Public copies: the registry's public version.
    public_version: str | None = None
    # Person's copies: what the session and the page groups were when it was made.
    user_id: str | None = None
    auth_hash: str | None = None
    versions: tuple = ()
    valid_until: float = 0.0


class _Store:
    """The answers this process gave last, bounded in number and in bytes."""

    def __init__(self):
        self._entries: OrderedDict[tuple, _Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: _Entry) -> None:
        limit_entries = settings.FRONT_CACHE_ENTRIES
        limit_bytes = settings.FRONT_CACHE_MEGABYTES * 1024 * 1024
        if len(entry.content) > limit_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.content)
            self._entries[key] = entry
            self._bytes += len(entry.content)
            while self._entries and (
                len(self._entries) > limit_entries or self._bytes > limit_bytes
            ):
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.content)

    def discard(self, key: tuple) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.content)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


_store = _Store()


def forget_front_copies() -> None:
    """Empty this process's answers (tests start from nothing)."""
    _store.clear()


def _page_groups():
    from haparanda_social.page_cache import PageCache

    return PageCache.groups


class FrontCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if (
            request.method != "GET"
            or not settings.FRONT_CACHE_ENTRIES
            or "HTTP_IF_MATCH" in meta
            or "HTTP_IF_UNMODIFIED_SINCE" in meta
        ):
            return self.get_response(request)
        try:
            host = request.get_host()
        except DisallowedHost:
            return self.get_response(request)  # answered by the stack as always
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        # Every part of the request that a kept page depends on, exactly as sent.
        key = (
            host,
            request.is_secure(),
            request.get_full_path(),
            meta.get("HTTP_ACCEPT_ENCODING", ""),
            meta.get("HTTP_ORIGIN", ""),
            meta.get("HTTP_HX_REQUEST", ""),
            meta.get("HTTP_HX_HISTORY_RESTORE_REQUEST", ""),
            session_key or "",
            request.COOKIES.get(settings.CSRF_COOKIE_NAME, "") if session_key else "",
        )
        if session_key:
            state = self._person_state(request, session_key)
            if state is None:
                return self.get_response(request)
            entry = _store.get(key)
            if entry is not None and entry.user_id is not None and _person_fits(entry, state):
                return _answer(request, entry)
            response = self.get_response(request)
            self._keep_for_person(request, key, response, state)
            return response

        entry = _store.get(key)
        if entry is not None and entry.public_version is not None:
            from accounts.public_cache import current_version_tag

            if entry.public_version == current_version_tag():
                return _answer(request, entry)
            _store.discard(key)
        response = self.get_response(request)
        copy = getattr(response, "front_copy", None)
        if isinstance(copy, PublicCopy) and _keepable(request, response):
            _store.put(key, _entry(response, public_version=copy.version))
        return response

    @staticmethod
    def _person_state(request, session_key: str) -> tuple | None:
        """The session and every page group's version, in one read of the shared cache; None
        when a person's copies cannot be used (database sessions, a message waiting, no second
        factor given, no session)."""
        prefix = _CACHED_SESSIONS.get(settings.SESSION_ENGINE)
        if prefix is None or request.COOKIES.get("messages") or not _session_key_shape(session_key):
            return None
        from signin.two_factor import session_has_two_factors_in

        groups = _page_groups()
        session_cache = caches[settings.SESSION_CACHE_ALIAS]
        session_name = prefix + session_key
        version_names = [group.version_key for group in groups]
        if settings.SESSION_CACHE_ALIAS == "default":
            found = session_cache.get_many([session_name, *version_names])
        else:
            found = {session_name: session_cache.get(session_name)}
            found.update(caches["default"].get_many(version_names))
        session = found.get(session_name)
        if (
            not isinstance(session, dict)
            or SESSION_KEY not in session
            or "_messages" in session
            or not session_has_two_factors_in(session)
        ):
            return None
        versions = tuple(found.get(name) for name in version_names)
        if None in versions:
            return None
        return str(session[SESSION_KEY]), session.get(HASH_SESSION_KEY), versions

    @staticmethod
    def _keep_for_person(request, key: tuple, response, state: tuple) -> None:
        copy = getattr(response, "front_copy", None)
        if isinstance(copy, PersonCopy) and _keepable(request, response):
            user_id, auth_hash, versions = state
            _store.put(
                key,
                _entry(
                    response,
                    user_id=user_id,
                    auth_hash=auth_hash,
                    versions=versions,
                    valid_until=copy.valid_until,
                ),
            )


def _session_key_shape(key: str) -> bool:
    """What Django's session stores make and accept (32 of [a-z0-9]); any other cookie value is
    left to the stack, which ignores it, and never reaches the cache as a key."""
    return 8 <= len(key) <= 64 and key.isascii() and key.isalnum()


def _person_fits(entry: _Entry, state: tuple) -> bool:
    user_id, auth_hash, versions = state
    return (
        entry.user_id == user_id
        and entry.auth_hash == auth_hash
        and entry.versions == versions
        and time.time() < entry.valid_until
    )


def _keepable(request, response) -> bool:
    """A complete 200 that sets no cookie, but for the CSRF cookie sent back unchanged (Django
    renews its expiry on every page with a form; given again, the answer leaves it as it is)."""
    if response.status_code != 200 or response.streaming:
        return False
    for name, morsel in response.cookies.items():
        if name != settings.CSRF_COOKIE_NAME or morsel.value != request.COOKIES.get(name):
            return False
    return True


def _entry(response, **fields) -> _Entry:
    last_modified = response.headers.get("Last-Modified")
    return _Entry(
        status=response.status_code,
        headers=tuple(response.items()),
        content=response.content,
        etag=response.headers.get("ETag"),
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        **fields,
    )


def _answer(request, entry: _Entry) -> HttpResponse:
    if entry.etag or entry.last_modified:
        conditional = get_conditional_response(
            request, etag=entry.etag, last_modified=entry.last_modified
        )
        # Only 304 can come of it: requests with If-Match or If-Unmodified-Since go the long way.
        if conditional is not None:
            return HttpResponseNotModified(
                headers={h: v for h, v in entry.headers if h.lower() not in _NOT_IN_304}
            )
    # The stored headers as they were sent, Content-Type and Content-Length included.
    return HttpResponse(entry.content, status=entry.status, headers=dict(entry.headers))
