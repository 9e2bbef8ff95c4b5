"""R13, R14, R18, R32: the platform to-do list ("Att göra på plattformen") — what is still to
be done by hand on the platform, per person, marked done with who, when and where; overdue
entries in the daily oversight mail; response times from the posted reply."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Absence
from connectors.services import OutboundNotWaiting, outbound_confirm
from moderation.models import (
    ActionKind,
    OutboundAction,
    OutboundKind,
    OutboundStatus,
)
from moderation.response_model import LegalGround
from moderation.services import triage_item
from moderation.tasks import send_oversight_reminders
from moderation.todo import PAGE_SIZE
from moderation.workdays import is_overdue, overdue_cutoff
from tests.properties import examples

from .conftest import make_item

pytestmark = pytest.mark.django_db

STHLM = ZoneInfo("Europe/Stockholm")
TODO = reverse("moderation:todo")
ANSWER = ["nej"] * 5 + ["ja", "ja"]
REMOVE = ["ja"]
# Monday 2026-06-15 and Tuesday 2026-06-16 are working days.
MONDAY_9 = dt.datetime(2026, 6, 15, 9, 0, tzinfo=STHLM)
TUESDAY_10 = dt.datetime(2026, 6, 16, 10, 0, tzinfo=STHLM)
WEDNESDAY_10 = dt.datetime(2026, 6, 17, 10, 0, tzinfo=STHLM)
REPLY_URL = "https://www.instagram.com/p/C8abc123/c/17860000000000099/"


def reply_to(item, actor, response_model, text="Biblioteket öppnar klockan 10.") -> OutboundAction:
    """Triage an item to an answer; without a connector the reply waits to be posted by hand."""
    action = triage_item(
        item=item, actor=actor, response_model=response_model, answers=ANSWER, reply_text=text
    )
    return action.outbound_actions.get(kind=OutboundKind.REPLY)


def remove(item, actor, response_model):
    return triage_item(
        item=item,
        actor=actor,
        response_model=response_model,
        answers=REMOVE,
        legal_ground=LegalGround.HATE_SPEECH,
        visitor_notice="Hej! Vi har tagit bort din kommentar eftersom den stred mot lag.",
    )


def entries(client, **params):
    response = client.get(TODO, params)
    assert response.status_code == 200
    return response, [e.pk for e in response.context["page"].entries]


def done_url(entry):
    return reverse("moderation:todo_done", args=[entry.pk])


# --- The working-day rule in the database -----------------------------------------------------


@hypothesis_settings(max_examples=examples(400), deadline=None)
@given(
    now_offset=st.integers(0, 60 * 24 * 3600),
    age=st.integers(0, 12 * 24 * 3600),
    micro=st.integers(0, 999_999),
)
def test_the_overdue_cutoff_agrees_with_the_queues_rule(now_offset, age, micro):
    # Across weekends, midsummer and Christmas: the cutoff the database filters on gives the
    # same answer as the rule the queue shows, to the microsecond.
    now = dt.datetime(2026, 6, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=now_offset)
    if now_offset % 2:
        now = dt.datetime(2026, 12, 15, tzinfo=dt.UTC) + dt.timedelta(seconds=now_offset)
    received = now - dt.timedelta(seconds=age, microseconds=micro)
    assert is_overdue(received, now) == (received < overdue_cutoff(now))


# --- What is on the list, for whom ------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(anonymous_client):
    response = anonymous_client.get(TODO)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_manual_reply_a_removal_and_its_notice_are_on_the_list(
    owner_client, owner, item, response_model, active_account
):
    reply = reply_to(item, owner, response_model)
    removed = make_item(active_account, text="Något hatiskt")
    remove(removed, owner, response_model)
    response, ids = entries(owner_client)
    kinds = {OutboundAction.objects.get(pk=pk).kind for pk in ids}
    assert kinds == {OutboundKind.REPLY, OutboundKind.DELETE, OutboundKind.NOTICE}
    assert ids[0] == reply.pk  # oldest first
    assert response.context["page"].total == 3
    page = response.content.decode()
    # The signed texts to post, ready to copy.
    assert "Biblioteket öppnar klockan 10." in page
    assert f"/{owner.first_name}, {settings.MUNICIPALITY_NAME}" in page
    assert "Vi har tagit bort din kommentar" in page
    assert "Att göra på plattformen" in page
    assert 'aria-current="page">Att göra på plattformen' in page  # the nav link


@pytest.mark.parametrize("client_name", ["owner_client", "deputy_client", "administrator_client"])
def test_owner_deputy_and_administrator_see_the_accounts_entries(
    request, client_name, owner, item, response_model
):
    reply = reply_to(item, owner, response_model)
    assert entries(request.getfixturevalue(client_name))[1] == [reply.pk]


def test_an_outsider_sees_nothing_and_cannot_mark_done(
    outsider_client, owner, item, response_model
):
    reply = reply_to(item, owner, response_model)
    assert entries(outsider_client)[1] == []
    response = outsider_client.post(done_url(reply), {f"e{reply.pk}-adress": ""})
    assert response.status_code == 404
    reply.refresh_from_db()
    assert reply.status == OutboundStatus.MANUAL
    assert not item.actions.filter(kind=ActionKind.DONE_ON_PLATFORM).exists()


def test_a_deputy_covers_the_absent_owners_other_accounts(
    deputy_client, owner, item, owners_other_account, response_model
):
    reply = reply_to(item, owner, response_model)
    other = reply_to(make_item(owners_other_account), owner, response_model)
    assert entries(deputy_client)[1] == [reply.pk]
    today = timezone.localdate()
    Absence.objects.create(user=owner, starts_on=today, ends_on=today, registered_by=owner)
    assert entries(deputy_client)[1] == [reply.pk, other.pk]


def test_the_communicator_sees_every_account(
    communicator_client, owner, item, owners_other_account, response_model
):
    reply = reply_to(item, owner, response_model)
    other = reply_to(make_item(owners_other_account), owner, response_model)
    assert entries(communicator_client)[1] == [reply.pk, other.pk]


def test_done_and_sent_actions_are_not_on_the_list(owner_client, owner, item, response_model):
    reply = reply_to(item, owner, response_model)
    outbound_confirm(outbound=reply, actor=owner)
    OutboundAction.objects.create(item=item, kind=OutboundKind.HIDE, status=OutboundStatus.SENT)
    assert entries(owner_client)[1] == []
    assert "Inget kvar att göra på plattformen." in owner_client.get(TODO).content.decode()


def test_a_failed_action_is_on_the_list_with_its_error_and_a_retry(
    owner_client, owner, item, response_model
):
    reply = reply_to(item, owner, response_model)
    OutboundAction.objects.filter(pk=reply.pk).update(
        status=OutboundStatus.FAILED, error="HTTP 500 <b>boom</b>"
    )
    response, ids = entries(owner_client)
    assert ids == [reply.pk]
    page = response.content.decode()
    assert "Anslutningen misslyckades" in page
    assert "HTTP 500 &lt;b&gt;boom&lt;/b&gt;" in page
    assert reverse("moderation:outbound_retry", args=[reply.pk]) in page


def test_what_visitors_wrote_is_escaped(owner_client, owner, active_account, response_model):
    item = make_item(active_account, text="<script>alert(1)</script>", author_name="<b>Eve</b>")
    reply_to(item, owner, response_model)
    page = owner_client.get(TODO).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)" in page
    assert "<b>Eve</b>" not in page


# --- Marking done -----------------------------------------------------------------------------


def test_marking_a_reply_done_records_who_when_and_where_and_answers_the_item(
    owner_client, owner, item, response_model
):
    with time_machine.travel(MONDAY_9, tick=False):
        reply = reply_to(item, owner, response_model)
    item.refresh_from_db()
    assert item.answered_at is None  # triaged, not yet posted
    with time_machine.travel(TUESDAY_10, tick=False):
        response = owner_client.post(done_url(reply), {f"e{reply.pk}-adress": REPLY_URL})
    assert response.status_code == 302
    assert response["Location"] == TODO
    reply.refresh_from_db()
    assert reply.status == OutboundStatus.CONFIRMED
    assert reply.confirmed_by == owner
    assert reply.done_at == TUESDAY_10
    assert reply.platform_url == REPLY_URL
    record = item.actions.get(kind=ActionKind.DONE_ON_PLATFORM)
    assert (record.actor, record.created_at) == (owner, TUESDAY_10)
    assert record.details == {"outbound_id": reply.pk, "outbound_kind": "reply", "url": REPLY_URL}
    item.refresh_from_db()
    # Answered when the reply was posted, not when it was triaged (R18).
    assert item.answered_at == TUESDAY_10
    assert entries(owner_client)[1] == []
    # The item's history shows what was done, and where.
    history = owner_client.get(item.get_absolute_url()).content.decode()
    assert "Utfört på plattformen" in history
    assert f'<a href="{REPLY_URL}" rel="noopener noreferrer">' in history


def test_the_address_is_optional(owner_client, owner, item, response_model):
    reply = reply_to(item, owner, response_model)
    response = owner_client.post(done_url(reply), {f"e{reply.pk}-adress": "  "}, follow=True)
    assert "Markerad som klar och antecknad i inläggets historik." in response.content.decode()
    reply.refresh_from_db()
    assert reply.status == OutboundStatus.CONFIRMED
    assert reply.platform_url == ""


def test_marking_a_removal_done_does_not_answer_the_item(owner, active_account, response_model):
    removed = make_item(active_account)
    remove(removed, owner, response_model)
    delete = removed.outbound_actions.get(kind=OutboundKind.DELETE)
    outbound_confirm(outbound=delete, actor=owner)
    removed.refresh_from_db()
    assert removed.answered_at is None
    with pytest.raises(ValidationError):
        # A delete leaves nothing to link to.
        outbound_confirm(
            outbound=removed.outbound_actions.get(kind=OutboundKind.NOTICE),
            actor=owner,
            url="https://www.facebook.com/",
        )


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("https://evil.example/p/1", "Adressen finns inte på Instagram, där kontot finns."),
        ("https://www.facebook.com/haparanda/posts/1", "Adressen finns inte på Instagram"),
        ("instagram.com/p/1", "Ange hela adressen, med https:// först."),
        ("javascript:alert(1)", "Ange hela adressen, med https:// först."),
        ("https://www.instagram.com/" + "x" * 2000, "som mest 1000 tecken"),
    ],
)
def test_a_wrong_address_is_refused_and_kept_for_correction(
    owner_client, owner, item, response_model, address, message
):
    reply = reply_to(item, owner, response_model)
    response = owner_client.post(done_url(reply), {f"e{reply.pk}-adress": address, "typ": "reply"})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert 'aria-invalid="true"' in page
    # The typed address is shown again, escaped, and the filter is kept.
    assert response.context["page"].entries[0].done_form["adress"].value() == address
    assert response.context["filters"] == {"typ": "reply"}
    reply.refresh_from_db()
    assert reply.status == OutboundStatus.MANUAL
    assert not item.actions.filter(kind=ActionKind.DONE_ON_PLATFORM).exists()


def test_marking_done_twice_is_refused_and_changes_nothing(
    owner_client, deputy_client, owner, item, response_model
):
    reply = reply_to(item, owner, response_model)
    with time_machine.travel(MONDAY_9, tick=False):
        owner_client.post(done_url(reply), {f"e{reply.pk}-adress": REPLY_URL})
    response = deputy_client.post(
        done_url(reply), {f"e{reply.pk}-adress": "https://www.instagram.com/p/other/"}, follow=True
    )
    assert response.status_code == 200
    assert "Redan markerad som klar av Olle Agare 2026-06-15 09:00; inget ändrades." in (
        response.content.decode()
    )
    reply.refresh_from_db()
    assert (reply.confirmed_by, reply.done_at, reply.platform_url) == (owner, MONDAY_9, REPLY_URL)
    assert item.actions.filter(kind=ActionKind.DONE_ON_PLATFORM).count() == 1
    with pytest.raises(OutboundNotWaiting):
        outbound_confirm(outbound=reply, actor=owner)


def test_marking_done_needs_post(owner_client, owner, item, response_model):
    reply = reply_to(item, owner, response_model)
    assert owner_client.get(done_url(reply)).status_code == 405


def test_marking_done_returns_to_the_same_filtered_page(
    owner_client, owner, active_account, response_model
):
    replies = [
        reply_to(make_item(active_account), owner, response_model) for _ in range(PAGE_SIZE + 2)
    ]
    entry = replies[PAGE_SIZE]
    response = owner_client.post(
        done_url(entry),
        {f"e{entry.pk}-adress": "", "typ": "reply", "konto": active_account.pk, "sida": "2"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{TODO}?konto={active_account.pk}&typ=reply&sida=2"


# --- Filters, paging, counts and the query budget ---------------------------------------------


def test_it_filters_by_account_and_kind(
    communicator_client, owner, item, owners_other_account, response_model
):
    reply = reply_to(item, owner, response_model)
    other_item = make_item(owners_other_account)
    remove(other_item, owner, response_model)
    delete = other_item.outbound_actions.get(kind=OutboundKind.DELETE)
    notice = other_item.outbound_actions.get(kind=OutboundKind.NOTICE)
    assert entries(communicator_client, konto=item.account_id)[1] == [reply.pk]
    assert entries(communicator_client, typ="delete")[1] == [delete.pk]
    assert entries(communicator_client, konto=owners_other_account.pk, typ="notice")[1] == [
        notice.pk
    ]
    assert entries(communicator_client, konto=item.account_id, typ="notice")[1] == []


@pytest.mark.parametrize(
    "params",
    [
        {"typ": "drop table"},
        {"konto": "abc"},
        {"konto": "999999"},
        {"sida": "-1"},
        {"sida": "x" * 10_000},
        {"typ": "<script>"},
    ],
)
def test_an_unknown_filter_value_is_reported_and_the_rest_still_works(
    owner_client, owner, item, response_model, params
):
    reply = reply_to(item, owner, response_model)
    response, ids = entries(owner_client, forsenade="", **params)
    assert ids == [reply.pk]
    page = response.content.decode()
    assert "En del av filtret kunde inte användas" in page
    assert "<script>" not in page.split("<main", 1)[1]


def test_an_account_the_person_does_not_act_for_is_not_a_filter(
    deputy_client, owner, item, owners_other_account, response_model
):
    reply_to(make_item(owners_other_account), owner, response_model)
    response, ids = entries(deputy_client, konto=owners_other_account.pk)
    assert ids == []
    assert "En del av filtret kunde inte användas" in response.content.decode()


def test_overdue_entries_are_counted_and_filtered_by_the_working_day_rule(
    owner_client, owner, active_account, response_model
):
    with time_machine.travel(MONDAY_9, tick=False):
        old = reply_to(make_item(active_account, hours_ago=0), owner, response_model)
    tuesday_9 = TUESDAY_10 - dt.timedelta(hours=1)
    with time_machine.travel(tuesday_9, tick=False):
        new = reply_to(make_item(active_account, hours_ago=0), owner, response_model)
        # Monday 09:00 to Tuesday 09:00 is nine office hours: not yet more than a working day.
        response, ids = entries(owner_client)
        assert response.context["page"].overdue == 0
    with time_machine.travel(tuesday_9 + dt.timedelta(minutes=1), tick=False):
        response, ids = entries(owner_client)
        assert (response.context["page"].total, response.context["page"].overdue) == (2, 1)
        assert [e.overdue for e in response.context["page"].entries] == [True, False]
        assert entries(owner_client, forsenade="1")[1] == [old.pk]
        assert "1 försenat" in response.content.decode()
    assert new.pk in ids


def test_the_list_is_paged_with_the_total_from_the_database(
    owner_client, owner, active_account, response_model
):
    item = make_item(active_account)
    reply = reply_to(item, owner, response_model)
    OutboundAction.objects.bulk_create(
        OutboundAction(item=item, kind=OutboundKind.HIDE, status=OutboundStatus.MANUAL)
        for _ in range(2 * PAGE_SIZE + 9)
    )
    response, ids = entries(owner_client)
    page = response.context["page"]
    assert (page.total, page.pages, len(ids), ids[0]) == (
        2 * PAGE_SIZE + 10,
        3,
        PAGE_SIZE,
        reply.pk,
    )
    assert "Sida 1 av 3" in response.content.decode()
    last = entries(owner_client, sida="3")[1]
    assert len(last) == 10
    assert entries(owner_client, sida="99")[1] == last  # past the end: the last page
    assert not set(last) & set(ids)


def test_the_query_count_does_not_grow_with_the_list(
    owner_client, owner, active_account, response_model, django_assert_max_num_queries
):
    def load():
        with django_assert_max_num_queries(6) as ctx:
            response = owner_client.get(TODO, {"konto": active_account.pk, "forsenade": ""})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(3):
        reply_to(make_item(active_account), owner, response_model)
    few = load()
    items = [make_item(active_account) for _ in range(5)]
    OutboundAction.objects.bulk_create(
        OutboundAction(
            item=items[i % 5], kind=OutboundKind.REPLY, text="Hej", status=OutboundStatus.MANUAL
        )
        for i in range(3 * PAGE_SIZE)
    )
    assert load() == few


# --- The daily oversight mail -----------------------------------------------------------------


def test_overdue_entries_are_in_the_daily_oversight_mail(
    owner, deputy, active_account, response_model, mailoutbox
):
    with time_machine.travel(MONDAY_9, tick=False):
        reply_to(make_item(active_account, hours_ago=0), owner, response_model)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        from moderation.services import daily_check_record

        daily_check_record(account=active_account, actor=owner)
        assert send_oversight_reminders.delay().get() == 1
    by_person = {mail.to[0]: mail for mail in mailoutbox}
    assert {owner.email, deputy.email, settings.COMMUNICATOR_EMAIL} <= set(by_person)
    mail = by_person[owner.email]
    assert mail.subject == "Försenat på plattformen, 2026-06-17"
    assert "Haparanda kultur (Instagram): 1 uppgift, väntar sedan 2026-06-15 09:00" in mail.body
    assert f"{TODO}?konto={active_account.pk}&forsenade=1" in mail.body
    assert "Nobody" not in mail.body and "kontrollerat" not in mail.body


def test_done_entries_are_not_in_the_mail(owner, active_account, response_model, mailoutbox):
    with time_machine.travel(MONDAY_9, tick=False):
        reply = reply_to(make_item(active_account, hours_ago=0), owner, response_model)
        outbound_confirm(outbound=reply, actor=owner)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        from moderation.services import daily_check_record

        daily_check_record(account=active_account, actor=owner)
        assert send_oversight_reminders.delay().get() == 0
    assert mailoutbox == []


def test_an_unchecked_account_and_overdue_entries_go_in_one_mail(
    owner, active_account, response_model, mailoutbox
):
    with time_machine.travel(MONDAY_9, tick=False):
        reply_to(make_item(active_account, hours_ago=0), owner, response_model)
    with time_machine.travel(WEDNESDAY_10, tick=False):
        send_oversight_reminders.delay().get()
    mails = [m for m in mailoutbox if m.to == [owner.email]]
    assert len(mails) == 1
    assert "Haparanda kultur" in mails[0].body
    assert "1 uppgift, väntar sedan" in mails[0].body
