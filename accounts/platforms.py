"""Parsing pasted profile addresses into a platform, a handle and one canonical address.

The canonical address is what makes an account unique in the registry and what the public
lookup (R7) compares, so two rules hold:

* the same profile pasted in different forms (mobile or language host, tracking parameters,
  trailing slash, upper case, a post's address) comes out the same, and
* the canonical form keeps everything that identifies the profile, so two different pages never
  come out the same: the numeric id of ``/people/<Name>/<id>``, ``/p/<Name>-<id>`` and
  ``profile.php?id=<id>``, the name of ``/pg/<name>``. Otherwise a look-alike page would be
  confirmed as official.

What is not the address of a public account (an e-mail address, another scheme, a computer on
the internal network, an IP address, a login or port in the address) is refused with a message
the person can act on.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

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
# Instagram and Threads share user names; X allows neither dots nor hyphens.
_INSTAGRAM_NAME = r"[A-Za-z0-9_.]{1,30}"
_X_NAME = r"[A-Za-z0-9_]{1,15}"
_TIKTOK_NAME = r"[A-Za-z0-9_.]{1,24}"
# YouTube names and handles may hold letters of any script.
_YOUTUBE_NAME = r"[\w.\-]+"

# The registrable domain of each platform, and the subdomains that serve the same profile pages
# (mobile, basic, touch and language versions). Any other subdomain is not a profile address.
_DOMAINS = {
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "instagram.com": Platform.INSTAGRAM,
    "x.com": Platform.X,
    "twitter.com": Platform.X,
    "linkedin.com": Platform.LINKEDIN,
    "youtube.com": Platform.YOUTUBE,
    "tiktok.com": Platform.TIKTOK,
    "threads.net": Platform.THREADS,
    "threads.com": Platform.THREADS,
}
_SUBDOMAINS = {
    Platform.FACEBOOK: {"www", "m", "mbasic", "touch", "web", "mobile", "business", "free", "d"},
    Platform.INSTAGRAM: {"www", "m"},
    Platform.X: {"www", "mobile", "m"},
    Platform.LINKEDIN: {"www", "m", "mobile"},
    Platform.YOUTUBE: {"www", "m"},
    Platform.TIKTOK: {"www", "m"},
    Platform.THREADS: {"www"},
}
# Language versions: sv-se.facebook.com, se.linkedin.com.
_LANGUAGE_SUBDOMAIN = {
    Platform.FACEBOOK: re.compile(r"[a-z]{2}-[a-z]{2}"),
    Platform.LINKEDIN: re.compile(r"[a-z]{2}"),
}

# Paths on a platform that are never a profile.
# fmt: off
_RESERVED = {
    Platform.FACEBOOK: {
        "ads", "bookmarks", "business", "dialog", "events", "friends", "fundraisers", "gaming",
        "groups", "hashtag", "help", "home.php", "l.php", "live", "login", "login.php",
        "marketplace", "media", "messages", "notifications", "p", "pages", "people",
        "permalink.php", "pg", "photo", "photo.php", "photos", "plugins", "policies", "privacy",
        "profile.php", "reel", "reels", "search", "settings", "share", "share.php", "sharer",
        "sharer.php", "stories", "story.php", "video", "videos", "watch",
    },
    Platform.INSTAGRAM: {
        "_u", "about", "accounts", "challenge", "developer", "direct", "explore", "legal", "p",
        "reel", "reels", "stories", "tv", "web",
    },
    Platform.X: {
        "about", "account", "compose", "download", "explore", "hashtag", "home", "i", "intent",
        "jobs", "login", "logout", "messages", "notifications", "privacy", "search", "settings",
        "share", "signup", "tos",
    },
}

# Host names that only resolve inside a network, never a public account (RFC 6761, 6762, 8375).
_PRIVATE_SUFFIXES = (
    ".localhost", ".local", ".internal", ".intranet", ".lan", ".home", ".corp", ".private",
    ".arpa", ".test", ".example", ".invalid", ".onion",
)
# fmt: on

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):(?!\d)")
_FEDIVERSE_HANDLE = re.compile(r"@?(" + _HANDLE + r")@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


def _invalid(message=None, **params):
    return ValidationError(
        message or _("Paste the address of the account's profile page, e.g. a Facebook page."),
        code="invalid_profile_url",
        params=params or None,
    )


def _not_a_profile(platform: str) -> ValidationError:
    return _invalid(
        _(
            "That is not the address of a profile page on %(platform)s. Paste the address of "
            "the account's own page."
        ),
        platform=Platform(platform).label,
    )


def _not_a_web_address() -> ValidationError:
    return _invalid(_("That is not a web address."))


def parse_profile_url(raw: str) -> ParsedProfile:
    """Return the platform, handle and canonical address of a pasted profile address."""
    raw = (raw or "").strip()
    if not raw:
        raise _invalid()
    if "\\" in raw or any(ord(c) < 32 or ord(c) == 127 for c in raw):
        raise _not_a_web_address()
    handle = _FEDIVERSE_HANDLE.fullmatch(raw)
    if handle and raw.startswith("@"):
        # A fediverse handle typed as such: @name@instance.
        raw = f"https://{handle.group(2)}/@{handle.group(1)}"
    scheme = _SCHEME.match(raw)
    if scheme:
        name = scheme.group(1).lower()
        if name == "mailto":
            raise _e_mail()
        if name in ("http", "https") and not raw[scheme.end() :].startswith("//"):
            raise _not_a_web_address()  # https:www.example.se
        if name not in ("http", "https"):
            raise _invalid(
                _(
                    "Only web addresses beginning with https:// are accepted, not addresses "
                    "beginning with “%(scheme)s:”."
                ),
                scheme=name[:20],
            )
    else:
        raw = "https:" + raw if raw.startswith("//") else "https://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise _not_a_web_address() from exc
    if "@" in parts.netloc:
        if not scheme and not parts.path.strip("/"):
            # name@example.se is an e-mail address; @name alone is a handle without its site.
            raise _invalid() if parts.netloc.startswith("@") else _e_mail()
        raise _invalid(
            _("The address must not contain a user name or password before the host name.")
        )
    host = _public_host(parts.hostname or "", typed_scheme=bool(scheme))
    if port not in (None, 80, 443):
        raise _invalid(_("The address must not contain a port number."))
    try:
        URLValidator(schemes=["http", "https"])(raw)
    except ValidationError as exc:
        raise _not_a_web_address() from exc

    segments = [unquote(s) for s in parts.path.split("/") if s]
    platform = _platform_of(host)
    if platform is not None:
        return _PARSERS[platform](segments, parts.query)
    # Any other host with a path /@user is taken for a Mastodon (fediverse) profile.
    if segments and segments[0].startswith("@"):
        return _mastodon(host, segments[0][1:])
    path = "/".join(s for s in parts.path.split("/") if s)
    return ParsedProfile(
        Platform.OTHER, host + ("/" + path if path else ""), f"https://{host}/{path}".rstrip("/")
    )


def _e_mail() -> ValidationError:
    return _invalid(
        _(
            "That is an e-mail address, not the address of an account. Paste the address of "
            "the account's profile page."
        )
    )


def _public_host(host: str, *, typed_scheme: bool = True) -> str:
    """The host in lower-case ASCII without ``www.``; refuse what is not a public name."""
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise _internal()
    if not re.fullmatch(r"[\w\-]+(?:\.[\w\-]+)*", host):
        raise _not_a_web_address()
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise _not_a_web_address() from exc
    if host == "localhost" or host.endswith(_PRIVATE_SUFFIXES):
        raise _internal()
    if "." not in host:
        # http://intranet/ names a computer on the network; a lone word is just not an address.
        raise _internal() if typed_scheme else _not_a_web_address()
    if re.fullmatch(r"[0-9.]+|0x[0-9a-f.x]+", host):  # 2130706433, 0x7f.1: IPv4 in disguise
        raise _internal()
    return host[4:] if host.startswith("www.") else host


def _internal() -> ValidationError:
    return _invalid(
        _(
            "That address leads to a single computer or an internal network, not to a public "
            "account. Paste the public address of the account's profile page."
        )
    )


def _platform_of(host: str) -> str | None:
    for domain, platform in _DOMAINS.items():
        if host == domain:
            return platform
        if host.endswith("." + domain):
            sub = host[: -len(domain) - 1]
            language = _LANGUAGE_SUBDOMAIN.get(platform)
            if sub in _SUBDOMAINS[platform] or (language and language.fullmatch(sub)):
                return platform
            raise _not_a_profile(platform)
    return None


def _name(segment: str, platform: str, pattern: str = _HANDLE) -> str:
    if segment.lower() in _RESERVED.get(platform, set()) or not re.fullmatch(pattern, segment):
        raise _not_a_profile(platform)
    return segment


def _facebook_page_id(page_id: str | None) -> ParsedProfile:
    if not page_id or not re.fullmatch(r"[0-9]{1,20}", page_id):
        raise _not_a_profile(Platform.FACEBOOK)
    return ParsedProfile(
        Platform.FACEBOOK, page_id, f"https://www.facebook.com/profile.php?id={page_id}"
    )


def _trailing_id(segment: str) -> str | None:
    """The page id at the end of ``Haparanda-Stad-100064…``."""
    match = re.fullmatch(r"(?:.*-)?([0-9]{1,20})", segment)
    return match.group(1) if match else None


def _facebook(segments, query):
    if not segments:
        raise _not_a_profile(Platform.FACEBOOK)
    first = segments[0].lower()
    if first == "profile.php":
        ids = set(parse_qs(query).get("id", []))
        # Two different ids in one address could mean either page: refuse rather than guess.
        return _facebook_page_id(ids.pop() if len(ids) == 1 else None)
    if first == "people":
        # /people/<Name>/<id>: the name is decoration, the number identifies the page.
        return _facebook_page_id(segments[2] if len(segments) >= 3 else None)
    if first == "p":
        # /p/<Name>-<id>: the same, in the form Facebook uses for pages without a user name.
        return _facebook_page_id(_trailing_id(segments[1]) if len(segments) >= 2 else None)
    if first == "pages":
        # /pages/<Name>/<id> and /pages/category/<Category>/<Name>-<id>.
        if len(segments) >= 4 and segments[1].lower() == "category":
            return _facebook_page_id(_trailing_id(segments[3]))
        return _facebook_page_id(segments[2] if len(segments) >= 3 else None)
    if first == "pg":
        # /pg/<name>/about: the old address of a page's tabs; the name identifies the page.
        segments = segments[1:]
        if not segments:
            raise _not_a_profile(Platform.FACEBOOK)
    if re.fullmatch(r"[0-9]+", segments[0]):
        return _facebook_page_id(segments[0])  # facebook.com/<id> is the page with that id
    if "-" in segments[0] and _trailing_id(segments[0]):
        # User names never hold a hyphen: /Haparanda-Stad-<id> is the old form of /p/.
        return _facebook_page_id(_trailing_id(segments[0]))
    handle = _name(segments[0], Platform.FACEBOOK).lower()
    return ParsedProfile(Platform.FACEBOOK, handle, f"https://www.facebook.com/{handle}")


def _simple(platform, base, pattern, *, at=False):
    def parse(segments, query):
        if platform == Platform.INSTAGRAM and segments[:1] == ["_u"]:
            segments = segments[1:]  # instagram.com/_u/<name> opens the app at the profile
        if not segments or at != segments[0].startswith("@"):
            raise _not_a_profile(platform)
        handle = _name(segments[0].removeprefix("@"), platform, pattern).lower()
        prefix = "@" if at else ""
        return ParsedProfile(platform, f"{prefix}{handle}", f"{base}/{prefix}{handle}")

    return parse


def _linkedin(segments, query):
    if len(segments) >= 2 and segments[0].lower() in {"company", "showcase", "school", "in"}:
        kind, slug = segments[0].lower(), segments[1].lower()
        if re.fullmatch(_HANDLE, slug):
            return ParsedProfile(Platform.LINKEDIN, slug, f"https://www.linkedin.com/{kind}/{slug}")
    raise _not_a_profile(Platform.LINKEDIN)


def _youtube(segments, query):
    if segments and segments[0].startswith("@"):
        handle = _name(segments[0][1:], Platform.YOUTUBE, _YOUTUBE_NAME).lower()
        return ParsedProfile(Platform.YOUTUBE, f"@{handle}", f"https://www.youtube.com/@{handle}")
    if len(segments) >= 2 and segments[0].lower() in {"channel", "c", "user"}:
        kind = segments[0].lower()
        if kind == "channel":
            # Channel ids (UC…) are case-sensitive.
            ident = _name(segments[1], Platform.YOUTUBE, r"UC[A-Za-z0-9_\-]+")
        else:
            # Custom and legacy user names are not.
            ident = _name(segments[1], Platform.YOUTUBE, _YOUTUBE_NAME).lower()
        return ParsedProfile(Platform.YOUTUBE, ident, f"https://www.youtube.com/{kind}/{ident}")
    raise _not_a_profile(Platform.YOUTUBE)


def _mastodon(host: str, name: str) -> ParsedProfile:
    """``/@name`` on the instance, or ``/@name@other`` (another instance's account shown here).

    Fediverse names compare without regard to case, so they are kept in lower case.
    """
    user, _sep, remote = name.partition("@")
    if remote:
        host = _public_host(remote)
    if not re.fullmatch(_HANDLE, user):
        raise _invalid()
    user = user.lower()
    return ParsedProfile(Platform.MASTODON, f"@{user}@{host}", f"https://{host}/@{user}")


_PARSERS = {
    Platform.FACEBOOK: _facebook,
    Platform.INSTAGRAM: _simple(Platform.INSTAGRAM, "https://www.instagram.com", _INSTAGRAM_NAME),
    Platform.X: _simple(Platform.X, "https://x.com", _X_NAME),
    Platform.LINKEDIN: _linkedin,
    Platform.YOUTUBE: _youtube,
    Platform.TIKTOK: _simple(Platform.TIKTOK, "https://www.tiktok.com", _TIKTOK_NAME, at=True),
    Platform.THREADS: _simple(
        Platform.THREADS, "https://www.threads.net", _INSTAGRAM_NAME, at=True
    ),
}


def is_platform_host(host: str, *, platform: str, account_url: str) -> bool:
    """Whether a web host (as in a posted reply's address) serves the account's platform: the
    platform's own domain and its mobile and language versions for the big ones, the account's
    own server for Mastodon and the rest."""
    host = host.lower().rstrip(".").removeprefix("www.")
    own = (urlsplit(account_url).hostname or "").lower().removeprefix("www.")
    if host and host == own:
        return True
    try:
        return _platform_of(host) == platform
    except ValidationError:
        return False
