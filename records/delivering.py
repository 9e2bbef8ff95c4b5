"""The released items of a request as plain, already-masked data (``records.handover``).

All masking and withholding happens here, before anything reaches the files: a withheld item is
not passed at all; a masked item's text has its spans replaced by ``[maskerat]``, and the same
words are masked in its versions (and its author's name everywhere, when that is masked); a
parent in the thread that is not released is shown as ``[inte utlämnad]``. The delivered files
are made from nothing else, so nothing masked can leak into them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache

from django.db.models import Prefetch

from accounts.models import User
from moderation.models import Item, ItemKind, ItemVersion
from moderation.personal_data import find_personal_data_spans

from .decision import ReviewLine, decision_text
from .handover import (
    ContextEntry,
    DeliveredAttachment,
    DeliveredItem,
    DeliveredVersion,
    Delivery,
)
from .masking import MASK, NOT_RELEASED, apply_mask, mask_words, masked_words
from .models import ItemReview, RecordsRequest, ReviewOutcome

KIND_REFERENCES = {
    ItemKind.POST: "inlagg",
    ItemKind.COMMENT: "kommentar",
    ItemKind.REPLY: "svar",
    ItemKind.MESSAGE: "meddelande",
}
KIND_LABELS = {
    ItemKind.POST: "Inlägg",
    ItemKind.COMMENT: "Kommentar",
    ItemKind.REPLY: "Svar",
    ItemKind.MESSAGE: "Privat meddelande",
}
VERSION_CHANGES = {
    "created": "Först sedd",
    "edited": "Ändrad av författaren",
    "deleted": "Borttagen av författaren",
}
ATTACHMENT_KINDS = {
    "image": "Bild",
    "video": "Video",
    "audio": "Ljud",
    "file": "Fil",
    "link": "Länkförhandsvisning",
}
# A thread deeper than this is cut at the oldest end; a loop in bad data cannot run forever.
MAX_CONTEXT = 50


def item_reference(item: Item) -> str:
    """A stable reference for an item in a delivery and a decision, e.g. "kommentar-123"."""
    return f"{KIND_REFERENCES.get(item.kind, 'objekt')}-{item.pk}"


def _reviews(request: RecordsRequest):
    """Each current item's latest review, item and account joined, streamed in item order."""
    from .services import current_items, latest_reviews

    latest = current_items(request).annotate(latest=latest_reviews()).values("latest")
    return (
        ItemReview.objects.filter(pk__in=latest)
        .select_related("request_item__item__account", "provision")
        .order_by("request_item__item__published_at", "request_item__item_id")
    )


class Masker:
    """Masks one reviewed item's texts."""

    def __init__(self, review: ItemReview):
        self.review = review
        item = review.request_item.item
        self.author_masked = review.mask_author
        self.words = masked_words(
            review.reviewed_text,
            review.spans,
            author=item.author_name if review.mask_author else None,
        )

    def text(self) -> str:
        return mask_words(apply_mask(self.review.reviewed_text, self.review.spans), self.words)

    def other(self, text: str) -> str:
        return mask_words(text, self.words)

    def version(self, text: str) -> str:
        """An earlier version: the masked words, and the personal data the detector finds in
        it unless the reviewer released the same words in the text they reviewed (a version
        may hold what a later edit took out, and the reviewer marked spans in the text only)."""
        released = {
            self.review.reviewed_text[s["start"] : s["end"]]
            for s in self.review.suggestions
            if not s.get("accepted")
        }
        found = [
            text[start:end]
            for start, end in (span for _finding, span in find_personal_data_spans(text))
            if text[start:end] not in released
        ]
        return mask_words(text, {*self.words, *found})

    def author(self, name: str) -> str:
        return MASK if self.author_masked else name


def released_index(request: RecordsRequest) -> dict[int, int]:
    """Item id → its latest review's id, for every released item of the request: one query,
    so that a thread's parents are looked up without scanning the request again for each."""
    return dict(
        _reviews(request)
        .exclude(outcome=ReviewOutcome.WITHHOLD)
        .order_by()
        .values_list("request_item__item_id", "pk")
    )


class ThreadContext:
    """The parents of items, as delivered. Many items share parents (the comments on one post),
    so each parent's entry is kept in a bounded cache: a few hundred queries for a thousand
    comments on a few posts, and memory that does not grow with the request."""

    CACHED = 2048

    def __init__(self, released: dict[int, int]):
        self.released = released
        self.entry = lru_cache(maxsize=self.CACHED)(self._entry)

    def _entry(self, item_id: int) -> tuple[ContextEntry, int | None]:
        parent = Item.objects.only("pk", "parent_id", "author_name", "published_at").get(pk=item_id)
        review_id = self.released.get(parent.pk)
        if review_id is None:
            entry = ContextEntry(NOT_RELEASED, parent.published_at, NOT_RELEASED)
        else:
            masker = Masker(
                ItemReview.objects.select_related("request_item__item").get(pk=review_id)
            )
            entry = ContextEntry(
                masker.author(parent.author_name), parent.published_at, masker.text()
            )
        return entry, parent.parent_id

    def of(self, item: Item) -> tuple[ContextEntry, ...]:
        entries = []
        parent_id = item.parent_id
        seen = {item.pk}
        while parent_id and parent_id not in seen and len(entries) < MAX_CONTEXT:
            seen.add(parent_id)
            entry, parent_id = self.entry(parent_id)
            entries.append(entry)
        return tuple(reversed(entries))


def delivered_item(
    request: RecordsRequest, review: ItemReview, context: ThreadContext
) -> DeliveredItem:
    item = review.request_item.item
    masker = Masker(review)
    versions: tuple[DeliveredVersion, ...] = ()
    if request.include_versions:
        versions = tuple(
            DeliveredVersion(
                number=version.number,
                change=VERSION_CHANGES.get(version.change, version.change),
                changed_at=version.changed_at,
                text=masker.version(version.text),
            )
            for version in item.versions.all()
        )
    return DeliveredItem(
        attachments=delivered_attachments(item, masker),
        reference=item_reference(item),
        account_name=item.account.display_name,
        platform=item.account.get_platform_display(),
        account_url=item.account.url,
        kind=KIND_LABELS.get(item.kind, item.kind),
        author=masker.author(item.author_name),
        published_at=item.published_at,
        text=masker.text(),
        link=masker.other(item.link),
        context=context.of(item),
        versions=versions,
    )


def delivered_attachments(item: Item, masker: Masker) -> tuple[DeliveredAttachment, ...]:
    """The item's stored attachments, as released with the item (its decision is theirs: a
    withheld item is never handed over, so neither are its attachments). A title is masked
    like the item's other texts."""
    from connectors.models import media_file

    return tuple(
        DeliveredAttachment(
            sha256=attachment.sha256,
            mime_type=attachment.mime_type or "application/octet-stream",
            size=attachment.size or 0,
            kind=ATTACHMENT_KINDS.get(attachment.kind, attachment.kind),
            title=masker.other(attachment.title),
            path=str(media_file(attachment.sha256)),
        )
        for attachment in item.attachments.all()
        if attachment.sha256
    )


def released_items(request: RecordsRequest) -> Iterator[DeliveredItem]:
    """The released items, masked, streamed from the database (may be called again)."""
    from connectors.models import Attachment

    context = ThreadContext(released_index(request))
    # Each chunk's stored attachments (and versions, when asked for) in one query each, not
    # one per item.
    prefetches = [
        Prefetch(
            "request_item__item__attachments",
            queryset=Attachment.objects.stored().order_by("position", "pk"),
        )
    ]
    if request.include_versions:
        prefetches.append(
            Prefetch(
                "request_item__item__versions", queryset=ItemVersion.objects.order_by("number")
            )
        )
    reviews = (
        _reviews(request).exclude(outcome=ReviewOutcome.WITHHOLD).prefetch_related(*prefetches)
    )
    for review in reviews.iterator(chunk_size=200):
        yield delivered_item(request, review, context)


def review_lines(request: RecordsRequest) -> list[ReviewLine]:
    return [
        ReviewLine(
            reference=item_reference(review.request_item.item),
            outcome=review.outcome,
            citation=review.provision_citation,
            description=review.provision.description if review.provision else "",
        )
        for review in _reviews(request)
    ]


def decider_name(user: User) -> str:
    name = user.get_full_name() or user.get_username()
    return f"{name}, {user.title}" if getattr(user, "title", "") else name


def build_delivery(
    request: RecordsRequest, *, actor: User, delivered_at: dt.datetime
) -> tuple[Delivery, list[ReviewLine]]:
    lines = review_lines(request)
    released = sum(1 for line in lines if line.outcome != ReviewOutcome.WITHHOLD)
    delivery = Delivery(
        reference=request.reference,
        received_at=request.received_at,
        delivered_at=delivered_at,
        items=lambda: released_items(request),
        item_count=released,
        decision_text=decision_text(
            request, lines, decided_at=delivered_at, decided_by=decider_name(actor)
        ),
    )
    return delivery, lines
