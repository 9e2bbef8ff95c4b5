"""What a connector hands to ingestion: one change to one item, platform-neutral."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class PayloadError(ValueError):
    """The payload does not have the documented shape."""


@dataclass(frozen=True)
class InboundAttachment:
    """One attachment of an item as the platform describes it: an image, a video, a file or a
    link preview. Only the description travels with the change; the worker downloads the bytes."""

    url: str
    # image, video, audio, file or link (a link preview: ``url`` is the link, ``preview_url``
    # its image).
    kind: str = "file"
    # What the platform claims; the downloaded bytes decide what is stored.
    mime_type: str = ""
    title: str = ""
    # Alt text of an image, or a link preview's description.
    description: str = ""
    preview_url: str = ""
    platform_id: str = ""


@dataclass(frozen=True)
class InboundChange:
    platform: str
    # The Page, Instagram account or Mastodon account the change arrived for.
    external_id: str
    platform_id: str
    kind: str
    author_name: str
    author_platform_id: str
    text: str
    published_at: dt.datetime
    parent_platform_id: str = ""
    link: str = ""
    deleted: bool = False
    edited: bool = False
    changed_at: dt.datetime | None = None
    attachments: tuple[InboundAttachment, ...] = ()

    @property
    def by_owner(self) -> bool:
        """Written by the account itself, that is by the municipality."""
        return bool(self.author_platform_id) and self.author_platform_id == self.external_id


def from_unix(value, default: dt.datetime) -> dt.datetime:
    """Meta sends seconds since the epoch (sometimes milliseconds, sometimes an ISO string)."""
    if isinstance(value, bool) or value in (None, ""):
        return default
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10_000_000_000 else value
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            # Out of the calendar's range, or not a number (NaN): the delivery's own time.
            return default
    if isinstance(value, str):
        if value.isdigit() and len(value) < 20:
            return from_unix(int(value), default)
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
            return parsed.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            return default
    return default
