"""Facebook Pages and Instagram: webhook signature, payload parsing and Graph API actions.

Payload shapes follow Meta's Webhooks reference: ``object: page`` with ``feed`` changes
(``item`` comment/post/status/…, ``verb`` add/edited/remove, ``remove`` without ``message``)
and ``object: instagram`` with ``comments`` changes. A feed change's media comes as ``photo``
or ``video`` (a comment's picture or clip), ``link`` (a photo or video post's file, another
post's shared link) and ``photos`` (a status with several pictures).

Private messages come as ``entry.messaging`` in both objects (Messenger Platform and Instagram
Messaging): ``message`` with ``mid``, ``text`` and ``attachments`` (``type`` image, video, audio,
file, fallback, share, story_mention, ig_reel…; ``payload.url``), ``is_echo`` for what the Page
itself sent, ``is_deleted`` for an unsent message (Instagram), ``message_edit`` with the new
text; reactions, reads and deliveries are not items and are skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings

from moderation.models import ConnectorPlatform, ItemKind

from .base import ManualRequired, SendResult, http_request, json_id
from .events import InboundAttachment, InboundChange, PayloadError, from_unix

SIGNATURE_HEADER = "X-Hub-Signature-256"
POST_ITEMS = {"post", "status", "photo", "video", "share", "event", "note"}


def signature_valid(body: bytes, header: str, secret: str) -> bool:
    """HMAC-SHA256 of the raw body with the app secret, compared in constant time."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    given = header[len("sha256=") :].strip().lower()
    # As bytes: compare_digest refuses str with non-ASCII characters, which a header may hold.
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", errors="surrogatepass"))


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _str(value) -> str:
    return "" if value is None else str(value)


def parse(payload: dict, *, now: dt.datetime) -> list[InboundChange]:
    """Every change in a Page or Instagram payload that concerns an item; others are skipped."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise PayloadError("expected an object with an entry list")
    kind = payload.get("object")
    if kind not in ("page", "instagram"):
        raise PayloadError(f"unknown object {kind!r}")
    changes: list[InboundChange] = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or not _str(entry.get("id")):
            raise PayloadError("an entry without an id")
        external_id = _str(entry["id"])
        entry_time = from_unix(entry.get("time"), now)
        for change in entry.get("changes") or []:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                raise PayloadError("a change without a value")
            if kind == "page" and change.get("field") == "feed":
                parsed = _facebook_feed(external_id, change["value"], entry_time)
            elif kind == "instagram" and change.get("field") == "comments":
                parsed = _instagram_comment(external_id, change["value"], entry_time)
            elif change.get("field") == "messages":
                # The dashboard's test delivery of the ``messages`` field: one messaging event
                # as the change's value.
                parsed = _message(
                    ConnectorPlatform.FACEBOOK if kind == "page" else ConnectorPlatform.INSTAGRAM,
                    external_id,
                    change["value"],
                    entry_time,
                )
            else:
                parsed = None
            if parsed is not None:
                changes.append(parsed)
        messaging = entry.get("messaging") or []
        if not isinstance(messaging, list):
            raise PayloadError("messaging is not a list")
        platform = ConnectorPlatform.FACEBOOK if kind == "page" else ConnectorPlatform.INSTAGRAM
        for event in messaging:
            if not isinstance(event, dict):
                raise PayloadError("a messaging event that is not an object")
            parsed = _message(platform, external_id, event, entry_time)
            if parsed is not None:
                changes.append(parsed)
    return changes


def _facebook_feed(page_id: str, value: dict, entry_time: dt.datetime) -> InboundChange | None:
    item, verb = value.get("item"), value.get("verb")
    if verb not in ("add", "edited", "remove"):
        return None
    post_id, parent_id = _str(value.get("post_id")), _str(value.get("parent_id"))
    if item == "comment":
        platform_id = _str(value.get("comment_id"))
        # A comment's parent_id is the post for a top-level comment, a comment for a reply.
        kind = ItemKind.REPLY if parent_id and parent_id != post_id else ItemKind.COMMENT
        parent = parent_id or post_id
    elif item in POST_ITEMS:
        platform_id, kind, parent = post_id, ItemKind.POST, ""
    else:
        return None
    if not platform_id:
        raise PayloadError(f"a {item} change without its id")
    sender = value.get("from") if isinstance(value.get("from"), dict) else {}
    published = from_unix(value.get("created_time"), entry_time)
    link = _str(value.get("link"))
    return InboundChange(
        platform=ConnectorPlatform.FACEBOOK,
        external_id=page_id,
        platform_id=platform_id,
        kind=kind,
        author_name=_str(sender.get("name")) or _str(sender.get("id")),
        author_platform_id=_str(sender.get("id")),
        text=_str(value.get("message")),
        published_at=published,
        parent_platform_id=parent,
        deleted=verb == "remove",
        edited=verb == "edited",
        changed_at=entry_time if verb != "add" else published,
        # The shared address, when it fits the item's link column (it is an attachment too).
        link=link
        if _is_web_address(link) and item in ("share", "status", "post") and len(link) <= 1000
        else "",
        attachments=() if verb == "remove" else _feed_attachments(item, value),
    )


def _is_web_address(value: str) -> bool:
    return value.startswith(("https://", "http://"))


def _feed_attachments(item: str, value: dict) -> tuple[InboundAttachment, ...]:
    """The media of a feed change, in the fields Meta documents for it."""
    found: list[InboundAttachment] = []
    for field, kind in (("photo", "image"), ("video", "video")):
        url = _str(value.get(field))
        if _is_web_address(url):
            found.append(InboundAttachment(url=url, kind=kind))
    photos = value.get("photos")
    if isinstance(photos, list):
        found.extend(
            InboundAttachment(url=_str(url), kind="image")
            for url in photos
            if _is_web_address(_str(url))
        )
    link = _str(value.get("link"))
    if _is_web_address(link):
        if item == "photo":
            found.append(
                InboundAttachment(url=link, kind="image", platform_id=_str(value.get("photo_id")))
            )
        elif item == "video":
            found.append(
                InboundAttachment(url=link, kind="video", platform_id=_str(value.get("video_id")))
            )
        elif item in ("share", "status", "post"):
            # A shared link: the webhook names the address only, not its preview.
            found.append(InboundAttachment(url=link, kind="link", title=_str(value.get("name"))))
    return _unique(found)


def _unique(found: list[InboundAttachment]) -> tuple[InboundAttachment, ...]:
    seen, unique = set(), []
    for attachment in found:
        if attachment.url not in seen:
            seen.add(attachment.url)
            unique.append(attachment)
    return tuple(unique)


# Messenger and Instagram attachment types, as kinds of attachment.
_MESSAGE_KINDS = {
    "image": "image",
    "sticker": "image",
    "animated_image_share": "image",
    "video": "video",
    "ig_reel": "video",
    "reel": "video",
    "audio": "audio",
    "file": "file",
}


def _message_attachments(message: dict) -> tuple[InboundAttachment, ...]:
    found: list[InboundAttachment] = []
    attachments = message.get("attachments") or []
    if not isinstance(attachments, list):
        raise PayloadError("message attachments is not a list")
    for attachment in attachments:
        if not isinstance(attachment, dict):
            continue
        kind = _str(attachment.get("type"))
        payload = attachment.get("payload") if isinstance(attachment.get("payload"), dict) else {}
        url = _str(payload.get("url")) or _str(attachment.get("url"))
        title = _str(payload.get("title")) or _str(attachment.get("title"))
        if kind in _MESSAGE_KINDS:
            if _is_web_address(url):
                found.append(
                    InboundAttachment(
                        url=url,
                        kind=_MESSAGE_KINDS[kind],
                        title=title,
                        platform_id=_str(payload.get("reel_video_id")),
                    )
                )
        elif kind in ("fallback", "share", "story_mention", "template") and _is_web_address(url):
            # A shared link or post: the address, its title, and its image when given.
            found.append(
                InboundAttachment(
                    url=url,
                    kind="link" if kind != "story_mention" else "image",
                    title=title,
                    preview_url=_str(payload.get("image_url")),
                )
            )
    return _unique(found)


def _message(
    platform: str, account_id: str, event: dict, entry_time: dt.datetime
) -> InboundChange | None:
    """One Messenger or Instagram messaging event as a private message, or None for the events
    that are not messages (reactions, reads, deliveries, postbacks)."""
    sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
    at = from_unix(event.get("timestamp"), entry_time)
    edit = event.get("message_edit")
    message = event.get("message")
    if isinstance(edit, dict):
        mid = _str(edit.get("mid"))
        if not mid:
            raise PayloadError("a message edit without its mid")
        return InboundChange(
            platform=platform,
            external_id=account_id,
            platform_id=mid,
            kind=ItemKind.MESSAGE,
            author_name=_str(sender.get("id")),
            author_platform_id=_str(sender.get("id")),
            text=_str(edit.get("text")),
            published_at=at,
            edited=True,
            changed_at=at,
        )
    if not isinstance(message, dict):
        return None
    mid = _str(message.get("mid"))
    if not mid:
        raise PayloadError("a message without its mid")
    echo = message.get("is_echo") is True
    # An echo is the Page's own message: its sender is the Page, its recipient the visitor.
    author = _str(sender.get("id"))
    if echo and not author:
        author = account_id
    deleted = message.get("is_deleted") is True
    return InboundChange(
        platform=platform,
        external_id=account_id,
        platform_id=mid,
        kind=ItemKind.MESSAGE,
        author_name=author,
        author_platform_id=author,
        text=_str(message.get("text")),
        published_at=at,
        deleted=deleted,
        changed_at=at,
        attachments=() if deleted else _message_attachments(message),
    )


def _instagram_comment(ig_id: str, value: dict, entry_time: dt.datetime) -> InboundChange:
    platform_id = _str(value.get("id"))
    if not platform_id:
        raise PayloadError("a comment without its id")
    sender = value.get("from") if isinstance(value.get("from"), dict) else {}
    media = value.get("media") if isinstance(value.get("media"), dict) else {}
    parent_id = _str(value.get("parent_id"))
    return InboundChange(
        platform=ConnectorPlatform.INSTAGRAM,
        external_id=ig_id,
        platform_id=platform_id,
        kind=ItemKind.REPLY if parent_id else ItemKind.COMMENT,
        author_name=_str(sender.get("username")) or _str(sender.get("id")),
        author_platform_id=_str(sender.get("id")),
        text=_str(value.get("text")),
        published_at=entry_time,
        parent_platform_id=parent_id or _str(media.get("id")),
        changed_at=entry_time,
    )


def _graph(path: str) -> str:
    return f"{settings.META_GRAPH_URL.rstrip('/')}/{settings.META_GRAPH_VERSION}/{path}"


def appsecret_proof(token: str) -> str:
    """Meta's proof that a server call comes from the app: HMAC-SHA256 of the token with the
    app secret. Required when the app enables "Require App Secret"; harmless otherwise."""
    return hmac.new(
        settings.META_APP_SECRET.encode("utf-8"), token.encode("utf-8"), hashlib.sha256
    ).hexdigest()


class _GraphConnector:
    def __init__(self, token: str):
        self.token = token

    def _call(self, method: str, path: str, data: dict | None = None):
        proof = {"appsecret_proof": appsecret_proof(self.token)} if settings.META_APP_SECRET else {}
        if method == "DELETE":
            return http_request(method, _graph(path), token=self.token, params=proof)
        return http_request(method, _graph(path), token=self.token, data={**(data or {}), **proof})


class FacebookConnector(_GraphConnector):
    """Graph API on a Page's comments, with the Page access token."""

    def reply(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult:
        response = self._call("POST", f"{platform_id}/comments", {"message": text})
        return SendResult(platform_id=json_id(response))

    def hide(self, *, platform_id: str) -> SendResult:
        self._call("POST", platform_id, {"is_hidden": "true"})
        return SendResult()

    def delete(self, *, platform_id: str) -> SendResult:
        self._call("DELETE", platform_id)
        return SendResult()

    def notify(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult:
        # A reply under the comment goes with it when the comment is deleted, and a private
        # reply needs the messaging permission this connector does not ask for: done by hand.
        raise ManualRequired


class InstagramConnector(_GraphConnector):
    """Graph API on an Instagram professional account's comments."""

    def reply(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult:
        response = self._call("POST", f"{platform_id}/replies", {"message": text})
        return SendResult(platform_id=json_id(response))

    def hide(self, *, platform_id: str) -> SendResult:
        self._call("POST", platform_id, {"hide": "true"})
        return SendResult()

    def delete(self, *, platform_id: str) -> SendResult:
        self._call("DELETE", platform_id)
        return SendResult()

    def notify(self, *, platform_id: str, text: str, author_name: str = "") -> SendResult:
        # A reply under the comment goes with it when the comment is deleted, and a private
        # reply needs the messaging permission this connector does not ask for: done by hand.
        raise ManualRequired
