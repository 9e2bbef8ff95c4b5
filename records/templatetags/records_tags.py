"""The communicator's dashboard lists open requests; the registry itself does not import records."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from records.models import RecordsRequest, RequestStatus

register = template.Library()

DASHBOARD_SHOWN = 10


@dataclass
class Age:
    days: int
    late: bool


@register.simple_tag
def request_age(records_request: RecordsRequest) -> Age:
    now = timezone.now()
    return Age(records_request.age_in_working_days(now), records_request.is_late(now))


@register.inclusion_tag("records/includes/dashboard_requests.html")
def open_requests_panel():
    """The oldest open requests first, with the count of all of them: one query, and a count
    only when there are more than are shown."""
    open_requests = RecordsRequest.objects.filter(status=RequestStatus.OPEN)
    shown = list(
        open_requests.annotate(
            item_count=Count("request_items", filter=Q(request_items__removed_at=None))
        ).order_by("received_at", "pk")[:DASHBOARD_SHOWN]
    )
    count = open_requests.count() if len(shown) == DASHBOARD_SHOWN else len(shown)
    return {"open_count": count, "open_requests": shown}
