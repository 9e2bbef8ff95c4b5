"""R11: each person's queue holds the unhandled items of the accounts they act for, oldest
first, and a deputy covers the owner's accounts during an absence."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Absence
from moderation.models import ItemStatus

from .conftest import make_item

QUEUE = reverse("moderation:queue")


def queue_ids(client, **params):
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return [item.pk for item in response.context["items"]]


def test_anonymous_is_sent_to_login(anonymous_client, db):
    response = anonymous_client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_an_outsider_sees_nothing(outsider_client, item):
    response = outsider_client.get(QUEUE)
    assert [i.pk for i in response.context["items"]] == []
    assert list(response.context["accounts"]) == []


@pytest.mark.parametrize("client_name", ["owner_client", "deputy_client", "administrator_client"])
def test_owner_deputy_and_administrator_see_the_accounts_items(request, client_name, item):
    assert queue_ids(request.getfixturevalue(client_name)) == [item.pk]


def test_the_communicator_sees_every_account(communicator_client, item, owners_other_account):
    other = make_item(owners_other_account)
    assert set(queue_ids(communicator_client)) == {item.pk, other.pk}


def test_it_lists_the_oldest_first_and_leaves_out_handled_items(owner_client, active_account):
    newer = make_item(active_account, hours_ago=1)
    older = make_item(active_account, hours_ago=30)
    make_item(active_account, by_municipality=True)
    assert queue_ids(owner_client) == [older.pk, newer.pk]


def test_a_deputy_does_not_see_the_owners_other_account_while_the_owner_is_present(
    deputy_client, item, owners_other_account
):
    make_item(owners_other_account)
    assert queue_ids(deputy_client) == [item.pk]


def test_a_deputy_sees_the_absent_owners_items(deputy_client, owner, item, owners_other_account):
    other = make_item(owners_other_account)
    today = timezone.localdate()
    Absence.objects.create(
        user=owner, starts_on=today, ends_on=today + dt.timedelta(days=3), registered_by=owner
    )
    response = deputy_client.get(QUEUE)
    assert {i.pk for i in response.context["items"]} == {item.pk, other.pk}
    assert all(i.owner_absent for i in response.context["items"])


def test_an_absence_that_ended_gives_no_cover(deputy_client, owner, item, owners_other_account):
    make_item(owners_other_account)
    today = timezone.localdate()
    Absence.objects.create(
        user=owner,
        starts_on=today - dt.timedelta(days=5),
        ends_on=today - dt.timedelta(days=1),
        registered_by=owner,
    )
    assert queue_ids(deputy_client) == [item.pk]


def test_an_ended_role_gives_no_queue(deputy_client, deputy, active_account, item):
    active_account.roles.filter(user=deputy).update(ended_at=timezone.now())
    assert queue_ids(deputy_client) == []


def test_it_filters_by_account(communicator_client, item, owners_other_account):
    other = make_item(owners_other_account)
    assert queue_ids(communicator_client, konto=owners_other_account.pk) == [other.pk]


def test_links_from_before_the_swedish_parameter_names_still_filter(
    communicator_client, item, owners_other_account
):
    other = make_item(owners_other_account)
    assert queue_ids(communicator_client, account=owners_other_account.pk) == [other.pk]


def test_a_filter_on_an_account_outside_the_queue_is_refused_and_shows_nothing(
    outsider_client, item
):
    response = outsider_client.get(QUEUE, {"konto": item.account_id})
    assert response.status_code == 400
    assert list(response.context["items"]) == []
    assert "Välj ett av dina konton." in response.content.decode()


def test_an_item_older_than_one_working_day_is_overdue(owner_client, active_account):
    make_item(active_account, hours_ago=24 * 5)
    fresh = make_item(active_account, hours_ago=0)
    response = owner_client.get(QUEUE)
    overdue = {i.pk: i.overdue for i in response.context["items"]}
    assert overdue[fresh.pk] is False
    assert list(overdue.values()).count(True) == 1
    assert 'class="overdue"' in response.content.decode()


def test_user_text_is_escaped_in_the_queue(owner_client, active_account):
    make_item(active_account, text="<script>alert(1)</script>", author_name="<b>Troll</b>")
    content = owner_client.get(QUEUE).content.decode()
    assert "<script>alert(1)" not in content
    assert "&lt;script&gt;alert(1)" in content
    assert "<b>Troll</b>" not in content


def test_the_queue_takes_the_same_number_of_queries_however_long(
    owner_client, active_account, owners_other_account, django_assert_num_queries, settings
):
    settings.MODERATION_PAGE_CACHE_SECONDS = 0  # the page built, not a stored copy
    make_item(active_account)
    owner_client.get(QUEUE)  # warm the session
    # session, user, the accounts for the filter's choice, the accounts-to-check table's counts
    # and its page, the filter's counts, the page's items with account, owner-absent and claim
    with django_assert_num_queries(7):
        short = owner_client.get(QUEUE)
    for n in range(30):
        make_item(active_account if n % 2 else owners_other_account, text=f"fråga {n}")
    with django_assert_num_queries(7):
        long = owner_client.get(QUEUE)
    assert len(long.context["items"]) == len(short.context["items"]) + 30


def test_handled_items_leave_the_queue(owner_client, item):
    type(item).objects.filter(pk=item.pk).update(status=ItemStatus.HANDLED)
    assert queue_ids(owner_client) == []
