"""Webhooks under hostile and out-of-order deliveries: NUL bytes and escaped NUL characters,
one bad change among good ones, deliveries that can never be processed, and Meta's redelivery
for hours and out of order, which must never make history false."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from connectors.services import raw_event_process, retry_failures
from moderation.models import Item, RawEvent, RawEventStatus, VersionChange

from .conftest import IG_ID, PAGE_ID, fixture_json

pytestmark = pytest.mark.django_db

COMMENT_ID = "900000000000001_700000000000001"
POST_ID = "104500000000001_900000000000001"
CREATED = 1764320395


def feed_delivery(*changes: dict, time: int = CREATED + 5) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": time,
                    "changes": [{"field": "feed", "value": value} for value in changes],
                }
            ],
        },
        ensure_ascii=True,
    ).encode("utf-8")


def comment(comment_id: str = COMMENT_ID, *, verb: str = "add", message: str = "A") -> dict:
    return {
        "item": "comment",
        "verb": verb,
        "comment_id": comment_id,
        "post_id": POST_ID,
        "parent_id": POST_ID,
        "from": {"id": "5550000000000001", "name": "Maja Lind"},
        "message": message,
        "created_time": CREATED,
    }


# --- Input that gave a server error -----------------------------------------------------------


def test_a_signed_body_with_a_raw_nul_byte_is_kept_byte_for_byte_and_processed(
    post_webhook, facebook_config
):
    body = feed_delivery(comment()).replace(b'"message": "A"', b'"message": "A\x00B"')
    assert b"\x00" in body
    response = post_webhook(body)
    assert response.status_code == 200
    event = RawEvent.objects.get()
    assert bytes(event.raw_body) == body
    assert "\x00" not in event.body
    assert event.status == RawEventStatus.PROCESSED, event.error
    assert Item.objects.get().text == "A\ufffdB"


def test_a_signed_body_that_is_not_utf8_is_kept_byte_for_byte_and_fails_visibly(
    post_webhook, facebook_config, communicator_client
):
    body = b'{"object": "page", "entry": [\xff\x00]}'
    assert post_webhook(body).status_code == 200
    event = RawEvent.objects.get()
    assert bytes(event.raw_body) == body
    assert event.status == RawEventStatus.FAILED
    assert "JSONDecodeError" in event.error
    page = communicator_client.get(reverse("moderation:connectors"))
    assert "JSONDecodeError" in page.content.decode()


def test_an_escaped_nul_in_a_comment_is_replaced_and_the_other_comment_is_kept(
    post_webhook, facebook_config
):
    other_id = "900000000000001_700000000000009"
    body = feed_delivery(
        comment(message="Hej\u0000då"), comment(other_id, message="Ett vanligt svar")
    )
    assert b"\\u0000" in body
    response = post_webhook(body)
    assert response.status_code == 200
    event = RawEvent.objects.get()
    assert bytes(event.raw_body) == body
    assert event.status == RawEventStatus.PROCESSED, event.error
    assert Item.objects.get(platform_id=COMMENT_ID).text == "Hej\ufffddå"
    assert Item.objects.get(platform_id=other_id).text == "Ett vanligt svar"


def test_one_bad_change_fails_the_event_visibly_but_keeps_the_good_ones(
    post_webhook, facebook_config, communicator_client
):
    good_id = "900000000000001_700000000000010"
    too_long = "9" * 201
    post_webhook(feed_delivery(comment(too_long), comment(good_id, message="Kvar")))
    event = RawEvent.objects.get()
    assert Item.objects.get(platform_id=good_id).text == "Kvar"
    assert not Item.objects.filter(platform_id=too_long).exists()
    assert event.status == RawEventStatus.FAILED
    assert "change 1" in event.error and "platform_id" in event.error
    page = communicator_client.get(reverse("moderation:connectors"))
    assert "change 1" in page.content.decode()


def test_an_error_quoting_a_nul_is_stored_with_the_event(post_webhook, instagram_config):
    """Found by the fuzz test on PostgreSQL: the error names the change's id, here a NUL."""
    body = (
        b'{"object": "instagram", "entry": [{"id": "0", "time": 1700000000, "changes": '
        b'[{"field": "comments", "value": {"id": "\\u0000", "text": ""}}]}]}'
    )
    assert post_webhook(body, platform="instagram").status_code == 200
    event = RawEvent.objects.get()
    assert event.status == RawEventStatus.FAILED
    assert "\ufffd" in event.error


def test_json_nested_too_deep_fails_the_event_instead_of_leaving_it_received(
    post_webhook, instagram_config
):
    body = b'{"object": "instagram", "entry": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = post_webhook(body, platform="instagram")
    assert response.status_code == 200
    event = RawEvent.objects.get()
    assert event.status == RawEventStatus.FAILED
    assert "RecursionError" in event.error


def test_a_time_outside_the_calendar_falls_back_to_the_delivery_time(post_webhook, facebook_config):
    value = comment()
    value["created_time"] = 10**30
    post_webhook(feed_delivery(value))
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    assert Item.objects.get().published_at == dt.datetime.fromtimestamp(CREATED + 5, tz=dt.UTC)


def test_an_event_that_never_finishes_goes_to_the_failures_page_after_the_limit(
    facebook_config, settings
):
    event = RawEvent.objects.create(
        source="facebook",
        body="{}",
        body_sha256="0" * 64,
        attempts=settings.CONNECTOR_MAX_ATTEMPTS,
        received_at=timezone.now() - dt.timedelta(hours=1),
    )
    assert retry_failures() == (0, 0)
    event.refresh_from_db()
    assert event.status == RawEventStatus.FAILED
    assert "did not finish" in event.error


def test_each_attempt_is_counted_even_when_it_fails(post_webhook, instagram_config):
    post_webhook(b'{"object": "instagram", "entry": "x"}', platform="instagram")
    event = RawEvent.objects.get()
    raw_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.attempts == 2
    assert event.status == RawEventStatus.FAILED


# --- History must be true ---------------------------------------------------------------------


def versions(platform_id: str = COMMENT_ID) -> list[tuple[str, str]]:
    item = Item.objects.get(platform_id=platform_id)
    return [(v.change, v.text) for v in item.versions.order_by("number")]


def test_a_redelivered_add_after_an_edit_changes_nothing(post_webhook, facebook_config):
    post_webhook(feed_delivery(comment(message="A")))
    post_webhook(feed_delivery(comment(verb="edited", message="B"), time=CREATED + 600))
    # Meta redelivers the add hours later, with another entry time (so other bytes).
    response = post_webhook(feed_delivery(comment(message="A"), time=CREATED + 7200))
    assert response.status_code == 200
    assert Item.objects.get().text == "B"
    assert versions() == [(VersionChange.CREATED, "A"), (VersionChange.EDITED, "B")]
    assert RawEvent.objects.filter(status=RawEventStatus.PROCESSED).count() == 3


def test_an_edit_delivered_before_its_add_is_not_overwritten(post_webhook, facebook_config):
    post_webhook(feed_delivery(comment(verb="edited", message="B"), time=CREATED + 600))
    post_webhook(feed_delivery(comment(message="A")))
    assert Item.objects.get().text == "B"
    assert versions() == [(VersionChange.CREATED, "B")]


def test_an_older_edit_arriving_late_does_not_overwrite_a_newer_one(post_webhook, facebook_config):
    post_webhook(feed_delivery(comment(message="A")))
    post_webhook(feed_delivery(comment(verb="edited", message="C"), time=CREATED + 900))
    post_webhook(feed_delivery(comment(verb="edited", message="B"), time=CREATED + 600))
    assert Item.objects.get().text == "C"
    assert versions() == [(VersionChange.CREATED, "A"), (VersionChange.EDITED, "C")]


def test_a_replay_of_the_same_delivery_is_stored_once(post_webhook, instagram_config):
    body = json.dumps(fixture_json("instagram_comment.json")).encode()
    post_webhook(body, platform="instagram")
    post_webhook(body, platform="instagram")
    assert RawEvent.objects.count() == 1
    assert Item.objects.get().versions.count() == 1
    assert IG_ID in RawEvent.objects.get().body


@pytest.mark.parametrize("signature", ["sha256=é" + "0" * 63, "sha256=\u00ff", "sha256=Ω"])
def test_a_signature_with_non_ascii_characters_is_refused_not_a_server_error(
    client, facebook_config, signature
):
    response = client.post(
        reverse("moderation:webhook_facebook"),
        data=feed_delivery(comment()),
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
    )
    assert response.status_code == 403
    assert not RawEvent.objects.exists()
