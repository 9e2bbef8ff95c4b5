"""Parsing pasted profile addresses into a platform, a handle and one canonical address.

The canonical address is what makes an account unique in the registry, so the same profile
pasted in different forms (mobile host, tracking parameters, trailing slash, upper case) must
come out the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from .models import Platform


@dataclass(frozen=True)
class ParsedProfile:
    platform: str
    handle: str
    url: str


_HANDLE = r"[A-Za-z0-9_.\-]+"

_HOSTS = {
    Platform.FACEBOOK: {"facebook.com", "fb.com", "m.facebook.com", "business.facebook.com"},
    Platform.INSTAGRAM: {"instagram.com"},
    Platform.X: {"x.com", "twitter.com", "mobile.twitter.com"},
    Platform.LINKEDIN: {"linkedin.com"},
    Platform.YOUTUBE: {"youtube.com", "m.youtube.com"},
    Platform.TIKTOK: {"tiktok.com"},
    Platform.THREADS: {"threads.net", "threads.com"},
}

# Paths on a platform that are never a profile.
_RESERVED = {
    Platform.FACEBOOK: {"groups", "events", "watch", "share", "sharer", "login", "photo.php"},
    Platform.INSTAGRAM: {"p", "reel", "reels", "explore", "stories", "accounts"},
    Platform.X: {"i", "home", "search", "intent", "share", "hashtag"},
}


def _invalid(message=None):
    return ValidationError(
        message or _("Paste the address of the account's profile page, e.g. a Facebook page."),
        code="invalid_profile_url",
    )


def parse_profile_url(raw: str) -> ParsedProfile:
    """Return the platform, handle and canonical address of a pasted profile address."""
    raw = (raw or "").strip()
    if not raw:
        raise _invalid()
    if "://" not in raw:
        raw = "https://" + raw
    try:
        URLValidator(schemes=["http", "https"])(raw)
    except ValidationError as exc:
        raise _invalid(_("That is not a web address.")) from exc
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host.endswith(".linkedin.com"):  # country sites: se.linkedin.com
        host = "linkedin.com"
    segments = [s for s in parts.path.split("/") if s]

    for platform, hosts in _HOSTS.items():
        if host in hosts:
            return _PARSERS[platform](segments, parts.query)
    # Any other host with a path /@user is taken for a Mastodon (fediverse) profile.
    if len(segments) == 1 and re.fullmatch(r"@" + _HANDLE, segments[0]):
        handle = segments[0][1:]
        return ParsedProfile(Platform.MASTODON, f"@{handle}@{host}", f"https://{host}/@{handle}")
    path = "/".join(segments)
    return ParsedProfile(
        Platform.OTHER, host + ("/" + path if path else ""), f"https://{host}/{path}".rstrip("/")
    )


def platform_hosts(platform: str, account_url: str) -> set[str]:
    """The web hosts an address on this account's platform may have, without ``www.``: the
    platform's own for the big ones, the account's server for Mastodon and the rest."""
    hosts = set(_HOSTS.get(platform, ()))
    own = (urlsplit(account_url).hostname or "").lower().removeprefix("www.")
    if own:
        hosts.add(own)
    return hosts


def _first_handle(segments, platform, *, at=False):
    if not segments:
        raise _invalid()
    first = segments[0]
    if at:
        if not first.startswith("@"):
            raise _invalid()
        first = first[1:]
    if first.lower() in _RESERVED.get(platform, set()) or not re.fullmatch(_HANDLE, first):
        raise _invalid()
    return first


def _facebook(segments, query):
    if segments and segments[0] == "profile.php":
        ids = parse_qs(query).get("id", [])
        if not ids or not ids[0].isdigit():
            raise _invalid()
        return ParsedProfile(
            Platform.FACEBOOK, ids[0], f"https://www.facebook.com/profile.php?id={ids[0]}"
        )
    if segments[:1] == ["pages"] and len(segments) >= 3:
        # /pages/Name/123456 – the number identifies the page.
        page_id = segments[-1]
        if not page_id.isdigit():
            raise _invalid()
        return ParsedProfile(
            Platform.FACEBOOK, page_id, f"https://www.facebook.com/profile.php?id={page_id}"
        )
    handle = _first_handle(segments, Platform.FACEBOOK).lower()
    return ParsedProfile(Platform.FACEBOOK, handle, f"https://www.facebook.com/{handle}")


def _simple(platform, base, *, at=False, lower=True):
    def parse(segments, query):
        handle = _first_handle(segments, platform, at=at)
        if lower:
            handle = handle.lower()
        prefix = "@" if at else ""
        return ParsedProfile(platform, f"{prefix}{handle}", f"{base}/{prefix}{handle}")

    return parse


def _linkedin(segments, query):
    if len(segments) >= 2 and segments[0] in {"company", "showcase", "school", "in"}:
        slug = segments[1].lower()
        if re.fullmatch(_HANDLE, slug):
            return ParsedProfile(
                Platform.LINKEDIN, slug, f"https://www.linkedin.com/{segments[0]}/{slug}"
            )
    raise _invalid()


def _youtube(segments, query):
    if segments and segments[0].startswith("@"):
        handle = _first_handle(segments, Platform.YOUTUBE, at=True).lower()
        return ParsedProfile(Platform.YOUTUBE, f"@{handle}", f"https://www.youtube.com/@{handle}")
    if len(segments) >= 2 and segments[0] in {"channel", "c", "user"}:
        ident = segments[1]
        if re.fullmatch(_HANDLE, ident):
            if segments[0] != "channel":
                ident = ident.lower()  # channel ids are case-sensitive; names are not
            return ParsedProfile(
                Platform.YOUTUBE, ident, f"https://www.youtube.com/{segments[0]}/{ident}"
            )
    raise _invalid()


_PARSERS = {
    Platform.FACEBOOK: _facebook,
    Platform.INSTAGRAM: _simple(Platform.INSTAGRAM, "https://www.instagram.com"),
    Platform.X: _simple(Platform.X, "https://x.com"),
    Platform.LINKEDIN: _linkedin,
    Platform.YOUTUBE: _youtube,
    Platform.TIKTOK: _simple(Platform.TIKTOK, "https://www.tiktok.com", at=True),
    Platform.THREADS: _simple(Platform.THREADS, "https://www.threads.net", at=True),
}
