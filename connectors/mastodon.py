"""Mastodon: mentions polled from the notifications API, replies through the statuses API.

IDs are opaque strings: the cursor is the id of the newest notification seen, taken from its
position in the page (newest first), never by comparing ids. Moderating someone else's status
is not possible with a user token, so hide and delete are done by hand; the removal notice goes
to the author as a direct message (a status with ``visibility=direct`` that mentions them).
"""

from __future__ import annotations

import datetime as dt
import html

from django.utils.html import strip_tags

from moderation.models import ConnectorPlatform, ItemKind

from .base import ManualRequired, SendResult, http_request, json_id
from .events import InboundChange, PayloadError, from_unix

PAGE_LIMIT = 30
MAX_PAGES = 20


def notifications_url(api_base: str) -> str:
    return f"{api_base.rstrip('/')}/api/v1/notifications"


def first_page_params(cursor: str) -> dict:
    params = {"types[]": "mention", "limit": str(PAGE_LIMIT)}
    if cursor:
        params["min_id"] = cursor
    return params


def fetch(url: str, *, token: str, params: dict | None = None):
    """One page: (raw body, URL of the next newer page or None)."""
    response = http_request("GET", url, token=token, params=params)
    newer = response.links.get("prev", {}).get("url")
    return response.text, newer


def _text(content: str) -> str:
    # Status content is HTML; paragraphs and line breaks become new lines before tags go.
    for tag in ("</p>", "<br>", "<br/>", "<br />"):
        content = content.replace(tag, tag + "\n")
    return html.unescape(strip_tags(content)).strip()


def parse(page, *, own_account_id: str, now: dt.datetime) -> list[InboundChange]:
    if not isinstance(page, list):
        raise PayloadError("expected a list of notifications")
    changes = []
    # Pages come newest first; oldest first lets a reply find the mention it answers.
    for notification in reversed(page):
        if not isinstance(notification, dict):
            raise PayloadError("a notification that is not an object")
        status = notification.get("status")
        if notification.get("type") != "mention" or not isinstance(status, dict):
            continue
        account = status.get("account") if isinstance(status.get("account"), dict) else {}
        acct = str(account.get("acct") or "")
        reply_to = str(status.get("in_reply_to_id") or "")
        if not status.get("id"):
            raise PayloadError("a status without its id")
        changes.append(
            InboundChange(
                platform=ConnectorPlatform.MASTODON,
                external_id=own_account_id,
                platform_id=str(status["id"]),
                kind=ItemKind.REPLY if reply_to else ItemKind.POST,
                author_name=f"@{acct}" if acct else str(account.get("id") or ""),
                author_platform_id=str(account.get("id") or ""),
                text=_text(str(status.get("content") or "")),
                link=str(status.get("url") or "")[:1000],
                published_at=from_unix(status.get("created_at"), now),
                parent_platform_id=reply_to,
            )
        )
    return changes


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
