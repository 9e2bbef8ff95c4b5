"""Mastodon: mentions and edits polled from the notifications API, the account's own posts and
the replies to them from the statuses API, replies sent through the statuses API.

IDs are opaque strings: the cursor is the id of the newest notification seen, taken from its
position in the page (newest first), never by comparing ids. Pages are followed through the
``Link`` header (``rel=prev`` for newer, ``rel=next`` for older), only on the account's own
server. Moderating someone else's status is not possible with a user token, so hide and delete
are done by hand; the removal notice goes to the author as a direct message (a status with
``visibility=direct`` that mentions them).

What a status becomes:

- ``visibility=direct`` is a private message (``ItemKind.MESSAGE``);
- a content warning (``spoiler_text``) is kept before the text as ``[Innehållsvarning: …]``;
- a link keeps its address: ``text (https://…)`` unless the text is the address itself;
- ``media_attachments`` and the link preview ``card`` become attachments of the change;
- ``edited_at`` is the time of the latest edit; the edit history (oldest first) gives each
  version with its own time.
"""

from __future__ import annotations

import datetime as dt
import re
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from moderation.models import ConnectorPlatform, ItemKind

from .base import ManualRequired, SendResult, http_request, json_id
from .events import InboundAttachment, InboundChange, PayloadError, from_unix

PAGE_LIMIT = 30
# Newer pages read per poll; the rest follow on the next poll from the stored cursor.
MAX_PAGES = 20
STATUSES_LIMIT = 40
NOTIFICATION_TYPES = ("mention", "update")
CONTENT_WARNING = "[Innehållsvarning: {}]"


class LinkHeaderError(ValueError):
    """A ``Link`` header that does not have the documented form, or points to another server."""


def notifications_url(api_base: str) -> str:
    return f"{api_base.rstrip('/')}/api/v1/notifications"


def account_statuses_url(api_base: str, account_id: str) -> str:
    return f"{api_base.rstrip('/')}/api/v1/accounts/{account_id}/statuses"


def status_url(api_base: str, status_id: str, suffix: str = "") -> str:
    return f"{api_base.rstrip('/')}/api/v1/statuses/{status_id}{suffix}"


def first_page_params(cursor: str) -> dict:
    params: dict = {"types[]": list(NOTIFICATION_TYPES), "limit": str(PAGE_LIMIT)}
    if cursor:
        params["min_id"] = cursor
    return params


def with_params(url: str, params: dict | None) -> str:
    """The address as fetched, for the record (never holds the token)."""
    if not params:
        return url
    return f"{url}?{urlencode(params, doseq=True)}"


# --- HTTP: pages, Link headers and rate limits -----------------------------------------------

_LINK_PART = re.compile(r'^\s*<([^<>\s]+)>\s*((?:;\s*[A-Za-z*]+\s*=\s*(?:"[^"]*"|[^;,\s]+)\s*)+)$')
_LINK_PARAM = re.compile(r';\s*([A-Za-z*]+)\s*=\s*(?:"([^"]*)"|([^;,\s]+))')


def parse_link_header(header: str, *, api_base: str) -> dict[str, str]:
    """``rel`` → address. Raises ``LinkHeaderError`` for a header that is not a list of
    ``<address>; rel="…"`` parts, or for an address on another server: the token is sent with
    every request and must never leave the account's own server."""
    links: dict[str, str] = {}
    if not header.strip():
        return links
    own = urlsplit(api_base)
    for part in _split_link_parts(header):
        match = _LINK_PART.match(part)
        if match is None:
            raise LinkHeaderError(f"malformed Link header part {part.strip()[:200]!r}")
        url = match.group(1)
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (own.scheme, own.netloc):
            raise LinkHeaderError(f"Link header points to another server: {url[:200]!r}")
        params = {
            m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
            for m in _LINK_PARAM.finditer(match.group(2))
        }
        rel = params.get("rel")
        if not rel:
            raise LinkHeaderError(f"Link header part without rel: {part.strip()[:200]!r}")
        for name in rel.split():
            links[name.lower()] = url
    return links


def _split_link_parts(header: str) -> list[str]:
    # Commas separate parts, but only outside the <…> of an address.
    parts, current, depth = [], [], 0
    for char in header:
        if char == "<":
            depth += 1
        elif char == ">":
            depth = max(0, depth - 1)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def wait_until(headers, now: dt.datetime) -> dt.datetime | None:
    """When the server allows the next call, from ``Retry-After`` (seconds or an HTTP date)
    and ``X-RateLimit-Reset`` (ISO 8601); None when neither says."""
    times = []
    retry_after = str(headers.get("Retry-After") or "").strip()
    if retry_after:
        if retry_after.isdigit():
            times.append(now + dt.timedelta(seconds=min(int(retry_after), 86400)))
        else:
            try:
                parsed = parsedate_to_datetime(retry_after)
                times.append(parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC))
            except (TypeError, ValueError, IndexError, OverflowError):
                pass
    reset = str(headers.get("X-RateLimit-Reset") or "").strip()
    if reset:
        parsed = from_unix(reset, now)
        if parsed != now:
            times.append(parsed)
    times = [t for t in times if t > now]
    return max(times) if times else None


def rate_limit_remaining(headers) -> int | None:
    value = str(headers.get("X-RateLimit-Remaining") or "").strip()
    return int(value) if value.isdigit() else None


# --- Parsing ----------------------------------------------------------------------------------


class _TextParser(HTMLParser):
    """Status HTML to text: paragraphs and line breaks become new lines, a link keeps its
    address after its text, mentions and hashtags stay as written."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.anchors: list[tuple[str, int, bool]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "br":
            self.out.append("\n")
        elif tag == "a":
            classes = (attributes.get("class") or "").split()
            keep = not ({"mention", "hashtag", "u-url"} & set(classes))
            self.anchors.append((attributes.get("href") or "", len(self.out), keep))

    def handle_endtag(self, tag):
        if tag == "p":
            self.out.append("\n")
        elif tag == "a" and self.anchors:
            href, start, keep = self.anchors.pop()
            shown = "".join(self.out[start:]).strip()
            if keep and href and href.startswith(("http://", "https://")):
                if shown.rstrip("…") and (href.startswith(shown) or shown in href):
                    # Mastodon shortens the shown address; the whole address replaces it.
                    del self.out[start:]
                    self.out.append(href)
                else:
                    self.out.append(f" ({href})")

    def handle_data(self, data):
        self.out.append(data)


def html_to_text(content: str) -> str:
    parser = _TextParser()
    parser.feed(content)
    parser.close()
    text = "".join(parser.out)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _str(value) -> str:
    return "" if value is None else str(value)


def status_text(status: dict) -> str:
    text = html_to_text(_str(status.get("content")))
    warning = _str(status.get("spoiler_text")).strip()
    if warning:
        text = (
            f"{CONTENT_WARNING.format(warning)}\n{text}"
            if text
            else CONTENT_WARNING.format(warning)
        )
    return text


MEDIA_KINDS = {"image": "image", "gifv": "video", "video": "video", "audio": "audio"}


def attachments(status: dict) -> tuple[InboundAttachment, ...]:
    found = []
    for media in status.get("media_attachments") or []:
        if not isinstance(media, dict):
            continue
        url = _str(media.get("url")) or _str(media.get("remote_url"))
        if not url:
            continue
        found.append(
            InboundAttachment(
                url=url,
                kind=MEDIA_KINDS.get(_str(media.get("type")), "file"),
                description=_str(media.get("description")),
                preview_url=_str(media.get("preview_url")),
                platform_id=_str(media.get("id")),
            )
        )
    card = status.get("card")
    if isinstance(card, dict) and _str(card.get("url")):
        found.append(
            InboundAttachment(
                url=_str(card.get("url")),
                kind="link",
                title=_str(card.get("title")),
                description=_str(card.get("description")),
                preview_url=_str(card.get("image")),
            )
        )
    return tuple(found)


def status_change(
    status: dict, *, own_account_id: str, now: dt.datetime, base: dict | None = None
) -> InboundChange:
    """One status (or one version of it from the edit history, ``base`` being the status it
    belongs to) as a change."""
    if not isinstance(status, dict):
        raise PayloadError("a status that is not an object")
    base = base or status
    if not _str(base.get("id")):
        raise PayloadError("a status without its id")
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    acct = _str(account.get("acct"))
    reply_to = _str(base.get("in_reply_to_id"))
    if base.get("visibility") == "direct":
        kind = ItemKind.MESSAGE
    elif reply_to:
        kind = ItemKind.REPLY
    else:
        kind = ItemKind.POST
    published = from_unix(base.get("created_at"), now)
    if base is status:
        edited_at = base.get("edited_at")
        changed_at = from_unix(edited_at, now) if edited_at else published
    else:
        changed_at = from_unix(status.get("created_at"), now)
    return InboundChange(
        platform=ConnectorPlatform.MASTODON,
        external_id=own_account_id,
        platform_id=_str(base["id"]),
        kind=kind,
        author_name=f"@{acct}" if acct else _str(account.get("id")),
        author_platform_id=_str(account.get("id")),
        text=status_text(status),
        link=_str(base.get("url"))[:1000],
        published_at=published,
        parent_platform_id=reply_to,
        edited=bool(base.get("edited_at")),
        changed_at=changed_at,
        attachments=attachments(status),
    )


def parse(page, *, own_account_id: str, now: dt.datetime) -> list[InboundChange]:
    """A page of notifications: mentions and edits of statuses (``update``)."""
    if not isinstance(page, list):
        raise PayloadError("expected a list of notifications")
    changes = []
    # Pages come newest first; oldest first lets a reply find the mention it answers.
    for notification in reversed(page):
        if not isinstance(notification, dict):
            raise PayloadError("a notification that is not an object")
        status = notification.get("status")
        if notification.get("type") not in NOTIFICATION_TYPES or not isinstance(status, dict):
            continue
        changes.append(status_change(status, own_account_id=own_account_id, now=now))
    return changes


def parse_statuses(page, *, own_account_id: str, now: dt.datetime) -> list[InboundChange]:
    """A page of statuses (the account's own posts, newest first)."""
    if not isinstance(page, list):
        raise PayloadError("expected a list of statuses")
    statuses = [s.get("reblog") if isinstance(s, dict) and s.get("reblog") else s for s in page]
    return [status_change(s, own_account_id=own_account_id, now=now) for s in reversed(statuses)]


def parse_context(context, *, own_account_id: str, now: dt.datetime) -> list[InboundChange]:
    """The replies to a status (``descendants``, in thread order, parents before children)."""
    if not isinstance(context, dict) or not isinstance(context.get("descendants"), list):
        raise PayloadError("expected a context with its descendants")
    return [
        status_change(s, own_account_id=own_account_id, now=now) for s in context["descendants"]
    ]


def parse_history(
    history, *, status: dict, own_account_id: str, now: dt.datetime
) -> list[InboundChange]:
    """A status's edit history, oldest first: each version with the time it was written."""
    if not isinstance(history, list):
        raise PayloadError("expected a list of status versions")
    return [
        status_change(version, own_account_id=own_account_id, now=now, base=status)
        for version in history
    ]


def statuses_in(payload) -> list[dict]:
    """Every status a page holds, whatever the endpoint."""
    if isinstance(payload, dict):
        if "descendants" in payload:
            return [s for s in payload.get("descendants") or [] if isinstance(s, dict)]
        return [payload] if payload.get("id") and "content" in payload else []
    if not isinstance(payload, list):
        return []
    found = []
    for entry in payload:
        if not isinstance(entry, dict):
            continue
        if isinstance(entry.get("status"), dict):
            found.append(entry["status"])
        elif entry.get("id") and "content" in entry:
            found.append(entry.get("reblog") if isinstance(entry.get("reblog"), dict) else entry)
    return found


# --- Outbound ---------------------------------------------------------------------------------


class MastodonConnector:
    def __init__(self, token: str, api_base: str):
        self.token = token
        self.api_base = api_base.rstrip("/")

    def reply(
        self, *, platform_id: str, text: str, author_name: str = "", idempotency_key: str = ""
    ) -> SendResult:
        # The API does not mention the author by itself; without it they are not notified.
        status = f"{author_name} {text}" if author_name.startswith("@") else text
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = http_request(
            "POST",
            f"{self.api_base}/api/v1/statuses",
            token=self.token,
            data={"status": status, "in_reply_to_id": platform_id},
            headers=headers,
        )
        return SendResult(platform_id=json_id(response))

    def hide(self, *, platform_id: str) -> SendResult:
        raise ManualRequired

    def delete(self, *, platform_id: str) -> SendResult:
        raise ManualRequired

    def notify(
        self, *, platform_id: str, text: str, author_name: str = "", idempotency_key: str = ""
    ) -> SendResult:
        # A direct message reaches only the mentioned author; without a handle there is nobody
        # to address, so the notice is left to a person.
        if not author_name.startswith("@"):
            raise ManualRequired
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        response = http_request(
            "POST",
            f"{self.api_base}/api/v1/statuses",
            token=self.token,
            data={"status": f"{author_name} {text}", "visibility": "direct"},
            headers=headers,
        )
        return SendResult(platform_id=json_id(response))
