"""Mastodon mentions: polling with the min_id cursor, Link pagination, opaque ids, replies
linked by in_reply_to_id, and failures that keep the cursor."""

from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from connectors.services import mastodon_poll
from moderation.models import (
    ConnectorConfig,
    Item,
    ItemKind,
    ItemSource,
    RawEvent,
    RawEventStatus,
)
from moderation.tasks import poll_mastodon_accounts

from .conftest import MASTODON_BASE, MASTODON_TOKEN, fixture_bytes

pytestmark = pytest.mark.django_db

URL = f"{MASTODON_BASE}/api/v1/notifications"


def link(**rels: str) -> str:
    return ", ".join(f'<{URL}?{query}>; rel="{rel}"' for rel, query in rels.items())


def add_page(rsps, body: bytes, *, params: dict, headers: dict | None = None):
    rsps.add(
        responses.GET,
        URL,
        body=body,
        content_type="application/json",
        headers=headers or {},
        match=[matchers.query_param_matcher(params)],
    )


@responses.activate
def test_the_first_poll_follows_link_pagination_and_stores_the_newest_cursor(mastodon_config):
    add_page(
        responses,
        fixture_bytes("mastodon_notifications_page1.json"),
        params={"types[]": ["mention", "update"], "limit": "30"},
        headers={"Link": link(next="max_id=34975860", prev="min_id=34975861")},
    )
    add_page(
        responses,
        fixture_bytes("mastodon_notifications_page2.json"),
        params={"min_id": "34975861"},
        headers={"Link": link(next="max_id=34975863", prev="min_id=34975863")},
    )
    add_page(responses, b"[]", params={"min_id": "34975863"})
    # The first connection also starts the backfill of older notifications (rel=next).
    add_page(responses, b"[]", params={"max_id": "34975860"})

    assert mastodon_poll(config=mastodon_config) == 2

    assert [c.request.method for c in responses.calls] == ["GET", "GET", "GET", "GET"]
    assert all(
        c.request.headers["Authorization"] == f"Bearer {MASTODON_TOKEN}" for c in responses.calls
    )
    assert MASTODON_TOKEN not in " ".join(c.request.url for c in responses.calls)
    mastodon_config.refresh_from_db()
    assert mastodon_config.cursor == "34975863"
    assert mastodon_config.last_error == ""
    assert RawEvent.objects.filter(status=RawEventStatus.PROCESSED).count() == 2
    assert Item.objects.count() == 3


@responses.activate
def test_statuses_are_stored_with_their_in_reply_to_id(mastodon_config):
    add_page(
        responses,
        fixture_bytes("mastodon_notifications_page1.json"),
        params={"types[]": ["mention", "update"], "limit": "30"},
    )
    mastodon_poll(config=mastodon_config)
    mention = Item.objects.get(platform_id="113500000000000011")
    reply = Item.objects.get(platform_id="113500000000000012")
    assert mention.kind == ItemKind.POST
    assert mention.source == ItemSource.MASTODON
    assert mention.account == mastodon_config.account
    assert mention.author_name == "@maja@mastodon.example"
    assert mention.link == "https://mastodon.example/@maja/113500000000000011"
    # Status content is HTML: tags go, entities are decoded, user text stays as written.
    assert mention.text == "@haparanda När plogas Västra Esplanaden? & Storgatan?"
    assert reply.kind == ItemKind.REPLY
    assert reply.parent == mention


@responses.activate
def test_a_later_poll_asks_only_for_what_is_newer_than_the_cursor(mastodon_config):
    ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(cursor="34975861")
    mastodon_config.refresh_from_db()
    add_page(
        responses,
        fixture_bytes("mastodon_notifications_page2.json"),
        params={"types[]": ["mention", "update"], "limit": "30", "min_id": "34975861"},
        headers={"Link": link(prev="min_id=34975863")},
    )
    add_page(responses, b"[]", params={"min_id": "34975863"})
    mastodon_poll(config=mastodon_config)
    mastodon_config.refresh_from_db()
    assert mastodon_config.cursor == "34975863"
    reply = Item.objects.get()
    assert reply.kind == ItemKind.REPLY
    assert reply.parent is None  # its parent was never seen; the link is not guessed


@responses.activate
def test_ids_are_opaque_the_cursor_is_the_newest_by_position(mastodon_config):
    page = [
        {
            "id": "10",
            "type": "mention",
            "status": {
                "id": "b-2",
                "created_at": "2026-11-28T10:00:00Z",
                "content": "<p>@haparanda hej</p>",
                "account": {"id": "1", "acct": "a"},
            },
        },
        {
            "id": "9",
            "type": "mention",
            "status": {
                "id": "a-1",
                "created_at": "2026-11-28T09:00:00Z",
                "content": "<p>@haparanda hej igen</p>",
                "account": {"id": "1", "acct": "a"},
            },
        },
    ]
    add_page(
        responses,
        json.dumps(page).encode(),
        params={"types[]": ["mention", "update"], "limit": "30"},
    )
    mastodon_poll(config=mastodon_config)
    mastodon_config.refresh_from_db()
    # "9" sorts after "10" as text: a comparison would pick the wrong one.
    assert mastodon_config.cursor == "10"
    assert set(Item.objects.values_list("platform_id", flat=True)) == {"b-2", "a-1"}


@responses.activate
def test_polling_the_same_page_again_creates_nothing_new(mastodon_config):
    for _ in range(2):
        add_page(
            responses,
            fixture_bytes("mastodon_notifications_page1.json"),
            params={"types[]": ["mention", "update"], "limit": "30"},
        )
        ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(cursor="")
        mastodon_config.refresh_from_db()
        mastodon_poll(config=mastodon_config)
    assert Item.objects.count() == 2
    assert sum(item.versions.count() for item in Item.objects.all()) == 2


@responses.activate
def test_a_server_error_keeps_the_cursor_and_records_the_error(mastodon_config):
    ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(cursor="34975861")
    mastodon_config.refresh_from_db()
    responses.add(responses.GET, URL, json={"error": "Service unavailable"}, status=503)
    assert mastodon_poll(config=mastodon_config) == 0
    mastodon_config.refresh_from_db()
    assert mastodon_config.cursor == "34975861"
    assert "503" in mastodon_config.last_error
    assert MASTODON_TOKEN not in mastodon_config.last_error
    assert not RawEvent.objects.exists()


@responses.activate
def test_a_missing_token_is_recorded_and_nothing_is_fetched(mastodon_config, monkeypatch):
    monkeypatch.delenv("HAPARANDA_MASTODON_TOKEN")
    assert mastodon_poll(config=mastodon_config) == 0
    mastodon_config.refresh_from_db()
    assert "HAPARANDA_MASTODON_TOKEN" in mastodon_config.last_error
    assert len(responses.calls) == 0


@responses.activate
def test_a_malformed_page_is_kept_as_a_failed_event_and_the_poll_stops(mastodon_config):
    add_page(
        responses,
        b'{"unexpected": "object"}',
        params={"types[]": ["mention", "update"], "limit": "30"},
        headers={"Link": link(prev="min_id=1")},
    )
    mastodon_poll(config=mastodon_config)
    event = RawEvent.objects.get()
    assert event.status == RawEventStatus.FAILED
    assert len(responses.calls) == 1


@responses.activate
def test_beat_polls_each_enabled_mastodon_account(mastodon_config):
    add_page(
        responses,
        fixture_bytes("mastodon_notifications_page1.json"),
        params={"types[]": ["mention", "update"], "limit": "30"},
    )
    assert poll_mastodon_accounts.delay().get() == 1
    assert Item.objects.count() == 2
    ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(enabled=False)
    assert poll_mastodon_accounts.delay().get() == 0


def test_beat_schedules_the_poll_and_the_retry_sweep(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["moderation-mastodon-poll"]["task"] == "moderation.tasks.poll_mastodon_accounts"
    assert schedule["moderation-mastodon-poll"]["schedule"] == float(settings.MASTODON_POLL_SECONDS)
    assert (
        schedule["moderation-connector-retry"]["task"]
        == "moderation.tasks.retry_connector_failures"
    )
