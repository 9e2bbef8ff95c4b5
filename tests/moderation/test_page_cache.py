"""The queue and the items' pages kept rendered per person (issue 9, ``moderation.page_cache``):
a repeated request is answered from the stored copy, and every write that changes what the
page shows appears at once."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Absence, AccountRole
from moderation.claims import item_claim, item_release
from moderation.models import Claim, ItemKind, ItemSource
from moderation.response_model import LegalGround
from moderation.services import daily_check_record, ingest_item
from tests.conftest import verified_login

from .conftest import make_item

QUEUE = reverse("moderation:queue")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def copies_on(settings):
    # Off by default with the local-memory cache of the tests; one process, so correct here.
    settings.MODERATION_PAGE_CACHE_SECONDS = 30
    # The clock stands still, so two requests never fall in two time slots by chance.
    with time_machine.travel(timezone.now(), tick=False):
        yield


def served_from_copy(client, url, **extra):
    """The answer, and whether it came from the stored copy (the view did not run)."""
    response = client.get(url, **extra)
    assert response.status_code == 200
    return response, response.context is None


def test_a_repeated_queue_is_served_from_the_copy(owner_client, item):
    first, cached = served_from_copy(owner_client, QUEUE)
    assert not cached
    with CaptureQueriesContext(connection) as queries:
        again, cached = served_from_copy(owner_client, QUEUE)
    assert cached
    assert again.content == first.content
    # The session and the person: nothing of the queue itself.
    assert len(queries) == 2
    assert "private" in again["Cache-Control"]


def test_a_conditional_request_is_answered_304(owner_client, item):
    etag = owner_client.get(QUEUE)["ETag"]
    assert owner_client.get(QUEUE, HTTP_IF_NONE_MATCH=etag).status_code == 304
    make_item(item.account, text="En ny fråga")
    assert owner_client.get(QUEUE, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_gzip_client_gets_the_same_page_compressed(owner_client, item):
    import gzip

    plain = owner_client.get(QUEUE).content
    packed = owner_client.get(QUEUE, HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain


def test_each_person_gets_their_own_copy(owner_client, deputy_client, item):
    owner_client.get(QUEUE)
    response, cached = served_from_copy(deputy_client, QUEUE)
    assert not cached
    assert "Disa" in response.content.decode()


def test_a_new_sign_in_gets_a_page_with_its_own_form_tokens(client, owner, item):
    verified_login(client, owner)
    client.get(QUEUE)
    client.logout()
    verified_login(client, owner)
    _response, cached = served_from_copy(client, QUEUE)
    assert not cached


def test_a_waiting_message_is_shown_not_hidden_by_the_copy(owner_client, item, response_model):
    owner_client.get(QUEUE)
    owner_client.post(reverse("moderation:item_take_over", args=[item.pk]))
    response, cached = served_from_copy(owner_client, QUEUE)
    assert not cached
    assert "Nu hanterar du objektet." in response.content.decode()


def _queue_text(client) -> str:
    return client.get(QUEUE).content.decode()


def test_a_new_item_appears_at_once(owner_client, active_account):
    assert "Första frågan" not in _queue_text(owner_client)
    make_item(active_account, text="Första frågan")
    assert "Första frågan" in _queue_text(owner_client)


def test_an_edit_by_the_author_appears_at_once(owner_client, active_account, item):
    assert "Ändrad text" not in _queue_text(owner_client)
    ingest_item(
        account=active_account,
        platform_id=item.platform_id,
        kind=ItemKind.COMMENT,
        author_name=item.author_name,
        text="Ändrad text",
        published_at=item.published_at,
        source=ItemSource.API,
    )
    assert "Ändrad text" in _queue_text(owner_client)


def test_a_triage_removes_the_item_at_once(owner_client, item, response_model):
    assert item.text in _queue_text(owner_client)
    owner_client.post(
        reverse("moderation:queue_bulk"), {"atgard": "let_stand", "objekt": [str(item.pk)]}
    )
    assert item.text not in _queue_text(owner_client)


def test_a_bulk_removal_removes_the_items_at_once(owner_client, active_account, response_model):
    spam = [make_item(active_account, text=f"Köp klockor {n}") for n in range(3)]
    assert "Köp klockor 2" in _queue_text(owner_client)
    owner_client.post(
        reverse("moderation:queue_bulk"),
        {
            "atgard": "remove",
            "grund": LegalGround.ACCOUNT_RULES,
            "objekt": [str(i.pk) for i in spam],
        },
    )
    assert "Köp klockor" not in _queue_text(owner_client)


def test_a_colleagues_claim_and_its_release_appear_at_once(owner_client, deputy, item):
    assert "Disa hanterar" not in _queue_text(owner_client)
    item_claim(item=item, user=deputy)
    assert "Disa hanterar" in _queue_text(owner_client)
    item_release(item=item, user=deputy)
    assert "Disa hanterar" not in _queue_text(owner_client)


def test_an_expired_claim_goes_within_one_time_slot(owner_client, deputy, item):
    item_claim(item=item, user=deputy)
    assert "Disa hanterar" in _queue_text(owner_client)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert "Disa hanterar" not in _queue_text(owner_client)


def test_an_absence_gives_the_deputy_the_owners_other_items_at_once(
    deputy_client, owner, item, owners_other_account
):
    other = make_item(owners_other_account, text="Fråga på det andra kontot")
    assert other.text not in _queue_text(deputy_client)
    today = timezone.localdate()
    Absence.objects.create(
        user=owner, starts_on=today, ends_on=today + dt.timedelta(days=3), registered_by=owner
    )
    assert other.text in _queue_text(deputy_client)


def test_a_daily_check_appears_at_once(owner_client, owner, active_account, item):
    before = owner_client.get(QUEUE).content
    daily_check_record(account=active_account, actor=owner)
    response, cached = served_from_copy(owner_client, QUEUE)
    assert not cached and response.content != before


def test_a_renamed_account_appears_at_once(owner_client, active_account, item):
    active_account.display_name = "Haparanda badhus"
    active_account.save(update_fields=["display_name"])
    assert "Haparanda badhus" in _queue_text(owner_client)


def test_the_triage_page_is_served_from_the_copy_and_writes_nothing(
    owner_client, item, response_model
):
    url = item.get_absolute_url()
    served_from_copy(owner_client, url)  # claims the item, which changes the page
    served_from_copy(owner_client, url)  # the page with the claim
    expires = Claim.objects.get(item=item).expires_at
    with CaptureQueriesContext(connection) as queries:
        _again, cached = served_from_copy(owner_client, url)
    assert cached
    # The session and the person: the copy stands for the access check and the claim.
    assert len(queries) == 2
    assert not any(q["sql"].startswith(("UPDATE", "INSERT")) for q in queries.captured_queries)
    assert Claim.objects.get(item=item).expires_at == expires


def test_the_triage_page_shows_a_take_over_at_once(
    owner_client, deputy_client, item, response_model
):
    url = item.get_absolute_url()
    assert "Ta över" not in owner_client.get(url).content.decode()
    deputy_client.post(reverse("moderation:item_take_over", args=[item.pk]))
    assert "Ta över" in owner_client.get(url).content.decode()


def test_the_whole_page_and_its_htmx_part_are_kept_apart(owner_client, item, response_model):
    url = item.get_absolute_url()
    whole = owner_client.get(url)
    part = owner_client.get(url, **HTMX)
    assert part.content != whole.content
    assert b"<html" in owner_client.get(url).content
    assert b"<html" not in owner_client.get(url, **HTMX).content


def test_an_outsider_never_reaches_a_copy(owner_client, outsider_client, item, response_model):
    owner_client.get(item.get_absolute_url())
    assert outsider_client.get(item.get_absolute_url()).status_code == 404


def test_a_person_whose_role_ends_loses_the_copy_at_once(owner_client, owner, item, response_model):
    url = item.get_absolute_url()
    assert owner_client.get(url).status_code == 200
    AccountRole.objects.filter(account=item.account, user=owner).delete()
    assert owner_client.get(url).status_code == 404
    assert item.text not in _queue_text(owner_client)
