from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import SocialAccount
from archiving.models import Snapshot, SnapshotKind


def approve_in_the_past(account: SocialAccount, year: int) -> SocialAccount:
    """Setup only: the account was approved in ``year``."""
    when = dt.datetime(year, 3, 1, 12, tzinfo=timezone.get_default_timezone())
    SocialAccount.objects.filter(pk=account.pk).update(
        approved_at=when, created_at=when, starts_on=when.date()
    )
    account.refresh_from_db()
    return account


def pending_snapshot(account: SocialAccount, **fields) -> Snapshot:
    fields.setdefault("kind", SnapshotKind.MANUAL)
    fields.setdefault("period_start", dt.date(2025, 1, 1))
    fields.setdefault("period_end", dt.date(2025, 12, 31))
    return Snapshot.objects.create(account=account, **fields)
