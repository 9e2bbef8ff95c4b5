"""R17, R18: the working-day calendar of Haparanda and the office hours that oversight counts.

"Today" is the day in Haparanda, whatever zone the server runs in; a day's office hours are
08–17 Stockholm time, on weekdays that are neither public holidays nor the de facto ones."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from moderation.models import DailyCheck
from moderation.workdays import (
    is_overdue,
    local_today,
    office_seconds_between,
    overdue_cutoff,
    previous_working_day,
    working_days_between,
)

STHLM = ZoneInfo("Europe/Stockholm")
HOUR = 3600


def at(*args):
    return dt.datetime(*args, tzinfo=STHLM)


# --- Today is Haparanda's day ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        # 00:30 in Haparanda is still 22:30 the day before in UTC (summer time).
        (dt.datetime(2026, 6, 15, 22, 30, tzinfo=dt.UTC), dt.date(2026, 6, 16)),
        # 23:30 in Haparanda is already the next day in New Zealand.
        (dt.datetime(2026, 6, 16, 21, 30, tzinfo=dt.UTC), dt.date(2026, 6, 16)),
        # Winter time: 00:15 on New Year's Day in Haparanda.
        (dt.datetime(2026, 12, 31, 23, 15, tzinfo=dt.UTC), dt.date(2027, 1, 1)),
    ],
)
def test_today_is_the_day_in_haparanda_whatever_the_servers_zone(instant, day):
    with time_machine.travel(instant, tick=False):
        assert local_today() == day


def test_today_is_haparandas_day_on_a_server_in_new_zealand(server_in_auckland):
    # 15:00 on Monday in Haparanda is 01:00 on Tuesday in Auckland.
    with time_machine.travel(dt.datetime(2026, 6, 15, 13, 0, tzinfo=dt.UTC), tick=False):
        assert local_today() == dt.date(2026, 6, 15)


def test_a_check_just_after_midnight_counts_for_the_new_day(owner_client, active_account):
    url = reverse("moderation:daily_check", args=[active_account.pk])
    with time_machine.travel(dt.datetime(2026, 6, 15, 22, 30, tzinfo=dt.UTC), tick=False):
        assert owner_client.post(url).status_code == 302
    check = DailyCheck.objects.get(account=active_account)
    assert check.day == dt.date(2026, 6, 16)


# --- Working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "previous"),
    [
        (dt.date(2026, 6, 16), dt.date(2026, 6, 15)),  # Tuesday → Monday
        (dt.date(2026, 6, 15), dt.date(2026, 6, 12)),  # Monday → Friday, over the weekend
        (dt.date(2026, 6, 22), dt.date(2026, 6, 18)),  # over midsommarafton and the weekend
        (dt.date(2026, 12, 28), dt.date(2026, 12, 23)),  # over julafton, jul and annandag jul
        (dt.date(2027, 1, 4), dt.date(2026, 12, 30)),  # over nyårsafton and nyårsdagen
    ],
)
def test_the_previous_working_day_skips_weekends_and_holidays(day, previous):
    assert previous_working_day(day) == previous


def test_working_days_between_include_both_ends_and_skip_the_days_off():
    # Thursday before midsommar to the Monday after: midsommarafton and the weekend are off.
    assert working_days_between(dt.date(2026, 6, 18), dt.date(2026, 6, 22)) == [
        dt.date(2026, 6, 18),
        dt.date(2026, 6, 22),
    ]
    assert working_days_between(dt.date(2026, 6, 15), dt.date(2026, 6, 15)) == [
        dt.date(2026, 6, 15)
    ]
    assert working_days_between(dt.date(2026, 6, 20), dt.date(2026, 6, 21)) == []
    assert working_days_between(dt.date(2026, 6, 16), dt.date(2026, 6, 15)) == []


# --- Office hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (at(2026, 6, 15, 9, 0), at(2026, 6, 15, 11, 30), 2.5),  # within one day
        (at(2026, 6, 15, 6, 0), at(2026, 6, 15, 9, 0), 1),  # the office opens at 08
        (at(2026, 6, 15, 16, 0), at(2026, 6, 15, 20, 0), 1),  # and closes at 17
        (at(2026, 6, 15, 6, 0), at(2026, 6, 15, 20, 0), 9),  # a whole day is nine hours
        (at(2026, 6, 15, 18, 0), at(2026, 6, 16, 7, 0), 0),  # a night counts nothing
        (at(2026, 6, 15, 12, 0), at(2026, 6, 17, 12, 0), 18),  # two days, from noon to noon
        (at(2026, 6, 15, 12, 0), at(2026, 6, 15, 12, 0), 0),
        (at(2026, 6, 15, 12, 0), at(2026, 6, 15, 10, 0), 0),  # the end before the start
        (at(2026, 6, 13, 9, 0), at(2026, 6, 13, 16, 0), 0),  # a Saturday
    ],
)
def test_office_hours_between_two_moments(start, end, hours):
    assert office_seconds_between(start, end) == hours * HOUR


def test_office_hours_are_counted_in_haparanda_time_whatever_the_servers_zone(
    server_in_auckland,
):
    # Monday 14:00–16:00 in Haparanda is already Tuesday in New Zealand.
    assert office_seconds_between(at(2026, 6, 15, 14, 0), at(2026, 6, 15, 16, 0)) == 2 * HOUR
    # Monday 06:00 to 09:00 in Haparanda: the New Zealand date of the end is still Monday's
    # evening, of the start Monday's afternoon; one office hour either way.
    assert office_seconds_between(at(2026, 6, 15, 6, 0), at(2026, 6, 15, 9, 0)) == HOUR
    # Sunday 23:00 to Monday 09:00 in Haparanda, where New Zealand's dates are Monday's.
    assert office_seconds_between(at(2026, 6, 14, 23, 0), at(2026, 6, 15, 9, 0)) == HOUR


def test_office_hours_are_counted_in_haparanda_time_when_the_moments_are_in_utc():
    # 06:00–08:00 UTC is 08:00–10:00 in Haparanda in summer: two office hours.
    start = dt.datetime(2026, 6, 15, 6, 0, tzinfo=dt.UTC)
    assert office_seconds_between(start, start + dt.timedelta(hours=2)) == 2 * HOUR
    # 16:00–18:00 UTC is 18:00–20:00 in Haparanda: the office has closed.
    evening = dt.datetime(2026, 6, 15, 16, 0, tzinfo=dt.UTC)
    assert office_seconds_between(evening, evening + dt.timedelta(hours=2)) == 0


# --- Overdue: more than one working day of office hours unhandled (R18) -------------------------


def test_an_item_is_overdue_after_exactly_one_office_day_and_a_second():
    received = at(2026, 6, 15, 10, 0)
    assert not is_overdue(received, at(2026, 6, 16, 10, 0))
    assert is_overdue(received, at(2026, 6, 16, 10, 0, 1))
    # Received at night: the day starts at 08 the next morning.
    assert not is_overdue(at(2026, 6, 15, 22, 0), at(2026, 6, 16, 17, 0))
    assert is_overdue(at(2026, 6, 15, 22, 0), at(2026, 6, 17, 8, 0, 1))


def test_an_item_received_before_the_weekend_is_not_overdue_until_monday():
    friday = at(2026, 6, 12, 16, 0)
    assert not is_overdue(friday, at(2026, 6, 14, 23, 0))
    assert not is_overdue(friday, at(2026, 6, 15, 16, 0))
    assert is_overdue(friday, at(2026, 6, 15, 16, 0, 1))


def test_is_overdue_reads_the_clock_when_no_moment_is_given():
    with time_machine.travel(at(2026, 6, 16, 10, 0, 1), tick=False):
        assert is_overdue(at(2026, 6, 15, 10, 0))
        assert not is_overdue(at(2026, 6, 15, 10, 0, 2))
        assert overdue_cutoff() == at(2026, 6, 15, 10, 0, 1)


@pytest.mark.parametrize(
    ("now", "cutoff"),
    [
        # Tuesday 10:00: one office day back is Monday 10:00.
        (at(2026, 6, 16, 10, 0), at(2026, 6, 15, 10, 0)),
        # Monday 09:00: one office day back reaches into Friday, over the weekend.
        (at(2026, 6, 15, 9, 0), at(2026, 6, 12, 9, 0)),
        # Tuesday 08:00: a full day back is Monday's opening; what came in over the night to
        # Monday has exactly one day behind it, so the cutoff is Friday's closing.
        (at(2026, 6, 16, 8, 0), at(2026, 6, 12, 17, 0)),
        # Tuesday 16:59:59: one second of the day is left for Monday.
        (at(2026, 6, 16, 16, 59, 59), at(2026, 6, 15, 16, 59, 59)),
        # Tuesday 20:00, after closing: Tuesday's nine office hours are the full day, so the
        # cutoff is Monday's closing.
        (at(2026, 6, 16, 20, 0), at(2026, 6, 15, 17, 0)),
        # Monday 28 December before opening: Wednesday the 23rd is the one office day since
        # julafton, so the cutoff is Tuesday the 22nd's closing.
        (at(2026, 12, 28, 7, 0), at(2026, 12, 22, 17, 0)),
    ],
)
def test_the_overdue_cutoff_of_a_list(now, cutoff):
    assert overdue_cutoff(now) == cutoff


def test_the_overdue_cutoff_is_counted_in_haparanda_time_whatever_the_servers_zone(
    server_in_california,
):
    # Tuesday 08:30 in Haparanda is still Monday 23:30 in California: half an hour of Tuesday
    # and eight and a half of Monday make the day.
    assert overdue_cutoff(at(2026, 6, 16, 8, 30)) == at(2026, 6, 15, 8, 30)
    assert office_seconds_between(at(2026, 6, 15, 8, 30), at(2026, 6, 16, 8, 30)) == 9 * HOUR
