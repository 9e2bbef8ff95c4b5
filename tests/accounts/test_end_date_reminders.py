"""Time-limited accounts are reminded before and after their end date (R8)."""

import datetime

import pytest
from django.conf import settings
from django.core import mail

from accounts import tasks
from accounts.models import AccountStatus
from accounts.services import end_date_remind

TODAY = datetime.date(2026, 11, 30)


@pytest.fixture
def time_limited(active_account):
    active_account.ends_on = TODAY + datetime.timedelta(days=7)
    active_account.save(update_fields=["ends_on"])
    return active_account


@pytest.mark.parametrize(
    ("days_left", "reminded"),
    [(30, True), (29, False), (7, True), (1, True), (0, True), (-7, True), (-8, False)],
)
def test_it_reminds_on_the_set_days_before_and_weekly_after_the_end_date(
    active_account, days_left, reminded
):
    active_account.starts_on = TODAY - datetime.timedelta(days=90)
    active_account.ends_on = TODAY + datetime.timedelta(days=days_left)
    active_account.save(update_fields=["starts_on", "ends_on"])
    assert end_date_remind(today=TODAY) == int(reminded)
    assert len(mail.outbox) == int(reminded)


def test_the_reminder_goes_to_owner_deputy_and_communicator(
    time_limited, owner, deputy, administrator, communicator
):
    end_date_remind(today=TODAY)
    (message,) = mail.outbox
    assert set(message.to) == {
        owner.email,
        deputy.email,
        communicator.email,
        settings.COMMUNICATOR_EMAIL,
    }
    assert administrator.email not in message.to
    assert time_limited.display_name in message.subject
    assert time_limited.get_absolute_url() in message.body


def test_accounts_without_an_end_date_or_already_closing_are_left_alone(active_account):
    assert end_date_remind(today=TODAY) == 0
    active_account.ends_on = TODAY
    active_account.status = AccountStatus.CLOSED
    active_account.save(update_fields=["ends_on", "status"])
    assert end_date_remind(today=TODAY) == 0
    assert mail.outbox == []


def test_markup_in_the_name_is_not_interpreted_in_the_text_mail(time_limited):
    time_limited.display_name = "<b>Sommarlov</b>"
    time_limited.save(update_fields=["display_name"])
    end_date_remind(today=TODAY)
    assert "<b>Sommarlov</b>" in mail.outbox[0].body  # plain text: shown as written


def test_beat_runs_the_reminders_every_morning(time_limited, time_machine):
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-end-date-reminders"]
    assert entry["task"] == "accounts.tasks.send_end_date_reminders"
    time_machine.move_to(datetime.datetime(2026, 11, 30, 7, 30, tzinfo=datetime.UTC))
    assert tasks.send_end_date_reminders.delay().get() == 1


def test_the_reminder_says_when_the_account_ends(time_limited):
    end_date_remind(today=TODAY)
    (message,) = mail.outbox
    assert message.subject == "Haparanda kultur slutar 2026-12-07"
    assert (
        "Haparanda kultur (Instagram) är tidsbegränsat och slutar om 7 dagar, den 2026-12-07."
        in (message.body)
    )
