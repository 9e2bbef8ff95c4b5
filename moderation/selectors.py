"""Reads that span relations, already joined, so pages keep a constant number of queries."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from accounts.models import SocialAccount

from .models import (
    ActionKind,
    DailyCheck,
    Evidence,
    Item,
    ItemVersion,
    ModerationAction,
    OutboundAction,
    ResponseModelVersion,
)
from .permissions import accounts_acted_for
from .response_model import REPLY_OUTCOMES
from .services import response_model_ensure_default
from .workdays import (
    OFFICE_DAY_SECONDS,
    is_overdue,
    local_today,
    office_seconds_between,
    working_days_between,
)


def queue_accounts(user) -> QuerySet[SocialAccount]:
    """The accounts of the person's queue, with whether each was checked today."""
    today = local_today()
    return (
        accounts_acted_for(user, today)
        .annotate(
            checked_today=Exists(DailyCheck.objects.filter(account=OuterRef("pk"), day=today))
        )
        .order_by("display_name", "pk")
    )


def item_with_history(item: Item) -> Item:
    """Versions, actions with their people, and evidence, prefetched."""
    return (
        Item.objects.select_related("account", "parent", "handled_by")
        .prefetch_related(
            Prefetch("versions", queryset=ItemVersion.objects.order_by("number")),
            Prefetch(
                "actions",
                queryset=ModerationAction.objects.select_related(
                    "actor", "response_model", "evidence"
                ).order_by("created_at", "pk"),
            ),
            Prefetch("evidence", queryset=Evidence.objects.select_related("taken_by")),
            # The connectors' attachments, by their reverse relation (no import of that app).
            "attachments",
            Prefetch(
                "outbound_actions",
                queryset=OutboundAction.objects.select_related("confirmed_by").order_by("pk"),
            ),
        )
        .get(pk=item.pk)
    )


def current_response_model() -> ResponseModelVersion:
    return response_model_ensure_default()


@dataclass
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


def _durations(seconds: list[float]) -> Durations:
    if not seconds:
        return Durations(0, None, None)
    hours = sorted(s / 3600 for s in seconds)
    p90 = hours[0] if len(hours) == 1 else statistics.quantiles(hours, n=10, method="inclusive")[8]
    return Durations(len(hours), round(statistics.median(hours), 1), round(p90, 1))


@dataclass
class AccountStatistics:
    first_handling: Durations
    answer: Durations
    open_count: int
    overdue_count: int
    handled_late_count: int
    unposted_reply_count: int
    working_days: list[dt.date]
    missed_days: list[dt.date]


def account_statistics(account: SocialAccount, *, days: int = 90) -> AccountStatistics:
    """Response times in office hours (R18) and missed oversight days (R17) for the last
    ``days`` days. Items written by the municipality are not counted.

    The time to answer runs to the moment the reply was on the platform (sent by the connector
    or confirmed posted by hand), never to the triage; replies triaged but not yet posted are
    counted apart."""
    now = timezone.now()
    since = now - dt.timedelta(days=days)
    items = list(
        Item.objects.filter(account=account, by_municipality=False, published_at__gte=since)
        .only("published_at", "handled_at", "answered_at", "status", "outcome")
        .order_by("published_at")
    )
    first, answer = [], []
    open_count = overdue = late = unposted = 0
    for item in items:
        if item.handled_at:
            seconds = office_seconds_between(item.published_at, item.handled_at)
            first.append(seconds)
            if seconds > OFFICE_DAY_SECONDS:
                late += 1
        else:
            open_count += 1
            if is_overdue(item.published_at, now):
                overdue += 1
        if item.answered_at:
            answer.append(office_seconds_between(item.published_at, item.answered_at))
        elif item.handled_at and item.outcome in REPLY_OUTCOMES:
            unposted += 1
    today = local_today()
    start = max(today - dt.timedelta(days=30), account.starts_on or today - dt.timedelta(days=30))
    # Today is not missed until the day is over.
    worked = working_days_between(start, today - dt.timedelta(days=1))
    checked = set(
        DailyCheck.objects.filter(account=account, day__gte=start).values_list("day", flat=True)
    )
    return AccountStatistics(
        first_handling=_durations(first),
        answer=_durations(answer),
        open_count=open_count,
        overdue_count=overdue,
        handled_late_count=late,
        unposted_reply_count=unposted,
        working_days=worked,
        missed_days=[d for d in worked if d not in checked],
    )


def recent_actions(account: SocialAccount, limit: int = 20) -> QuerySet[ModerationAction]:
    return (
        ModerationAction.objects.filter(item__account=account)
        .exclude(kind=ActionKind.RECEIVED)
        .select_related("actor", "item")
        .order_by("-created_at", "-pk")[:limit]
    )
