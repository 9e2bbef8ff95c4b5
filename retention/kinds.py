"""The information types retention knows, as a small registry (R22).

Each type says which records it covers, the date its period runs from, how to reach the
account and the item a hold names, and how to cull a batch. Another app registers its own
type with ``register()`` (the public-records app its request deliveries); a rule whose type is
not registered is shown as not yet culled.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any, ClassVar

from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Anchor, RuleVersion

REQUEST_DELIVERIES = "request_deliveries"

# Labels of every type a seeded rule names, registered or not.
LABELS: dict[str, Any] = {
    "visitor_items": _("Visitors' comments and replies"),
    "messages": _("Private messages"),
    "own_posts": _("The municipality's own posts"),
    "evidence": _("Removed items' evidence"),
    "moderation_actions": _("Triage and decision records"),
    "raw_events": _("Raw connector events (webhook payloads)"),
    REQUEST_DELIVERIES: _("Request deliveries"),
}


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """``when`` moved by whole calendar months (negative goes back); the day is clamped."""
    year, month = divmod(when.year * 12 + (when.month - 1) + months, 12)
    month += 1
    return when.replace(
        year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1])
    )


def end_of_year_cutoff(months: int, as_of: dt.datetime) -> dt.datetime:
    """Records dated before this are due: the latest 1 January (in the municipality's time)
    whose year's end plus the period has passed by ``as_of``."""
    tz = timezone.get_default_timezone()
    year = timezone.localtime(as_of, tz).year + 1
    while True:
        start = dt.datetime(year, 1, 1, tzinfo=tz)
        if add_months(start, months) <= as_of:
            return start
        year -= 1


class Kind:
    """One information type. Subclasses name the model and the paths; ``cull`` does the work."""

    code: ClassVar[str]
    model: ClassVar[type[models.Model]]
    date_field: ClassVar[str]
    captured_field: ClassVar[str]
    account_field: ClassVar[str]
    # The path to the moderation item's pk, or "" when the records name no item.
    item_field: ClassVar[str] = ""
    # The date a date-range hold is matched on: the item's publication, where there is an item.
    hold_date_field: ClassVar[str] = "item__published_at"
    anchors: ClassVar[tuple[str, ...]] = (
        Anchor.END_OF_YEAR,
        Anchor.RECEIVED,
        Anchor.ACCOUNT_CLOSED,
    )

    @property
    def label(self):
        return LABELS.get(self.code, self.code)

    def live(self) -> QuerySet:
        """The records of this type not yet culled."""
        raise NotImplementedError

    def cutoff(self, rule: RuleVersion, as_of: dt.datetime) -> dt.datetime | None:
        if rule.anchor == Anchor.END_OF_YEAR:
            return end_of_year_cutoff(rule.period_months, as_of)
        if rule.anchor == Anchor.RECEIVED:
            return add_months(as_of, -rule.period_months)
        return None

    def due(self, rule: RuleVersion, as_of: dt.datetime) -> QuerySet:
        """What the rule makes due as of ``as_of``, holds and snapshots not yet considered."""
        qs = self.live()
        cutoff = self.cutoff(rule, as_of)
        if cutoff is not None:
            return qs.filter(**{f"{self.date_field}__lt": cutoff})
        if rule.anchor == Anchor.ACCOUNT_CLOSED:
            account = self.account_field.removesuffix("_id")
            return qs.filter(
                **{
                    f"{account}__closed_at__isnull": False,
                    f"{account}__closed_at__lt": add_months(as_of, -rule.period_months),
                }
            )
        return qs.none()

    def cull(self, ids: list[int]) -> dict[str, int]:
        raise NotImplementedError

    def finish(self) -> None:
        """After the type's batches, in every attempt of a run: clean up what a killed attempt
        left between a batch's commit and the deletion of its files."""

    def example(self, record) -> dict[str, Any]:
        return {"id": record.pk, "date": getattr(record, self.date_field).isoformat()}


def _raw(model) -> QuerySet:
    """A plain queryset: append-only models refuse ``update``/``delete`` through their own
    manager, and culling is the one path allowed past that (see ``culling.culling_writes``)."""
    return QuerySet(model=model)


class _ItemKind(Kind):
    date_field = "published_at"
    captured_field = "captured_at"
    account_field = "account_id"
    item_field = "pk"
    hold_date_field = "published_at"
    condition: ClassVar[Q]

    @property
    def model(self):
        from moderation.models import Item

        return Item

    def live(self) -> QuerySet:
        from moderation.models import OPEN_STATUSES, Item

        # Items still in the queue are never culled: someone is handling them.
        return Item.objects.filter(self.condition, culled_at__isnull=True).exclude(
            status__in=OPEN_STATUSES
        )

    def cull(self, ids: list[int]) -> dict[str, int]:
        from connectors.media import remove_media_files, unreferenced
        from connectors.models import Attachment, ExactText
        from moderation.models import Claim, Item, ItemVersion

        versions = _raw(ItemVersion).filter(item_id__in=ids).delete()[0]
        exact_texts = _raw(ExactText).filter(item_id__in=ids).delete()[0]
        attachments = Attachment.objects.filter(item_id__in=ids)
        shas = set(attachments.exclude(sha256="").values_list("sha256", flat=True))
        attachment_count = attachments.delete()[0]
        files = len(unreferenced(shas))
        # The files go once the rows' deletion is committed; a run killed in between leaves
        # them to ``finish`` of the next attempt.
        transaction.on_commit(lambda: remove_media_files(shas), robust=True)
        Claim.objects.filter(item_id__in=ids).delete()
        items = Item.objects.filter(pk__in=ids, culled_at__isnull=True).update(
            text="",
            link="",
            author_name="",
            author_platform_id="",
            flags=[],
            has_personal_data=False,
            culled_at=timezone.now(),
        )
        return {
            "items": items,
            "item_versions": versions,
            "exact_texts": exact_texts,
            "attachments": attachment_count,
            "attachment_files": files,
        }

    def finish(self) -> None:
        from connectors.media import remove_orphaned_media

        remove_orphaned_media()

    def example(self, record) -> dict[str, Any]:
        return {
            "id": record.pk,
            "date": record.published_at.isoformat(),
            "account": record.account_id,
            "text": record.text[:80],
        }


class VisitorItems(_ItemKind):
    code = "visitor_items"
    condition = Q(by_municipality=False) & ~Q(kind="message")


class Messages(_ItemKind):
    code = "messages"
    condition = Q(kind="message")


class OwnPosts(_ItemKind):
    code = "own_posts"
    condition = Q(by_municipality=True) & ~Q(kind="message")


class EvidenceKind(Kind):
    code = "evidence"
    date_field = "taken_at"
    captured_field = "taken_at"
    account_field = "item__account_id"
    item_field = "item_id"

    def live(self) -> QuerySet:
        from moderation.models import Evidence

        return _raw(Evidence).filter(culled_at__isnull=True)

    def cull(self, ids: list[int]) -> dict[str, int]:
        from moderation.models import Evidence

        count = (
            _raw(Evidence)
            .filter(pk__in=ids, culled_at__isnull=True)
            .update(data_json="", html="", culled_at=timezone.now())
        )
        return {"evidence": count}


class ModerationActions(Kind):
    code = "moderation_actions"
    date_field = "created_at"
    captured_field = "created_at"
    account_field = "item__account_id"
    item_field = "item_id"

    def live(self) -> QuerySet:
        from moderation.models import ModerationAction

        return _raw(ModerationAction).filter(culled_at__isnull=True)

    def cull(self, ids: list[int]) -> dict[str, int]:
        from moderation.models import ModerationAction, OutboundAction

        count = (
            _raw(ModerationAction)
            .filter(pk__in=ids, culled_at__isnull=True)
            .update(reply_text="", reason="", path=[], details={}, culled_at=timezone.now())
        )
        texts = (
            OutboundAction.objects.filter(moderation_action_id__in=ids)
            .exclude(text="")
            .update(text="")
        )
        return {"moderation_actions": count, "outbound_texts": texts}


class RawEvents(Kind):
    code = "raw_events"
    date_field = "received_at"
    captured_field = "received_at"
    account_field = "config__account_id"
    hold_date_field = "received_at"

    def live(self) -> QuerySet:
        from moderation.models import RawEvent

        return RawEvent.objects.all()

    def cull(self, ids: list[int]) -> dict[str, int]:
        from moderation.models import RawEvent

        return {"raw_events": RawEvent.objects.filter(pk__in=ids).delete()[0]}


_REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add an information type (an instance); its code names its rule."""
    _REGISTRY[kind.code] = kind
    return kind


def unregister(code: str) -> None:
    _REGISTRY.pop(code, None)


def get(code: str) -> Kind | None:
    return _REGISTRY.get(code)


def registered() -> dict[str, Kind]:
    return dict(_REGISTRY)


def label_of(code: str):
    kind = _REGISTRY.get(code)
    return kind.label if kind is not None else LABELS.get(code, code)


def all_codes() -> list[str]:
    """Every type with a label or a registration, in a stable order."""
    return list(LABELS) + [code for code in _REGISTRY if code not in LABELS]


for _kind in (VisitorItems(), Messages(), OwnPosts(), EvidenceKind(), ModerationActions()):
    register(_kind)
register(RawEvents())
