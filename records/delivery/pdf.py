"""The PDF/A renderings: the released items as they appeared, and the decision.

WeasyPrint lays out a whole document in memory, so the items are rendered in parts of a fixed
number of items each (``handlingar-001.pdf``, ``handlingar-002.pdf`` …): memory then depends on
the size of a part, never on the size of the request. The HTML comes from a Django template with
autoescaping on, so a text's markup is shown as text; WeasyPrint is given a URL fetcher that
refuses every URL, so rendering never reaches the network or the file system, and nothing but
the data handed in can end up in a file.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.template import Context, Engine
from django.utils import translation
from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from records.handover import DeliveredItem, Delivery

from .text import local_time, representable, stockholm

PDF_VARIANT = "pdf/a-2b"
# WeasyPrint logs each step of each rendering at INFO: a line a second in a large delivery.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# A template engine of its own: independent of the project's template settings (the delivery is
# written the same way whatever they are), never in debug mode, and with nothing in its context
# but what is passed in.
_engine = Engine(
    dirs=[str(TEMPLATES)],
    debug=False,
    autoescape=True,
    string_if_invalid="",
    libraries={"i18n": "django.templatetags.i18n"},
)


class RefusingURLFetcher(URLFetcher):
    """Refuses every URL: the delivery's HTML has no external resources, and a text that names
    one must never make WeasyPrint fetch it."""

    def fetch(self, url, headers=None):
        raise FatalURLFetchingError(f"The delivery fetches nothing, refused: {url[:200]}")


@dataclass(frozen=True)
class Cover:
    """What every file's cover says about the request: the delivery without its items (and
    so something that can be handed to another process)."""

    reference: str
    received_at: dt.datetime
    delivered_at: dt.datetime
    item_count: int

    @classmethod
    def of(cls, delivery: Delivery) -> Cover:
        return cls(
            delivery.reference, delivery.received_at, delivery.delivered_at, delivery.item_count
        )


@dataclass(frozen=True)
class Part:
    """Which part of the items' rendering a file is."""

    number: int
    count: int
    first: int
    last: int


def _entry(author: str, published_at: dt.datetime, text: str) -> dict:
    return {
        "author": representable(author),
        "time": local_time(published_at),
        "text": representable(text),
    }


def _item_context(position: int, item: DeliveredItem) -> dict:
    link = representable(item.link)
    return {
        "position": position,
        "reference": representable(item.reference),
        "account_name": representable(item.account_name),
        "platform": representable(item.platform),
        "account_url": representable(item.account_url),
        "kind": representable(item.kind),
        "author": representable(item.author),
        "time": local_time(item.published_at),
        "text": representable(item.text),
        "link": link,
        "context": [_entry(e.author, e.published_at, e.text) for e in item.context],
        "versions": [
            {
                "number": v.number,
                "change": representable(v.change),
                "time": local_time(v.changed_at),
                "text": representable(v.text),
            }
            for v in item.versions
        ],
        "attachments": [
            {
                "kind": representable(a.kind),
                "title": representable(a.title),
                "name": a.name,
                "mime_type": representable(a.mime_type),
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in item.attachments
        ],
    }


def _cover_context(cover: Cover) -> dict:
    return {
        "reference": representable(cover.reference),
        "received": local_time(cover.received_at),
        "delivered": local_time(cover.delivered_at),
        "item_count": cover.item_count,
        # The PDF's creation date is the delivery's, so the file says when it was handed out
        # (and the same delivery written twice gives the same bytes).
        "created": stockholm(cover.delivered_at).replace(microsecond=0).isoformat(),
    }


def _write(template: str, context: dict, target: Path) -> None:
    with translation.override("sv"):
        html = _engine.get_template(template).render(Context(context))
    HTML(string=html, url_fetcher=RefusingURLFetcher()).write_pdf(target, pdf_variant=PDF_VARIANT)


def write_items_part(
    cover: Cover,
    part: Part,
    items: Sequence[DeliveredItem],
    target: Path,
) -> None:
    """Write one part of the items' rendering to ``target``, with a cover page naming the
    request, its dates, the number of items and which items this part holds."""
    context = _cover_context(cover)
    context["part"] = part
    context["items"] = [
        _item_context(part.first + offset, item) for offset, item in enumerate(items)
    ]
    _write("records/delivery/items.html", context, target)


def write_decision(cover: Cover, decision_text: str, target: Path) -> None:
    """Write the decision, ``decision_text``, as a PDF/A to ``target``."""
    context = _cover_context(cover)
    context["decision_text"] = representable(decision_text)
    _write("records/delivery/decision.html", context, target)
