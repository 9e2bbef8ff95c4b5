"""Working days and office hours in Haparanda (R17, R18).

Oversight is due on Swedish working days: weekends, public holidays and the de facto holidays
(midsommarafton, julafton, nyårsafton) are off. Office hours are 08–17 Europe/Stockholm.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

STOCKHOLM = ZoneInfo("Europe/Stockholm")
OFFICE_OPENS = dt.time(8, 0)
OFFICE_CLOSES = dt.time(17, 0)
OFFICE_DAY_SECONDS = 9 * 3600


@lru_cache(maxsize=32)
def _holidays_for(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("SE", years=year, categories=("public", "de_facto"))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _holidays_for(day.year)


def local_today() -> dt.date:
    return timezone.now().astimezone(STOCKHOLM).date()


def previous_working_day(day: dt.date) -> dt.date:
    day -= dt.timedelta(days=1)
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def working_days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Working days from ``first`` to ``last``, both included."""
    days = []
    day = first
    while day <= last:
        if is_working_day(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def office_seconds_between(start: dt.datetime, end: dt.datetime) -> float:
    """Seconds of office hours (08–17 on working days, Stockholm time) from start to end."""
    if end <= start:
        return 0.0
    start = start.astimezone(STOCKHOLM)
    end = end.astimezone(STOCKHOLM)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_working_day(day):
            opens = dt.datetime.combine(day, OFFICE_OPENS, tzinfo=STOCKHOLM)
            closes = dt.datetime.combine(day, OFFICE_CLOSES, tzinfo=STOCKHOLM)
            lo, hi = max(start, opens), min(end, closes)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += dt.timedelta(days=1)
    return total


def is_overdue(received: dt.datetime, now: dt.datetime | None = None) -> bool:
    """Older than one working day: more than a full day of office hours has passed unhandled."""
    now = now or timezone.now()
    # Any seven days hold at least three working days, even around Christmas; answering early
    # also keeps the queue page from counting office hours across years for an old item.
    if now - received > dt.timedelta(days=7):
        return True
    return office_seconds_between(received, now) > OFFICE_DAY_SECONDS


def overdue_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The instant before which an unhandled item is overdue, so that a list can count
    ``published_at < cutoff`` in SQL instead of running ``is_overdue`` on every row.

    For every ``received``: ``received < overdue_cutoff(now)`` exactly when
    ``is_overdue(received, now)``. Walk back one full day of office hours from ``now``; when
    that lands on an opening time, the items from the night before have exactly one day of
    office hours behind them and are not yet overdue, so the cutoff is the previous closing.
    """
    now = now or timezone.now()
    week_ago = now - dt.timedelta(days=7)
    cursor = now.astimezone(STOCKHOLM)
    remaining = float(OFFICE_DAY_SECONDS)
    day = cursor.date()
    while cursor > week_ago:
        if is_working_day(day):
            opens = dt.datetime.combine(day, OFFICE_OPENS, tzinfo=STOCKHOLM)
            closes = dt.datetime.combine(day, OFFICE_CLOSES, tzinfo=STOCKHOLM)
            hi = min(cursor, closes)
            if hi > opens:
                if remaining == 0:
                    return max(hi, week_ago)
                span = (hi - opens).total_seconds()
                if span > remaining:
                    return max(hi - dt.timedelta(seconds=remaining), week_ago)
                remaining -= span
        day -= dt.timedelta(days=1)
        cursor = dt.datetime.combine(day, dt.time(23, 59, 59, 999999), tzinfo=STOCKHOLM)
    return week_ago
