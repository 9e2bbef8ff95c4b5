"""Reconciliation: each connected account's recent posts and the comments on them are listed
through the platform's API (Graph API feed and media, Mastodon's account statuses and
contexts); what the notifications missed is recorded through the same ingestion, nothing twice;
the last complete capture is shown and an alert raised when it falls a working day behind."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
import time_machine
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from responses import matchers

from connectors.capture import reconcile
from connectors.models import CaptureState, PolledEndpoint, PolledPage, ReconciliationRun
from connectors.services import mastodon_poll
from connectors.tasks import reconcile_accounts
from moderation.models import ConnectorConfig, Item, ItemKind, VersionChange

from .conftest import (
    GRAPH,
    IG_ID,
    MASTODON_BASE,
    MASTODON_ID,
    PAGE_TOKEN,
    fixture_bytes,
    fixture_json,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC)  # a Monday
STATUSES = f"{MASTODON_BASE}/api/v1/accounts/{MASTODON_ID}/statuses"
OWN_POST = "113700000000000101"
OLDER_OWN_POST = "113700000000000100"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def mastodon_listing(*, context: str = "mastodon_context.json"):
    responses.add(
        responses.GET,
        STATUSES,
        body=fixture_bytes("mastodon_account_statuses_page1.json"),
        content_type="application/json",
        headers={"Link": f'<{STATUSES}?max_id={OWN_POST}>; rel="next"'},
        match=[matchers.query_param_matcher({"limit": "40", "exclude_reblogs": "true"})],
    )
    responses.add(
        responses.GET,
        STATUSES,
        body=fixture_bytes("mastodon_account_statuses_page2.json"),
        content_type="application/json",
        match=[matchers.query_param_matcher({"max_id": OWN_POST})],
    )
    responses.add(
        responses.GET,
        f"{MASTODON_BASE}/api/v1/statuses/{OWN_POST}/context",
        body=fixture_bytes(context),
        content_type="application/json",
    )
    responses.add(
        responses.GET,
        f"{MASTODON_BASE}/api/v1/statuses/{OLDER_OWN_POST}/context",
        body=fixture_bytes("mastodon_context_empty.json"),
        content_type="application/json",
    )


# --- Mastodon -----------------------------------------------------------------------------------


@responses.activate
def test_the_municipalitys_own_posts_and_every_reply_are_collected(mastodon_config):
    mastodon_listing()
    assert reconcile(config=mastodon_config) == 5
    own = Item.objects.get(platform_id=OWN_POST)
    assert own.by_municipality
    assert own.kind == ItemKind.POST
    assert own.text == "Snöröjningen pågår i hela Haparanda i dag. Frågor? Svara här."
    maja = Item.objects.get(platform_id="113700000000000201")
    # A reply that does not mention the account is still collected, under the post it answers.
    erik = Item.objects.get(platform_id="113700000000000203")
    assert maja.parent == own
    assert erik.parent == own
    assert "@haparanda" not in erik.text
    answer = Item.objects.get(platform_id="113700000000000202")
    assert answer.by_municipality
    assert answer.parent == maja
    state = CaptureState.objects.get(config=mastodon_config)
    assert state.last_reconcile_error == ""
    assert state.last_complete_capture_at == NOW
    assert state.last_reconcile_found == 5
    assert state.last_reconcile_error == ""
    endpoints = set(PolledPage.objects.values_list("endpoint", flat=True))
    assert endpoints == {PolledEndpoint.ACCOUNT_STATUSES, PolledEndpoint.CONTEXT}


@responses.activate
def test_an_outage_of_notifications_for_a_day_is_recovered_without_duplicates(mastodon_config):
    # Before the outage, Maja's reply arrived as a mention.
    maja_mention = [
        {
            "id": "34980001",
            "type": "mention",
            "created_at": "2026-11-27T09:00:00.000Z",
            "status": {
                "id": "113700000000000201",
                "created_at": "2026-11-27T09:00:00.000Z",
                "in_reply_to_id": OWN_POST,
                "visibility": "public",
                "url": "https://mastodon.example/@maja/113700000000000201",
                "content": "<p>Vår gata är inte plogad än.</p>",
                "account": {"id": "109000000000000001", "acct": "maja@mastodon.example"},
            },
        }
    ]
    responses.add(responses.GET, f"{MASTODON_BASE}/api/v1/notifications", json=maja_mention)
    mastodon_poll(config=mastodon_config)
    assert Item.objects.count() == 1
    # For the next day the notifications were dropped: the server returns none.
    responses.replace(responses.GET, f"{MASTODON_BASE}/api/v1/notifications", json=[])
    mastodon_poll(config=mastodon_config)
    assert Item.objects.count() == 1

    mastodon_listing()
    assert reconcile(config=mastodon_config) == 4
    ids = set(Item.objects.values_list("platform_id", flat=True))
    assert ids == {
        OWN_POST,
        OLDER_OWN_POST,
        "113700000000000201",
        "113700000000000202",
        "113700000000000203",
    }
    # Maja's reply, both notified and listed, is one item with one version.
    maja = Item.objects.get(platform_id="113700000000000201")
    assert maja.versions.count() == 1

    # Listing again (the next run) changes nothing and stores no identical page twice.
    pages = PolledPage.objects.count()
    assert reconcile(config=mastodon_config) == 0
    assert Item.objects.count() == 5
    assert sum(i.versions.count() for i in Item.objects.all()) == 5
    assert PolledPage.objects.count() == pages


@responses.activate
def test_a_reply_gone_from_the_thread_and_from_the_server_is_recorded_as_deleted(
    mastodon_config,
):
    mastodon_listing()
    reconcile(config=mastodon_config)
    # Erik's reply is no longer in the thread; Maja's is, and the older post is unchanged.
    context = fixture_json("mastodon_context.json")
    context["descendants"] = context["descendants"][:2]
    responses.replace(
        responses.GET, f"{MASTODON_BASE}/api/v1/statuses/{OWN_POST}/context", json=context
    )
    responses.add(
        responses.GET,
        f"{MASTODON_BASE}/api/v1/statuses/113700000000000203",
        json={"error": "Record not found"},
        status=404,
    )
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        reconcile(config=mastodon_config)
    erik = Item.objects.get(platform_id="113700000000000203")
    assert erik.deleted_by_author_at == NOW + dt.timedelta(hours=1)
    assert erik.versions.order_by("-number").first().change == VersionChange.DELETED
    # Only the reply the server no longer has is deleted.
    assert Item.objects.filter(deleted_by_author_at__isnull=False).count() == 1
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        reconcile(config=mastodon_config)
    assert erik.versions.count() == 2


@responses.activate
def test_a_failed_listing_is_not_a_complete_capture(mastodon_config):
    responses.add(responses.GET, STATUSES, json={"error": "Service unavailable"}, status=502)
    assert reconcile(config=mastodon_config) == 0
    state = CaptureState.objects.get(config=mastodon_config)
    assert state.last_complete_capture_at is None
    assert "502" in state.last_reconcile_error
    run = ReconciliationRun.objects.get()
    assert not run.complete
    assert "502" in run.error


@responses.activate
def test_each_run_is_kept_as_an_append_only_record(mastodon_config):
    mastodon_listing()
    reconcile(config=mastodon_config)
    run = ReconciliationRun.objects.get()
    assert run.complete
    assert run.found == 5
    assert run.started_at == NOW
    assert run.window_start == NOW - dt.timedelta(days=7)
    with pytest.raises(TypeError):
        run.save()
    with pytest.raises(TypeError):
        run.delete()


def test_the_database_refuses_to_change_a_reconciliation_record_in_postgresql(mastodon_config):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger guards PostgreSQL, the production database")
    run = ReconciliationRun.objects.create(
        config=mastodon_config, started_at=NOW, finished_at=NOW, window_start=NOW
    )
    for sql in (
        "UPDATE connectors_reconciliationrun SET complete = true WHERE id = %s",
        "DELETE FROM connectors_reconciliationrun WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [run.pk])


# --- Facebook and Instagram ---------------------------------------------------------------------


@responses.activate
def test_facebook_feed_reconciliation_records_what_the_webhooks_missed(
    facebook_config, post_webhook
):
    # The webhooks delivered the post and Maja's comment; the rest was lost in an outage.
    post_webhook(fixture_bytes("facebook_post_add.json"))
    post_webhook(fixture_bytes("facebook_comment_add.json"))
    assert Item.objects.count() == 2
    feed = f"{GRAPH}/104500000000001/feed"
    responses.add(
        responses.GET,
        feed,
        body=fixture_bytes("graph_page_feed_page1.json"),
        content_type="application/json",
        match=[matchers.query_param_matcher({"limit": "25"}, strict_match=False)],
    )
    responses.add(
        responses.GET,
        feed,
        body=fixture_bytes("graph_page_feed_page2.json"),
        content_type="application/json",
        match=[matchers.query_param_matcher({"after": "QVFIUjRc"}, strict_match=False)],
    )
    assert reconcile(config=facebook_config) == 3
    assert Item.objects.count() == 5
    reply = Item.objects.get(platform_id="900000000000001_700000000000003")
    assert reply.kind == ItemKind.REPLY
    assert reply.by_municipality
    assert reply.parent.platform_id == "900000000000001_700000000000001"
    missed = Item.objects.get(platform_id="900000000000001_700000000000002")
    assert missed.kind == ItemKind.COMMENT
    assert missed.parent.platform_id == "104500000000001_900000000000001"
    # Nothing duplicated, no false edit of what the webhooks delivered.
    assert sum(i.versions.count() for i in Item.objects.all()) == 5
    # The token goes in the header: the one in paging.next is dropped, never sent or recorded.
    assert all("EAAB-leaked" not in c.request.url for c in responses.calls)
    assert all(
        c.request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}" for c in responses.calls
    )
    assert not PolledPage.objects.filter(url__contains="EAAB").exists()
    state = CaptureState.objects.get(config=facebook_config)
    assert state.last_complete_capture_at == NOW


@responses.activate
def test_instagram_media_reconciliation_collects_posts_comments_and_replies(
    instagram_config, post_webhook
):
    post_webhook(fixture_bytes("instagram_comment.json"), platform="instagram")
    responses.add(
        responses.GET,
        f"{GRAPH}/{IG_ID}/media",
        body=fixture_bytes("instagram_media.json"),
        content_type="application/json",
    )
    assert reconcile(config=instagram_config) == 3
    media = Item.objects.get(platform_id="17900000000000001")
    assert media.by_municipality
    assert media.kind == ItemKind.POST
    reply = Item.objects.get(platform_id="17860000000000003")
    assert reply.kind == ItemKind.REPLY
    assert reply.by_municipality
    assert Item.objects.filter(platform_id="17860000000000001").count() == 1
    assert Item.objects.count() == 4


@responses.activate
def test_a_graph_listing_that_is_not_a_listing_is_kept_as_a_failed_event(facebook_config):
    responses.add(responses.GET, f"{GRAPH}/104500000000001/feed", json={"unexpected": 1})
    reconcile(config=facebook_config)
    page = PolledPage.objects.get()
    assert page.raw_event.status == "failed"
    state = CaptureState.objects.get(config=facebook_config)
    assert state.last_complete_capture_at is None
    assert "processed" in state.last_reconcile_error


# --- Schedule, status and alert -----------------------------------------------------------------


def test_beat_schedules_reconciliation(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["connectors-reconcile"]
    assert entry["task"] == "connectors.tasks.reconcile_accounts"
    assert entry["schedule"] == float(settings.RECONCILE_MINUTES * 60)


@responses.activate
def test_beat_reconciles_each_enabled_account_that_may_be_called(mastodon_config, facebook_config):
    mastodon_listing()
    responses.add(
        responses.GET,
        f"{GRAPH}/104500000000001/feed",
        json={"data": [], "paging": {}},
    )
    assert reconcile_accounts.delay().get() == 2
    CaptureState.objects.filter(config=facebook_config).update(
        next_call_at=NOW + dt.timedelta(minutes=5)
    )
    ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(enabled=False)
    assert reconcile_accounts.delay().get() == 0


def test_the_connectors_page_shows_the_last_complete_capture_and_alerts_when_behind(
    communicator_client, mastodon_config, facebook_config
):
    ConnectorConfig.objects.update(created_at=NOW - dt.timedelta(days=10))
    CaptureState.objects.create(config=mastodon_config, last_complete_capture_at=NOW)
    CaptureState.objects.create(
        config=facebook_config,
        # Last Wednesday: more than a working day of office hours ago.
        last_complete_capture_at=NOW - dt.timedelta(days=5),
        backfill_next_url="https://x",
        backfill_pages=4,
    )
    page = communicator_client.get(reverse("moderation:connectors")).content.decode()
    assert "Insamlingen har hamnat efter" in page
    alert = page.split('id="capture-behind"')[1].split("</div>")[0]
    assert facebook_config.account.display_name in alert
    assert mastodon_config.account.display_name not in alert
    assert "2026-11-30 14:00" in page  # the Mastodon account's capture, in Swedish time
    dashboard = communicator_client.get(reverse("accounts:dashboard")).content.decode()
    assert "Insamlingen har hamnat efter" in dashboard


def test_a_capture_within_a_working_day_raises_no_alert(communicator_client, mastodon_config):
    # Friday afternoon's capture is not behind on Monday morning: the weekend does not count.
    with time_machine.travel(dt.datetime(2026, 11, 30, 8, 30, tzinfo=dt.UTC), tick=False):
        ConnectorConfig.objects.update(created_at=NOW - dt.timedelta(days=10))
        CaptureState.objects.create(
            config=mastodon_config,
            last_complete_capture_at=dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC),
        )
        page = communicator_client.get(reverse("moderation:connectors")).content.decode()
        assert "Insamlingen har hamnat efter" not in page
        dashboard = communicator_client.get(reverse("accounts:dashboard")).content.decode()
        assert "Insamlingen har hamnat efter" not in dashboard
