"""Inbound Facebook and Instagram webhooks: the handshake, the signature on the raw body,
every verb, the Page's own comments, replays and unknown pages."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from moderation.models import (
    ConnectorConfig,
    ConnectorPlatform,
    Item,
    ItemKind,
    ItemSource,
    ItemStatus,
    RawEvent,
    RawEventStatus,
    VersionChange,
)

from .conftest import APP_SECRET, PAGE_ID, VERIFY_TOKEN, fixture_bytes

pytestmark = pytest.mark.django_db

COMMENT_ID = "900000000000001_700000000000001"
POST_ID = "104500000000001_900000000000001"


# --- Handshake --------------------------------------------------------------------------------


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_handshake_answers_the_challenge_with_the_right_verify_token(client, platform):
    response = client.get(
        reverse(f"moderation:webhook_{platform}"),
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_handshake_is_refused_without_the_verify_token(client, params):
    response = client.get(reverse("moderation:webhook_facebook"), params)
    assert response.status_code == 403
    assert b"1" not in response.content.replace(b"verification", b"")


def test_handshake_is_refused_when_no_verify_token_is_configured(client, settings):
    settings.META_VERIFY_TOKEN = ""
    response = client.get(
        reverse("moderation:webhook_facebook"),
        {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
    )
    assert response.status_code == 403


# --- Signature --------------------------------------------------------------------------------


def test_a_signed_comment_is_stored_and_becomes_an_item(post_webhook, facebook_config):
    body = fixture_bytes("facebook_comment_add.json")
    response = post_webhook(body)
    assert response.status_code == 200
    event = RawEvent.objects.get()
    assert event.body.encode("utf-8") == body
    assert event.status == RawEventStatus.PROCESSED
    item = Item.objects.get(platform_id=COMMENT_ID)
    assert item.account == facebook_config.account
    assert item.source == ItemSource.FACEBOOK
    assert item.kind == ItemKind.COMMENT
    assert item.author_name == "Maja Lind"
    assert item.author_platform_id == "5550000000000001"
    assert item.status == ItemStatus.NEW
    assert not item.by_municipality
    assert "Västra Esplanaden" in item.text


@pytest.mark.parametrize(
    "signature",
    [None, "", "sha256=", "sha256=" + "0" * 64, "sha1=abc", "sha256=zz"],
)
def test_a_missing_or_wrong_signature_is_refused_and_nothing_stored(
    post_webhook, facebook_config, signature
):
    response = post_webhook(fixture_bytes("facebook_comment_add.json"), signature=signature)
    assert response.status_code == 403
    assert not RawEvent.objects.exists()
    assert not Item.objects.exists()


def test_a_signature_with_another_secret_is_refused(post_webhook, facebook_config):
    from connectors.meta import sign

    body = fixture_bytes("facebook_comment_add.json")
    response = post_webhook(body, signature=sign(body, "another-secret"))
    assert response.status_code == 403
    assert not RawEvent.objects.exists()


def test_the_signature_covers_the_raw_bytes_not_reserialised_json(post_webhook, facebook_config):
    from connectors.meta import sign

    body = fixture_bytes("facebook_comment_add.json")
    # The same JSON, serialised differently: the signature of one does not fit the other.
    reserialised = json.dumps(json.loads(body)).encode("utf-8")
    assert reserialised != body
    response = post_webhook(body, signature=sign(reserialised, APP_SECRET))
    assert response.status_code == 403
    assert not RawEvent.objects.exists()


def test_every_post_is_refused_when_no_app_secret_is_configured(
    post_webhook, facebook_config, settings
):
    settings.META_APP_SECRET = ""
    response = post_webhook(fixture_bytes("facebook_comment_add.json"), signature="sha256=")
    assert response.status_code == 403
    assert not RawEvent.objects.exists()


def test_other_methods_are_not_allowed(client):
    assert client.put(reverse("moderation:webhook_facebook")).status_code == 405


# --- Verbs ------------------------------------------------------------------------------------


def test_a_post_then_a_comment_links_the_comment_to_its_post(post_webhook, facebook_config):
    post_webhook(fixture_bytes("facebook_post_add.json"))
    post_webhook(fixture_bytes("facebook_comment_add.json"))
    post = Item.objects.get(platform_id=POST_ID)
    comment = Item.objects.get(platform_id=COMMENT_ID)
    assert post.kind == ItemKind.POST
    assert comment.parent == post


def test_an_edited_comment_keeps_both_versions(post_webhook, facebook_config):
    post_webhook(fixture_bytes("facebook_comment_add.json"))
    post_webhook(fixture_bytes("facebook_comment_edited.json"))
    item = Item.objects.get(platform_id=COMMENT_ID)
    assert "fortfarande" in item.text
    changes = list(item.versions.order_by("number").values_list("change", flat=True))
    assert changes == [VersionChange.CREATED, VersionChange.EDITED]
    assert "fortfarande" not in item.versions.get(number=1).text


def test_a_removed_comment_is_kept_with_its_text_and_marked_deleted(post_webhook, facebook_config):
    post_webhook(fixture_bytes("facebook_comment_add.json"))
    response = post_webhook(fixture_bytes("facebook_comment_remove.json"))
    assert response.status_code == 200
    item = Item.objects.get(platform_id=COMMENT_ID)
    assert item.deleted_by_author_at is not None
    assert "Västra Esplanaden" in item.text
    deleted = item.versions.get(change=VersionChange.DELETED)
    assert "Västra Esplanaden" in deleted.text
    assert RawEvent.objects.filter(status=RawEventStatus.PROCESSED).count() == 2


def test_removing_a_comment_never_seen_creates_nothing(post_webhook, facebook_config):
    response = post_webhook(fixture_bytes("facebook_comment_remove.json"))
    assert response.status_code == 200
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    assert not Item.objects.exists()


def test_a_reply_is_linked_to_the_comment_in_parent_id(post_webhook, facebook_config):
    post_webhook(fixture_bytes("facebook_comment_add.json"))
    post_webhook(fixture_bytes("facebook_reply_add.json"))
    reply = Item.objects.get(platform_id="900000000000001_700000000000002")
    assert reply.kind == ItemKind.REPLY
    assert reply.parent.platform_id == COMMENT_ID


def test_the_pages_own_comment_is_recorded_as_the_municipalitys_not_queued(
    post_webhook, facebook_config
):
    post_webhook(fixture_bytes("facebook_page_comment.json"))
    item = Item.objects.get(platform_id="900000000000001_700000000000003")
    assert item.by_municipality
    assert item.status == ItemStatus.HANDLED
    assert item.author_platform_id == PAGE_ID


def test_the_pages_own_post_is_not_queued(post_webhook, facebook_config):
    post_webhook(fixture_bytes("facebook_post_add.json"))
    post = Item.objects.get(platform_id=POST_ID)
    assert post.by_municipality
    assert post.status == ItemStatus.HANDLED


def test_a_reaction_is_not_an_item(post_webhook, facebook_config):
    post_webhook(fixture_bytes("facebook_reaction.json"))
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    assert not Item.objects.exists()


# --- Replay and unknown pages -----------------------------------------------------------------


def test_a_replayed_webhook_creates_nothing_new(post_webhook, facebook_config):
    body = fixture_bytes("facebook_comment_add.json")
    post_webhook(body)
    response = post_webhook(body)
    assert response.status_code == 200
    assert Item.objects.count() == 1
    item = Item.objects.get()
    assert item.versions.count() == 1
    assert item.actions.count() == 1
    # The same bytes again are recognised as a replay and stored once.
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED


def test_an_event_for_an_unknown_page_is_logged_and_refused(post_webhook, facebook_config, caplog):
    with caplog.at_level(logging.WARNING, logger="connectors"):
        response = post_webhook(fixture_bytes("facebook_unknown_page.json"))
    # Meta gets its 200 so it does not disable the subscription; the event is kept, not guessed.
    assert response.status_code == 200
    event = RawEvent.objects.get()
    assert event.status == RawEventStatus.FAILED
    assert "999999999999999" in event.error
    assert not Item.objects.exists()
    assert any("999999999999999" in r.getMessage() for r in caplog.records)


def test_a_disabled_connector_refuses_its_events(post_webhook, facebook_config):
    ConnectorConfig.objects.filter(pk=facebook_config.pk).update(enabled=False)
    post_webhook(fixture_bytes("facebook_comment_add.json"))
    assert RawEvent.objects.get().status == RawEventStatus.FAILED
    assert not Item.objects.exists()


def test_a_signed_body_that_is_not_json_is_kept_as_failed(post_webhook, facebook_config):
    response = post_webhook(b"not json at all")
    assert response.status_code == 200
    event = RawEvent.objects.get()
    assert event.status == RawEventStatus.FAILED
    assert event.body == "not json at all"


def test_an_instagram_body_on_the_facebook_hook_is_refused(post_webhook, instagram_config):
    post_webhook(fixture_bytes("instagram_comment.json"), platform="facebook")
    assert RawEvent.objects.get().status == RawEventStatus.FAILED
    assert not Item.objects.exists()


# --- Instagram --------------------------------------------------------------------------------


def test_an_instagram_comment_becomes_an_item(post_webhook, instagram_config):
    response = post_webhook(fixture_bytes("instagram_comment.json"), platform="instagram")
    assert response.status_code == 200
    item = Item.objects.get()
    assert item.account == instagram_config.account
    assert item.platform_id == "17860000000000001"
    assert item.source == ItemSource.INSTAGRAM
    assert item.kind == ItemKind.COMMENT
    assert item.author_name == "maja.lind"
    assert item.status == ItemStatus.NEW


def test_the_accounts_own_instagram_reply_is_linked_and_not_queued(post_webhook, instagram_config):
    post_webhook(fixture_bytes("instagram_comment.json"), platform="instagram")
    post_webhook(fixture_bytes("instagram_reply.json"), platform="instagram")
    reply = Item.objects.get(platform_id="17860000000000002")
    assert reply.kind == ItemKind.REPLY
    assert reply.parent.platform_id == "17860000000000001"
    assert reply.by_municipality
    assert reply.status == ItemStatus.HANDLED


def test_an_instagram_replay_creates_nothing_new(post_webhook, instagram_config):
    body = fixture_bytes("instagram_comment.json")
    post_webhook(body, platform="instagram")
    post_webhook(body, platform="instagram")
    assert Item.objects.count() == 1
    assert Item.objects.get().versions.count() == 1


# --- Durability -------------------------------------------------------------------------------


def test_the_raw_event_is_stored_before_processing_runs(client, facebook_config):
    """Without the commit (no worker yet) the event is durably stored and waits."""
    from connectors.meta import sign

    body = fixture_bytes("facebook_comment_add.json")
    response = client.post(
        reverse("moderation:webhook_facebook"),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
    )
    assert response.status_code == 200
    assert RawEvent.objects.get().status == RawEventStatus.RECEIVED
    assert not Item.objects.exists()


def test_a_failed_event_is_processed_after_the_page_is_configured_and_retried(
    post_webhook,
    facebook_config,
    communicator_client,
    django_capture_on_commit_callbacks,
):
    post_webhook(fixture_bytes("facebook_unknown_page.json"))
    event = RawEvent.objects.get()
    ConnectorConfig.objects.create(
        account=facebook_config.account,
        platform=ConnectorPlatform.FACEBOOK,
        external_id="999999999999999",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = communicator_client.post(reverse("moderation:raw_event_retry", args=[event.pk]))
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == RawEventStatus.PROCESSED
    assert event.attempts == 2
    assert Item.objects.filter(platform_id="800000000000001_600000000000001").exists()


def test_the_sweep_processes_events_whose_task_was_lost(client, facebook_config):
    """A stored event whose message never reached a worker is picked up by beat's sweep."""
    import datetime as dt

    from django.utils import timezone

    from connectors.meta import sign
    from connectors.services import retry_failures

    body = fixture_bytes("facebook_comment_add.json")
    client.post(
        reverse("moderation:webhook_facebook"),
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
    )
    assert retry_failures() == (0, 0)  # fresh: its own task may still be on its way
    RawEvent.objects.update(received_at=timezone.now() - dt.timedelta(minutes=30))
    assert retry_failures() == (1, 0)
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    assert Item.objects.filter(platform_id=COMMENT_ID).exists()


def test_with_the_broker_down_the_event_is_still_stored_and_acknowledged(
    post_webhook, facebook_config, monkeypatch
):
    from kombu.exceptions import OperationalError

    from moderation import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.process_raw_event, "delay", broker_down)
    response = post_webhook(fixture_bytes("facebook_comment_add.json"))
    assert response.status_code == 200
    assert RawEvent.objects.get().status == RawEventStatus.RECEIVED
