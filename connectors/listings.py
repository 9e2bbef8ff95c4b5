"""Graph API listings read by reconciliation: a Facebook Page's feed with its comments and an
Instagram account's media with theirs, in the shapes Meta documents (``data`` and
``paging.next``). Ids are the same the webhooks carry, so what a webhook already delivered is
recognised and nothing is stored twice. Permalinks are not taken: the webhooks do not carry
them, and an item must read the same whichever way it arrived (a differing link would be an
edit)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

from moderation.models import ConnectorPlatform, ItemKind

from .events import InboundChange, PayloadError, from_unix

COMMENT_FIELDS = "id,message,created_time,from"
FEED_FIELDS = (
    "id,message,created_time,updated_time,from,"
    f"comments.limit(100){{{COMMENT_FIELDS},comments.limit(100){{{COMMENT_FIELDS}}}}}"
)
IG_COMMENT_FIELDS = "id,text,timestamp,username,from"
MEDIA_FIELDS = (
    "id,caption,timestamp,username,"
    f"comments.limit(100){{{IG_COMMENT_FIELDS},replies{{{IG_COMMENT_FIELDS}}}}}"
)


def graph_url(path: str) -> str:
    return f"{settings.META_GRAPH_URL.rstrip('/')}/{settings.META_GRAPH_VERSION}/{path}"


def feed_request(page_id: str, since: dt.datetime) -> tuple[str, dict]:
    return graph_url(f"{page_id}/feed"), {
        "fields": FEED_FIELDS,
        "since": str(int(since.timestamp())),
        "limit": "25",
    }


def media_request(ig_id: str, since: dt.datetime) -> tuple[str, dict]:
    return graph_url(f"{ig_id}/media"), {
        "fields": MEDIA_FIELDS,
        "since": str(int(since.timestamp())),
        "limit": "25",
    }


def next_page(payload: dict) -> str:
    """``paging.next`` on Graph's own host, without any ``access_token`` it may carry (the token
    goes in the header; an address is recorded and must not hold it). Empty when there is none
    or it points elsewhere."""
    paging = payload.get("paging") if isinstance(payload.get("paging"), dict) else {}
    url = str(paging.get("next") or "")
    if not url:
        return ""
    parts = urlsplit(url)
    own = urlsplit(settings.META_GRAPH_URL)
    if (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
        raise PayloadError(f"paging.next points to another server: {url[:200]!r}")
    query = [
        (k, v) for k, v in parse_qsl(parts.query) if k not in ("access_token", "appsecret_proof")
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _str(value) -> str:
    return "" if value is None else str(value)


def _data(payload) -> list:
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise PayloadError("expected an object with a data list")
    return [entry for entry in payload["data"] if isinstance(entry, dict)]


def _edge(entry: dict, name: str) -> list:
    edge = entry.get(name)
    if isinstance(edge, dict) and isinstance(edge.get("data"), list):
        return [e for e in edge["data"] if isinstance(e, dict)]
    return []


def parse_feed(payload, *, page_id: str, now: dt.datetime) -> list[InboundChange]:
    """Posts of the Page's feed, each followed by its comments and their replies."""
    changes = []
    for post in _data(payload):
        post_id = _str(post.get("id"))
        if not post_id:
            raise PayloadError("a post without its id")
        sender = post.get("from") if isinstance(post.get("from"), dict) else {}
        published = from_unix(post.get("created_time"), now)
        changes.append(
            InboundChange(
                platform=ConnectorPlatform.FACEBOOK,
                external_id=page_id,
                platform_id=post_id,
                kind=ItemKind.POST,
                author_name=_str(sender.get("name")) or _str(sender.get("id")),
                author_platform_id=_str(sender.get("id")),
                text=_str(post.get("message")),
                published_at=published,
                changed_at=from_unix(post.get("updated_time"), published),
            )
        )
        for comment in _edge(post, "comments"):
            changes.append(_fb_comment(comment, page_id, post_id, ItemKind.COMMENT, now))
            for reply in _edge(comment, "comments"):
                changes.append(
                    _fb_comment(reply, page_id, _str(comment.get("id")), ItemKind.REPLY, now)
                )
    return changes


def _fb_comment(comment: dict, page_id: str, parent: str, kind: str, now) -> InboundChange:
    if not _str(comment.get("id")):
        raise PayloadError("a comment without its id")
    sender = comment.get("from") if isinstance(comment.get("from"), dict) else {}
    published = from_unix(comment.get("created_time"), now)
    return InboundChange(
        platform=ConnectorPlatform.FACEBOOK,
        external_id=page_id,
        platform_id=_str(comment["id"]),
        kind=kind,
        author_name=_str(sender.get("name")) or _str(sender.get("id")),
        author_platform_id=_str(sender.get("id")),
        text=_str(comment.get("message")),
        published_at=published,
        parent_platform_id=parent,
        changed_at=published,
    )


def parse_media(payload, *, ig_id: str, now: dt.datetime) -> list[InboundChange]:
    """The account's media (its own posts), each followed by its comments and their replies."""
    changes = []
    for media in _data(payload):
        media_id = _str(media.get("id"))
        if not media_id:
            raise PayloadError("a media object without its id")
        published = from_unix(media.get("timestamp"), now)
        changes.append(
            InboundChange(
                platform=ConnectorPlatform.INSTAGRAM,
                external_id=ig_id,
                platform_id=media_id,
                kind=ItemKind.POST,
                author_name=_str(media.get("username")) or ig_id,
                # The media listing is the account's own: its author is the account.
                author_platform_id=ig_id,
                text=_str(media.get("caption")),
                published_at=published,
                changed_at=published,
            )
        )
        for comment in _edge(media, "comments"):
            changes.append(_ig_comment(comment, ig_id, media_id, ItemKind.COMMENT, now))
            for reply in _edge(comment, "replies"):
                changes.append(
                    _ig_comment(reply, ig_id, _str(comment.get("id")), ItemKind.REPLY, now)
                )
    return changes


def _ig_comment(comment: dict, ig_id: str, parent: str, kind: str, now) -> InboundChange:
    if not _str(comment.get("id")):
        raise PayloadError("a comment without its id")
    sender = comment.get("from") if isinstance(comment.get("from"), dict) else {}
    published = from_unix(comment.get("timestamp"), now)
    return InboundChange(
        platform=ConnectorPlatform.INSTAGRAM,
        external_id=ig_id,
        platform_id=_str(comment["id"]),
        kind=kind,
        author_name=_str(comment.get("username")) or _str(sender.get("username")) or "?",
        author_platform_id=_str(sender.get("id")),
        text=_str(comment.get("text")),
        published_at=published,
        parent_platform_id=parent,
        changed_at=published,
    )
