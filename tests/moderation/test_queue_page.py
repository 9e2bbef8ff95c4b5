"""The queue page at storm scale (issue 9): paging, counts for the whole filter, filters in the
URL, search, claims shown, bad input answered clearly, and a constant number of queries."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation.claims import item_claim
from moderation.models import Item, ItemKind, ItemSource, ItemVersion, ModerationAction
from moderation.queue import PAGE_SIZE

from .conftest import make_item

QUEUE = reverse("moderation:queue")


def bulk_items(account, count, *, hours_ago=1, **fields):
    """Many open items in three queries, for volume tests (ingest_item is per item)."""
    now = timezone.now()
    start = Item.objects.count()
    items = Item.objects.bulk_create(
        Item(
            account=account,
            platform_id=f"storm-{account.pk}-{start + n}",
            kind=fields.get("kind", ItemKind.COMMENT),
            author_name=fields.get("author_name", f"Besökare {n}"),
            text=fields.get("text", f"Kommentar nummer {n} om beslutet"),
            published_at=now - dt.timedelta(hours=hours_ago, seconds=n),
            source=fields.get("source", ItemSource.API),
            has_personal_data=fields.get("has_personal_data", False),
        )
        for n in range(count)
    )
    return items


def page_ids(response):
    return [item.pk for item in response.context["items"]]


def test_every_item_is_reachable_through_the_pages(owner_client, active_account):
    bulk_items(active_account, 2 * PAGE_SIZE + 7)
    seen, number = [], 1
    while True:
        response = owner_client.get(QUEUE, {"sida": number})
        assert response.status_code == 200
        seen += page_ids(response)
        if not response.context["page"].has_next:
            break
        number += 1
    assert number == 3
    assert len(seen) == len(set(seen)) == 2 * PAGE_SIZE + 7


def test_the_heading_counts_the_whole_filter_not_the_page(owner_client, active_account):
    bulk_items(active_account, PAGE_SIZE + 3, hours_ago=24 * 8)  # overdue
    bulk_items(active_account, 4, hours_ago=1, has_personal_data=True)
    response = owner_client.get(QUEUE)
    counts = response.context["counts"]
    assert (counts.total, counts.overdue, counts.personal_data) == (PAGE_SIZE + 7, PAGE_SIZE + 3, 4)
    assert len(response.context["items"]) == PAGE_SIZE
    content = response.content.decode()
    assert f"{PAGE_SIZE + 7} ohanterade" in content
    assert f"{PAGE_SIZE + 3} försenade" in content
    assert "4 med personuppgifter" in content


def test_newest_first_shows_the_newest_items_on_the_first_page(owner_client, active_account):
    bulk_items(active_account, PAGE_SIZE + 5)
    newest = Item.objects.order_by("-published_at").first()
    assert page_ids(owner_client.get(QUEUE, {"ordning": "nyast"}))[0] == newest.pk
    assert newest.pk not in page_ids(owner_client.get(QUEUE))


def test_a_page_past_the_end_shows_the_last_page(owner_client, active_account):
    bulk_items(active_account, PAGE_SIZE + 1)
    response = owner_client.get(QUEUE, {"sida": 99})
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert len(page_ids(response)) == 1


def test_filters_search_and_order_are_carried_in_links(owner_client, active_account):
    bulk_items(active_account, PAGE_SIZE + 1, text="Vägen till Rantakyrö är farlig")
    response = owner_client.get(QUEUE, {"q": "rantakyro", "forsenade": "", "ordning": "nyast"})
    content = response.content.decode()
    assert response.context["counts"].total == PAGE_SIZE + 1
    # The next page and every item link keep the search and the order.
    assert 'href="?q=rantakyro&amp;ordning=nyast&amp;sida=2"' in content
    item = response.context["items"][0]
    assert f'href="/moderering/objekt/{item.pk}/?q=rantakyro&amp;ordning=nyast"' in content


def test_combined_filters_through_the_url(owner_client, active_account, owners_other_account):
    post = make_item(active_account, kind=ItemKind.POST, source=ItemSource.FACEBOOK)
    make_item(active_account, kind=ItemKind.COMMENT, source=ItemSource.FACEBOOK)
    make_item(owners_other_account, kind=ItemKind.POST, source=ItemSource.FACEBOOK)
    response = owner_client.get(
        QUEUE, {"konto": active_account.pk, "typ": "post", "kalla": "facebook", "plattform": ""}
    )
    assert page_ids(response) == [post.pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"typ": "brev"}, "Välj ett giltigt alternativ; brev är inte ett av dem."),
        ({"forsenade": "kanske"}, "Okänt värde kanske; kryssa i rutan eller låt bli."),
        ({"sida": "x"}, "Ange sidan som ett heltal."),
        ({"sida": "0"}, "Ange sidan som ett heltal."),
        ({"fran": "igår"}, "Skriv datumet som ÅÅÅÅ-MM-DD."),
        ({"q": "a" * 10_000}, "Sök på högst 200 tecken (du skrev 10000)."),
    ],
)
def test_a_bad_filter_value_gets_a_clear_message_not_an_error(owner_client, item, params, message):
    response = owner_client.get(QUEUE, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    # The rest of the queue is still shown.
    assert page_ids(response) == [item.pk]


@pytest.mark.parametrize(
    "query", ["'; DROP TABLE moderation_item; --", "<img src=x onerror=alert(1)>"]
)
def test_sql_and_html_in_the_search_are_only_text(owner_client, active_account, query):
    make_item(active_account, text=f"Någon skrev {query} här")
    make_item(active_account, text="Något annat")
    response = owner_client.get(QUEUE, {"q": query})
    assert response.status_code == 200
    assert response.context["counts"].total == 1
    content = response.content.decode()
    assert "<img src=x" not in content
    assert Item.objects.count() == 2


def test_others_see_who_is_handling_an_item_and_since_when(
    owner, deputy_client, item, time_machine
):
    time_machine.move_to(dt.datetime(2026, 3, 10, 13, 2, tzinfo=dt.UTC))
    item_claim(item=item, user=owner)
    time_machine.move_to(dt.datetime(2026, 3, 10, 13, 5, tzinfo=dt.UTC))
    content = deputy_client.get(QUEUE).content.decode()
    assert "Olle hanterar sedan 14:02" in content


def test_the_person_sees_their_own_claim(owner, owner_client, item):
    item_claim(item=item, user=owner)
    assert "Du hanterar sedan" in owner_client.get(QUEUE).content.decode()


@pytest.mark.parametrize("params", [{}, {"q": "beslutet", "ordning": "nyast", "sida": "2"}])
def test_the_query_count_is_the_same_for_ten_and_many_items(
    owner_client,
    owner,
    active_account,
    owners_other_account,
    django_assert_num_queries,
    params,
    settings,
):
    settings.MODERATION_PAGE_CACHE_SECONDS = 0  # the page built, not a stored copy
    bulk_items(active_account, 10)
    owner_client.get(QUEUE)  # warm the session
    # session, user, the accounts for the filter's choice, the accounts-to-check table's counts
    # and its page, the filter's counts, the page's items
    with django_assert_num_queries(7):
        owner_client.get(QUEUE, params)
    bulk_items(active_account, 300)
    bulk_items(owners_other_account, 300, hours_ago=30, has_personal_data=True)
    for item in Item.objects.all()[:20]:
        item_claim(item=item, user=owner)
    with django_assert_num_queries(7):
        response = owner_client.get(QUEUE, params)
    assert len(response.context["items"]) == PAGE_SIZE


def test_an_outsider_sees_an_empty_queue_whatever_the_search(outsider_client, item):
    response = outsider_client.get(QUEUE, {"q": "biblioteket"})
    assert response.status_code == 200
    assert page_ids(response) == []
    assert response.context["counts"].total == 0


def test_the_page_has_no_inline_script_or_style(owner_client, item):
    content = owner_client.get(QUEUE).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", content)
    assert " style=" not in content
    assert "<style" not in content


def test_nothing_is_written_by_looking_at_the_queue(owner_client, active_account):
    bulk_items(active_account, 5)
    before = (ModerationAction.objects.count(), ItemVersion.objects.count())
    owner_client.get(QUEUE, {"q": "kommentar"})
    assert (ModerationAction.objects.count(), ItemVersion.objects.count()) == before


def test_the_accounts_to_check_are_paged_with_their_counts(
    communicator, communicator_client, django_assert_num_queries
):
    from accounts.models import AccountStatus
    from moderation.models import DailyCheck
    from moderation.workdays import local_today
    from tests.factories import make_account

    accounts = [
        make_account(created_by=communicator, status=AccountStatus.ACTIVE, display_name=f"K{n:03}")
        for n in range(45)
    ]
    DailyCheck.objects.create(account=accounts[0], day=local_today(), checked_by=communicator)
    response = communicator_client.get(QUEUE)
    html = response.content.decode()
    assert "45 konton, 44 ännu inte kontrollerade i dag" in html
    assert [a.display_name for a in response.context["accounts_today"]] == [
        f"K{n:03}" for n in range(20)
    ]
    last = communicator_client.get(QUEUE, {"kontosida": 3, "q": "plogning"})
    assert [a.display_name for a in last.context["accounts_today"]] == [
        f"K{n:03}" for n in range(40, 45)
    ]
    assert "Sida 3 av 3" in last.content.decode()
    # Links to the other pages keep the queue's filter.
    assert "?kontosida=2&amp;q=plogning#accounts-today" in last.content.decode()
    # The filter still offers every account, not only the table's page.
    assert len(response.context["accounts"]) == 45
