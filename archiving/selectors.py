"""Reads of snapshots for the staff pages and the public account page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from accounts.models import SocialAccount

from .models import FixityCheck, Snapshot, SnapshotStatus
from .permissions import archive_accounts_for


def snapshots_for_account(account: SocialAccount) -> QuerySet[Snapshot]:
    """Every snapshot of the account with the requester and its latest fixity checks."""
    return (
        Snapshot.objects.filter(account=account)
        .select_related("requested_by")
        .prefetch_related(
            Prefetch(
                "fixity_checks",
                queryset=FixityCheck.objects.order_by("-checked_at", "-pk"),
                to_attr="checks",
            )
        )
        .order_by("-created_at", "-pk")
    )


def snapshots_visible_to(user) -> QuerySet[Snapshot]:
    """Snapshots of the accounts whose archive the user may see, newest first."""
    return (
        Snapshot.objects.filter(account__in=archive_accounts_for(user))
        .select_related("account", "account__department", "requested_by")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class PublicSnapshot:
    """What the public may know of a snapshot: enough to verify a copy, no way to fetch one."""

    kind: str
    kind_label: str
    period_start: dt.date
    period_end: dt.date
    completed_at: dt.datetime
    sha256: str
    size: int
    package_id: str


def public_snapshots_for(account: SocialAccount) -> list[PublicSnapshot]:
    """Complete snapshots of a public account, for its public page (one query)."""
    if not account.is_public:
        return []
    rows = (
        Snapshot.objects.filter(account=account, status=SnapshotStatus.COMPLETE)
        .order_by("-period_end", "-completed_at")
        .values_list(
            "kind", "period_start", "period_end", "completed_at", "sha256", "size", "package_id"
        )
    )
    labels = dict(Snapshot._meta.get_field("kind").choices)
    return [
        PublicSnapshot(
            kind=kind,
            kind_label=str(labels.get(kind, kind)),
            period_start=start,
            period_end=end,
            completed_at=completed,
            sha256=sha,
            size=size,
            package_id=str(package_id),
        )
        for kind, start, end, completed, sha, size, package_id in rows
    ]
