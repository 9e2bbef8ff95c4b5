"""Reads of the connectors' own records, for the pages and apps that show or deliver them, and
which connected accounts' capture has fallen behind."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import SocialAccount
from moderation.models import ConnectorConfig, Item

from .models import Attachment, AttachmentStatus


def attachments_for_item(item: Item | int) -> QuerySet[Attachment]:
    """Every attachment of one item in the order the platform gave them, whatever their state.

    For a delivery of records: ``.stored()`` narrows to those with bytes; each has ``sha256``,
    ``size``, ``mime_type`` and ``relative_path`` (under ``MEDIA_ROOT``, see
    ``connectors.models.media_file``). The caller checks access to the item first."""
    item_id = item if isinstance(item, int) else item.pk
    return Attachment.objects.filter(item_id=item_id).order_by("position", "pk")


def failed_attachments(limit: int) -> list[Attachment]:
    """Downloads that failed or were refused, newest attempt first, with their item and
    account: one query."""
    return list(
        Attachment.objects.filter(status__in=(AttachmentStatus.FAILED, AttachmentStatus.REFUSED))
        .select_related("item__account")
        .order_by("-last_attempt_at", "-pk")[:limit]
    )


def capture_behind() -> list[ConnectorConfig]:
    """Enabled connectors of active accounts whose last complete capture (reconciliation) is
    more than one working day old, or that were never completely captured since they were
    connected a working day ago. One query; the connectors are few (one per account)."""
    configs = (
        ConnectorConfig.objects.filter(enabled=True, account__in=SocialAccount.objects.active())
        .select_related("account", "capture_state")
        .order_by("platform", "external_id")
    )
    return [config for config in configs if is_behind(config)]


def is_behind(config: ConnectorConfig) -> bool:
    from moderation.workdays import is_overdue

    state = getattr(config, "capture_state", None)
    since = state.last_complete_capture_at if state is not None else None
    return is_overdue(since or config.created_at)
