"""Facebook Pages and Instagram: webhook signature, payload parsing and Graph API actions.

Payload shapes follow Meta's Webhooks reference: ``object: page`` with ``feed`` changes
(``item`` comment/post/status/…, ``verb`` add/edited/remove, ``remove`` without ``message``)
and ``object: instagram`` with ``comments`` changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings

from moderation.models import ConnectorPlatform, ItemKind

from .base import ManualRequired, SendResult, http_request, json_id
from .events import InboundChange, PayloadError, from_unix

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
            else:
                parsed = None
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
