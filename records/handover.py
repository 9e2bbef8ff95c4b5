"""What a request's delivery is made from: released items, already masked, as plain data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveredVersion:
    number: int
    change: str
    changed_at: dt.datetime
    text: str


@dataclass(frozen=True)
class ContextEntry:
    author: str
    published_at: dt.datetime
    text: str


@dataclass(frozen=True)
class DeliveredAttachment:
    """A stored attachment of a released item: written once into the delivery as
    ``bilagor/<sha256>``, copied from ``path`` (its stored file)."""

    sha256: str
    mime_type: str
    size: int
    kind: str
    title: str
    path: str

    @property
    def name(self) -> str:
        """Its name in the delivery."""
        return f"bilagor/{self.sha256}"


@dataclass(frozen=True)
class DeliveredItem:
    reference: str
    account_name: str
    platform: str
    account_url: str
    kind: str
    author: str
    published_at: dt.datetime
    text: str
    link: str
    context: tuple[ContextEntry, ...]
    versions: tuple[DeliveredVersion, ...]
    attachments: tuple[DeliveredAttachment, ...] = ()


@dataclass(frozen=True)
class Delivery:
    reference: str
    received_at: dt.datetime
    delivered_at: dt.datetime
    items: Callable[[], Iterator[DeliveredItem]]
    item_count: int
    decision_text: str | None
