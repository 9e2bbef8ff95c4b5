""" "Preserved first": a record whose rule says bevaras is culled only when a complete archival
package covers it and that package passes its fixity check (R19, R22).

A package covers a record when it is of the record's account, its period spans the record's
date, and it was completed after the record was captured (a record captured later is not in
it). Records are grouped by account and calendar year, the unit of the yearly packages; a group
with no such package is refused, with the reason, and stays for a later run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.utils import timezone

from .kinds import Kind

NO_ACCOUNT = "no_account"
NO_SNAPSHOT = "no_snapshot"
FIXITY_FAILED = "fixity_failed"


@dataclass
class Guard:
    allowed: Q
    refused: list[dict] = field(default_factory=list)
    # Fixity results already found in this run, by snapshot id.
    fixity: dict[int, bool] = field(default_factory=dict)


def _year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def preserved(kind: Kind, qs: QuerySet, *, verify: bool, fixity: dict | None = None) -> Guard:
    """Which of ``qs`` a verified package covers. With ``verify`` each package is re-hashed
    (once per run: ``fixity`` carries the results); without it, for a proposal, the last
    recorded fixity result counts."""
    from accounts.models import SocialAccount
    from archiving.models import FixityStatus, Snapshot, SnapshotStatus
    from archiving.services import check_fixity

    tz = timezone.get_default_timezone()
    guard = Guard(allowed=Q(pk__in=[]), fixity=fixity if fixity is not None else {})
    groups = (
        qs.annotate(_year=ExtractYear(kind.date_field, tzinfo=tz))
        .values(kind.account_field, "_year")
        .annotate(
            _first=Min(kind.date_field),
            _last=Max(kind.date_field),
            _captured=Max(kind.captured_field),
            _count=Count("pk"),
        )
        .order_by(kind.account_field, "_year")
    )
    names = {}
    for group in groups:
        account_id, year = group[kind.account_field], group["_year"]
        refusal = {"account": account_id, "year": year, "count": group["_count"]}
        if account_id is None:
            guard.refused.append({**refusal, "reason": NO_ACCOUNT, "account_name": ""})
            continue
        snapshots = Snapshot.objects.filter(
            account_id=account_id,
            status=SnapshotStatus.COMPLETE,
            period_start__lte=timezone.localtime(group["_first"], tz).date(),
            period_end__gte=timezone.localtime(group["_last"], tz).date(),
            completed_at__gte=group["_captured"],
        ).order_by("-completed_at", "-pk")
        covering = None
        checked = False
        for snapshot in snapshots:
            checked = True
            if verify:
                if snapshot.pk not in guard.fixity:
                    guard.fixity[snapshot.pk] = check_fixity(snapshot_id=snapshot.pk).is_ok
                ok = guard.fixity[snapshot.pk]
            else:
                ok = snapshot.fixity_status not in (FixityStatus.MISMATCH, FixityStatus.MISSING)
            if ok:
                covering = snapshot
                break
        if covering is None:
            if account_id not in names:
                names[account_id] = (
                    SocialAccount.objects.filter(pk=account_id)
                    .values_list("display_name", flat=True)
                    .first()
                    or ""
                )
            reason = FIXITY_FAILED if checked else NO_SNAPSHOT
            guard.refused.append({**refusal, "reason": reason, "account_name": names[account_id]})
            continue
        lower, upper = _year_bounds(year)
        guard.allowed |= Q(
            **{
                kind.account_field: account_id,
                f"{kind.date_field}__gte": lower,
                f"{kind.date_field}__lt": upper,
            }
        )
    return guard
