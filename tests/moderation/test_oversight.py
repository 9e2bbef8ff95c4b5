"""R17, R18: daily checks on working days, the reminder task, and response times in office
hours on the account statistics page."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from connectors.services import outbound_confirm
from moderation.models import DailyCheck
from moderation.services import daily_check_record, triage_item
from moderation.tasks import send_oversight_reminders
from moderation.workdays import is_working_day, office_seconds_between

from .conftest import make_item

STHLM = ZoneInfo("Europe/Stockholm")
# Monday 2026-06-15 is a working day; 2026-06-20 a Saturday; 2026-06-19 is midsommarafton
# and 2026-12-25 juldagen.
WORKING_DAY = dt.datetime(2026, 6, 15, 14, 0, tzinfo=STHLM)
SATURDAY = dt.datetime(2026, 6, 20, 14, 0, tzinfo=STHLM)
MIDSUMMER_EVE = dt.datetime(2026, 6, 19, 14, 0, tzinfo=STHLM)
CHRISTMAS_DAY = dt.datetime(2026, 12, 25, 14, 0, tzinfo=STHLM)


def test_weekends_and_swedish_holidays_are_not_working_days():
    assert is_working_day(WORKING_DAY.date())
    assert not is_working_day(SATURDAY.date())
    assert not is_working_day(MIDSUMMER_EVE.date())
    assert not is_working_day(CHRISTMAS_DAY.date())
    assert not is_working_day(dt.date(2026, 6, 6))  # nationaldagen


def test_the_task_is_scheduled_by_beat_at_the_configured_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["moderation-oversight"]
    assert entry["task"] == "moderation.tasks.send_oversight_reminders"
    assert entry["schedule"].hour == {settings.OVERSIGHT_HOUR}


def test_on_a_working_day_the_owner_deputy_and_communicator_are_told(
    active_account, owners_other_account, owner, deputy, communicator, mailoutbox
):
    with time_machine.travel(WORKING_DAY, tick=False):
        assert send_oversight_reminders.delay().get() == 2
    by_person = {mail.to[0]: mail.body for mail in mailoutbox}
    assert set(by_person) == {
        owner.email,
        deputy.email,
        communicator.email,
        settings.COMMUNICATOR_EMAIL,
        "adam.admin@haparanda.se",  # deputy on the other account
    }
    # One message per person, listing each of their unchecked accounts.
    assert active_account.display_name in by_person[owner.email]
    assert owners_other_account.display_name in by_person[owner.email]
    assert owners_other_account.display_name not in by_person[deputy.email]
    assert owners_other_account.display_name in by_person[settings.COMMUNICATOR_EMAIL]
    # Adam administers the active account but is its deputy only on the other one.
    assert active_account.display_name not in by_person["adam.admin@haparanda.se"]
    (mail,) = [m for m in mailoutbox if m.to == [owner.email]]
    assert mail.subject == "Konton som inte har kontrollerats i dag, 2026-06-15"
    assert mail.body.startswith(
        "Ingen har markerat de här kontona som kontrollerade i dag, 2026-06-15:"
    )
    queue = f"{settings.SITE_URL}{reverse('moderation:queue')}"
    assert f"- Haparanda kultur (Instagram): {queue}?konto={active_account.pk}" in mail.body


def test_a_check_on_an_earlier_day_does_not_count_today(active_account, owner, mailoutbox):
    with time_machine.travel(WORKING_DAY - dt.timedelta(days=3), tick=False):
        daily_check_record(account=active_account, actor=owner)
    with time_machine.travel(WORKING_DAY, tick=False):
        assert send_oversight_reminders.delay().get() == 1
    (mail,) = [m for m in mailoutbox if m.to == [owner.email]]
    assert mail.subject == "Konton som inte har kontrollerats i dag, 2026-06-15"
    assert "Haparanda kultur (Instagram)" in mail.body


def test_a_checked_account_is_not_reminded_about(active_account, owner, mailoutbox):
    with time_machine.travel(WORKING_DAY, tick=False):
        daily_check_record(account=active_account, actor=owner)
        assert send_oversight_reminders.delay().get() == 0
    assert mailoutbox == []


@pytest.mark.parametrize("moment", [SATURDAY, MIDSUMMER_EVE, CHRISTMAS_DAY])
def test_nobody_is_reminded_on_weekends_and_holidays(active_account, mailoutbox, moment):
    with time_machine.travel(moment, tick=False):
        assert send_oversight_reminders.delay().get() == 0
    assert mailoutbox == []


def test_accounts_that_are_not_active_are_not_reminded_about(submitted_account, mailoutbox):
    with time_machine.travel(WORKING_DAY, tick=False):
        assert send_oversight_reminders.delay().get() == 0


def test_the_daily_check_button_records_one_check_a_day(owner_client, active_account):
    url = reverse("moderation:daily_check", args=[active_account.pk])
    assert owner_client.post(url).status_code == 302
    assert owner_client.post(url).status_code == 302
    assert DailyCheck.objects.filter(account=active_account).count() == 1
    response = owner_client.get(reverse("moderation:queue"))
    assert response.context["accounts_today"][0].checked_today
    assert "0 ännu inte kontrollerade i dag" in response.content.decode()


def test_the_daily_check_records_who_checked_which_day_and_their_note(
    owner_client, deputy_client, owner, active_account
):
    url = reverse("moderation:daily_check", args=[active_account.pk])
    # 23:30 UTC on Sunday is already Monday in Haparanda.
    with time_machine.travel(dt.datetime(2026, 6, 14, 23, 30, tzinfo=dt.UTC), tick=False):
        first = owner_client.post(url, {"note": "Två frågor besvarade"}, follow=True)
        again = deputy_client.post(url, {"note": "Jag också"}, follow=True)
    assert [str(m) for m in first.context["messages"]] == [
        "Haparanda kultur (Instagram) är markerat som kontrollerat i dag."
    ]
    assert [str(m) for m in again.context["messages"]] == [
        "Haparanda kultur (Instagram) var redan kontrollerat i dag."
    ]
    check = DailyCheck.objects.get(account=active_account)
    assert (check.day, check.checked_by, check.note) == (
        dt.date(2026, 6, 15),
        owner,
        "Två frågor besvarade",
    )


def test_an_outsider_cannot_check_an_account(outsider_client, active_account):
    url = reverse("moderation:daily_check", args=[active_account.pk])
    assert outsider_client.post(url).status_code == 404
    assert not DailyCheck.objects.exists()


def test_the_daily_check_needs_post(owner_client, active_account):
    url = reverse("moderation:daily_check", args=[active_account.pk])
    assert owner_client.get(url).status_code == 405


def test_office_hours_skip_nights_weekends_and_holidays():
    friday_4pm = dt.datetime(2026, 6, 12, 16, 0, tzinfo=STHLM)
    monday_9am = dt.datetime(2026, 6, 15, 9, 0, tzinfo=STHLM)
    assert office_seconds_between(friday_4pm, monday_9am) == 2 * 3600
    thursday_4pm = dt.datetime(2026, 6, 18, 16, 0, tzinfo=STHLM)
    monday_9am_after = dt.datetime(2026, 6, 22, 9, 0, tzinfo=STHLM)
    # Midsommarafton and the weekend count nothing.
    assert office_seconds_between(thursday_4pm, monday_9am_after) == 2 * 3600


def test_the_statistics_page_shows_median_and_90th_percentile(
    owner_client, owner, active_account, response_model
):
    monday_8am = dt.datetime(2026, 6, 15, 8, 0, tzinfo=STHLM)
    with time_machine.travel(monday_8am, tick=False):
        items = [make_item(active_account, hours_ago=0) for _ in range(11)]
    for hours, item in enumerate(items, start=1):
        with time_machine.travel(monday_8am + dt.timedelta(hours=hours / 2), tick=False):
            triage_item(
                item=item,
                actor=owner,
                response_model=response_model,
                answers=["nej"] * 5 + ["ja", "ja"],
                reply_text="Svar",
            )
    # The replies wait to be posted by hand; ten are confirmed posted after 1, 2, … 10 hours,
    # the eleventh never is.
    for hours, item in enumerate(items[:10], start=1):
        with time_machine.travel(monday_8am + dt.timedelta(hours=hours), tick=False):
            outbound_confirm(outbound=item.outbound_actions.get(), actor=owner)
    with time_machine.travel(dt.datetime(2026, 6, 16, 10, 0, tzinfo=STHLM), tick=False):
        response = owner_client.get(reverse("moderation:account_stats", args=[active_account.pk]))
    assert response.status_code == 200
    stats = response.context["stats"]
    # Handled after 0.5, 1.0, … 5.5 office hours.
    assert stats.first_handling.count == 11
    assert stats.first_handling.median_hours == 3.0
    assert stats.first_handling.p90_hours == 5.0
    # Answered when the reply was on the platform, not at triage; the unposted one is not
    # counted as answered but as waiting.
    assert stats.answer.count == 10
    assert stats.answer.median_hours == 5.5
    # The tenth reply was posted at 18:00, after office hours: it counts the nine to 17:00.
    assert stats.answer.p90_hours == 9.0
    assert stats.unposted_reply_count == 1
    assert stats.open_count == 0
    assert "Svar som ännu inte publicerats" in response.content.decode()


def test_the_statistics_count_overdue_items_and_missed_days(owner_client, active_account):
    type(active_account).objects.filter(pk=active_account.pk).update(starts_on=dt.date(2026, 1, 1))
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, 0, tzinfo=STHLM), tick=False):
        make_item(active_account, hours_ago=0)
    with time_machine.travel(dt.datetime(2026, 6, 16, 10, 0, tzinfo=STHLM), tick=False):
        response = owner_client.get(reverse("moderation:account_stats", args=[active_account.pk]))
    stats = response.context["stats"]
    assert stats.open_count == 1 and stats.overdue_count == 1
    assert dt.date(2026, 6, 15) in stats.missed_days
    assert dt.date(2026, 6, 13) not in stats.missed_days  # a Saturday


def test_an_outsider_cannot_see_the_statistics(outsider_client, active_account):
    url = reverse("moderation:account_stats", args=[active_account.pk])
    assert outsider_client.get(url).status_code == 404


def test_anonymous_is_sent_to_login_from_the_statistics(anonymous_client, active_account):
    url = reverse("moderation:account_stats", args=[active_account.pk])
    response = anonymous_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_times_are_aware(active_account):
    item = make_item(active_account)
    assert timezone.is_aware(item.published_at)


def test_an_item_a_week_old_is_overdue_even_over_the_christmas_holidays():
    from moderation.workdays import is_overdue

    before_christmas = dt.datetime(2026, 12, 23, 16, 0, tzinfo=STHLM)
    assert not is_overdue(before_christmas, dt.datetime(2026, 12, 28, 9, 0, tzinfo=STHLM))
    assert is_overdue(before_christmas, dt.datetime(2026, 12, 30, 9, 0, tzinfo=STHLM))
    assert is_overdue(dt.datetime(2001, 1, 1, tzinfo=STHLM), WORKING_DAY)
