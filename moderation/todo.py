"""The platform to-do list, "Att göra på plattformen" (R13, R14, R18, R32).

Every reply, removal, hide and removal notice that a triage asked of the platform and that no
connector has carried out: actions on accounts without a connector (``manual``) and actions a
connector failed to send (``failed``). They are the existing ``OutboundAction`` rows, so the
to-do list, the item page and the connector page show the same thing; an entry is marked done
with ``connectors.services.outbound_confirm``, which writes the append-only record.

An entry is overdue by the same working-day rule as the queue, counted from when it was put on
the list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import SocialAccount
from haparanda_social.paging import PAGE_SIZE, page_number

from .models import TODO_STATUSES, OutboundAction, OutboundKind
from .permissions import accounts_acted_for, messages_rule
from .workdays import overdue_cutoff


class TodoFilter(forms.Form):
    """The list's filters, read from the query string so a filtered list can be bookmarked.
    An unknown value is reported and that filter left out; the others still apply."""

    konto = forms.TypedChoiceField(label=_("Account"), required=False, coerce=int, empty_value=None)
    typ = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *OutboundKind.choices]
    )
    forsenade = forms.BooleanField(label=_("Only overdue"), required=False)
    sida = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, accounts: list[SocialAccount], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["konto"].choices = [
            ("", _("All accounts")),
            *((a.pk, f"{a.display_name} ({a.get_platform_display()})") for a in accounts),
        ]

    def filters(self) -> dict:
        """The valid filters only, so a wrong value in one leaves the others working."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


def filter_querystring(filters: dict, **changes) -> str:
    """The filter as a query string (without the page unless given), for links and forms."""
    values = {k: v for k, v in {**filters, **changes}.items() if k != "sida" or "sida" in changes}
    pairs = []
    for key in ("konto", "typ", "forsenade", "sida"):
        value = values.get(key)
        if value in (None, "", False):
            continue
        pairs.append((key, "1" if value is True else str(value)))
    return urlencode(pairs)


def todo_queryset(user, filters: dict, *, now: dt.datetime | None = None) -> QuerySet:
    """The person's to-do entries under the filter, oldest first, with what the page shows
    joined. Scoped like the queue: the accounts the person acts for (R24)."""
    now = now or timezone.now()
    qs = OutboundAction.objects.filter(
        messages_rule(user, prefix="item__"),
        status__in=TODO_STATUSES,
        item__account__in=accounts_acted_for(user),
    )
    if filters.get("konto"):
        qs = qs.filter(item__account_id=filters["konto"])
    if filters.get("typ"):
        qs = qs.filter(kind=filters["typ"])
    if filters.get("forsenade"):
        qs = qs.filter(created_at__lt=overdue_cutoff(now))
    return qs


@dataclass
class TodoPage:
    entries: list[OutboundAction]
    total: int
    overdue: int
    number: int
    pages: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def todo_page(user, filters: dict, *, now: dt.datetime | None = None) -> TodoPage:
    """One page of about fifty entries, with the total and the overdue count for the whole
    filter computed by the database in one query; a page past the end shows the last one."""
    now = now or timezone.now()
    cutoff = overdue_cutoff(now)
    qs = todo_queryset(user, filters, now=now)
    counts = qs.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(created_at__lt=cutoff)))
    total = counts["total"]
    number, pages = page_number(filters.get("sida"), total, per_page=PAGE_SIZE)
    start = (number - 1) * PAGE_SIZE
    entries = list(
        qs.select_related("item__account", "requested_by").order_by("created_at", "pk")[
            start : start + PAGE_SIZE
        ]
    )
    for entry in entries:
        entry.overdue = entry.created_at < cutoff
    return TodoPage(entries, total, counts["overdue"], number, pages)


def todo_accounts(user) -> list[SocialAccount]:
    """The accounts the filter offers: those the person acts for."""
    return list(accounts_acted_for(user).order_by("display_name", "pk"))


def overdue_todo_counts(*, now: dt.datetime | None = None) -> dict[int, tuple[int, dt.datetime]]:
    """Overdue entries on active accounts: account id -> (how many, the oldest one's time),
    counted by the database, for the daily oversight mail (R17)."""
    now = now or timezone.now()
    rows = (
        OutboundAction.objects.filter(
            status__in=TODO_STATUSES,
            created_at__lt=overdue_cutoff(now),
            item__account__in=SocialAccount.objects.active(),
        )
        .values("item__account_id")
        .annotate(n=Count("pk"), oldest=Min("created_at"))
        .order_by()
    )
    return {row["item__account_id"]: (row["n"], row["oldest"]) for row in rows}


class TodoDoneForm(forms.Form):
    """Marking an entry done, optionally with where the reply or notice can be seen; the
    address is checked against the account's platform by the service."""

    adress = forms.CharField(
        label=_("Address of the posted reply"),
        required=False,
        max_length=1000,
        help_text=_("Optional. Copy the link to your reply on the platform."),
    )
