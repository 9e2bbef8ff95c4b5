"""The released items as CSV (for Excel, the way Swedish users open it) and as JSON.

Both are written one item at a time, so memory does not grow with the number of items.
"""

from __future__ import annotations

import csv
import json
from typing import IO

from django.utils import translation
from django.utils.translation import pgettext

from records.handover import DeliveredItem, Delivery

from .text import local_time, representable, stockholm

# A cell that starts with one of these is a formula to Excel and LibreOffice (and a tab or a
# carriage return can hide one): it gets a leading apostrophe so it is shown as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Every row has every column: the last four are an attachment's file, type, size and SHA-256.
COLUMNS = 16


def _cell(value: object) -> str:
    text = representable(str(value))
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


class CsvWriter:
    """One row for each item, then one for each message before it in the thread and one for
    each of its earlier versions, all carrying the item's reference; ``Radtyp`` tells them
    apart. UTF-8 with a byte order mark, semicolons and CRLF: what Excel with Swedish settings
    opens correctly by a double click."""

    def __init__(self, stream: IO[str]):
        stream.write("\ufeff")
        self._writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        with translation.override("sv"):
            self._labels = {
                "item": pgettext("delivered files", "Document"),
                "context": pgettext("delivered files", "Earlier in the thread"),
                "version": pgettext("delivered files", "Version"),
                "attachment": pgettext("delivered files", "Attachment"),
            }
            self._writer.writerow(
                [
                    pgettext("delivered files", "Reference"),
                    pgettext("delivered files", "Row type"),
                    pgettext("delivered files", "Account"),
                    pgettext("delivered files", "Platform"),
                    pgettext("delivered files", "Account address"),
                    pgettext("delivered files", "Kind"),
                    pgettext("delivered files", "Author"),
                    pgettext("delivered files", "Time (Swedish time)"),
                    pgettext("delivered files", "Text"),
                    pgettext("delivered files", "Address"),
                    pgettext("delivered files", "Version"),
                    pgettext("delivered files", "Change"),
                    pgettext("delivered files", "File"),
                    pgettext("delivered files", "Type"),
                    pgettext("delivered files", "Size in bytes"),
                    "SHA-256",
                ]
            )

    def _row(self, values: list[object]) -> None:
        values = [*values, *[""] * (COLUMNS - len(values))]
        self._writer.writerow([_cell(v) for v in values])

    def write(self, item: DeliveredItem) -> None:
        account = [item.account_name, item.platform, item.account_url, item.kind]
        self._row(
            [
                item.reference,
                self._labels["item"],
                *account,
                item.author,
                local_time(item.published_at),
                item.text,
                item.link,
                "",
                "",
            ]
        )
        for entry in item.context:
            self._row(
                [
                    item.reference,
                    self._labels["context"],
                    *account,
                    entry.author,
                    local_time(entry.published_at),
                    entry.text,
                    "",
                    "",
                    "",
                ]
            )
        for version in item.versions:
            self._row(
                [
                    item.reference,
                    self._labels["version"],
                    *account,
                    item.author,
                    local_time(version.changed_at),
                    version.text,
                    "",
                    version.number,
                    version.change,
                ]
            )
        for attachment in item.attachments:
            self._row(
                [
                    item.reference,
                    self._labels["attachment"],
                    item.account_name,
                    item.platform,
                    item.account_url,
                    attachment.kind,
                    item.author,
                    local_time(item.published_at),
                    attachment.title,
                    "",
                    "",
                    "",
                    attachment.name,
                    attachment.mime_type,
                    attachment.size,
                    attachment.sha256,
                ]
            )


def _iso(moment) -> str:
    return stockholm(moment).isoformat()


def item_as_json(item: DeliveredItem) -> dict:
    """``item`` as the JSON file holds it: the handover's own field names, times in ISO 8601
    with their offset from UTC (Swedish time)."""
    return {
        "reference": representable(item.reference),
        "account_name": representable(item.account_name),
        "platform": representable(item.platform),
        "account_url": representable(item.account_url),
        "kind": representable(item.kind),
        "author": representable(item.author),
        "published_at": _iso(item.published_at),
        "text": representable(item.text),
        "link": representable(item.link),
        "context": [
            {
                "author": representable(entry.author),
                "published_at": _iso(entry.published_at),
                "text": representable(entry.text),
            }
            for entry in item.context
        ],
        "versions": [
            {
                "number": version.number,
                "change": representable(version.change),
                "changed_at": _iso(version.changed_at),
                "text": representable(version.text),
            }
            for version in item.versions
        ],
        "attachments": [
            {
                "file": attachment.name,
                "kind": representable(attachment.kind),
                "title": representable(attachment.title),
                "mime_type": representable(attachment.mime_type),
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
            for attachment in item.attachments
        ],
    }


class JsonWriter:
    """``{"reference": …, "received_at": …, "delivered_at": …, "item_count": …, "items": [
    …]}``, the items written one by one as they come."""

    def __init__(self, stream: IO[str], delivery: Delivery):
        self._stream = stream
        self._first = True
        head = json.dumps(
            {
                "reference": representable(delivery.reference),
                "received_at": _iso(delivery.received_at),
                "delivered_at": _iso(delivery.delivered_at),
                "item_count": delivery.item_count,
            },
            ensure_ascii=False,
            indent=1,
        )
        # The head without its closing brace, then the list of items.
        stream.write(head[:-2] + ',\n "items": [')

    def write(self, item: DeliveredItem) -> None:
        self._stream.write("\n  " if self._first else ",\n  ")
        self._first = False
        self._stream.write(json.dumps(item_as_json(item), ensure_ascii=False))

    def close(self) -> None:
        self._stream.write("\n ]\n}\n" if not self._first else "]\n}\n")
