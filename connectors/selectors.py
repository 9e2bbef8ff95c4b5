"""Reads about capture: which connected accounts' capture has fallen behind."""

from __future__ import annotations

from accounts.models import SocialAccount
from moderation.models import ConnectorConfig


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
