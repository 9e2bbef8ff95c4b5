"""Webhook events processed by one drain task instead of one task each: every stored event is
processed, a replay is stored and processed once, an event stored while a drain is on its way
is processed by that drain, and a broker that is down leaves nothing blocked. Also the store's
single statement on PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.transaction import TransactionManagementError

from connectors import services
from connectors.services import (
    DRAIN_FLAG,
    DRAIN_SETTLE_SECONDS,
    raw_event_process,
    raw_event_store,
    raw_events_drain,
)
from moderation import tasks
from moderation.models import ConnectorPlatform, Item, RawEvent, RawEventStatus

from .test_webhook_hardening import comment, feed_delivery

pytestmark = pytest.mark.django_db

OTHER_COMMENT_ID = "900000000000001_700000000000002"


@pytest.fixture
def drain(settings, monkeypatch):
    """The drain on, and one task per event refused, so that a test cannot pass through it."""
    settings.CONNECTOR_EVENT_DRAIN = True

    def no_single_task(*args, **kwargs):
        raise AssertionError("one task per event was enqueued")

    monkeypatch.setattr(tasks.process_raw_event, "delay", no_single_task)


@pytest.fixture
def drains_enqueued(monkeypatch):
    """Counts the drain tasks enqueued, running each as the worker would."""
    calls = []
    delay = tasks.drain_raw_events.delay

    def counted(*args, **kwargs):
        calls.append(args)
        return delay(*args, **kwargs)

    monkeypatch.setattr(tasks.drain_raw_events, "delay", counted)
    return calls


def test_two_deliveries_are_both_processed(drain, drains_enqueued, post_webhook, facebook_config):
    assert post_webhook(feed_delivery(comment())).status_code == 200
    assert post_webhook(feed_delivery(comment(OTHER_COMMENT_ID))).status_code == 200
    assert set(RawEvent.objects.values_list("status", flat=True)) == {RawEventStatus.PROCESSED}
    assert Item.objects.count() == 2
    # The drain released the flag before reading, so each delivery enqueued its own.
    assert len(drains_enqueued) == 2
    assert cache.get(DRAIN_FLAG) is None


def test_a_replay_is_stored_once_and_processed_once(drain, post_webhook, facebook_config):
    body = feed_delivery(comment())
    post_webhook(body)
    post_webhook(body)
    event = RawEvent.objects.get()
    assert event.status == RawEventStatus.PROCESSED
    assert event.attempts == 1
    assert Item.objects.get().versions.count() == 1


def test_an_event_stored_while_a_drain_is_on_its_way_is_processed_by_that_drain(
    drain, drains_enqueued, post_webhook, facebook_config
):
    # Another delivery set the flag and its drain task waits in the queue.
    assert cache.add(DRAIN_FLAG, 1)
    assert post_webhook(feed_delivery(comment())).status_code == 200
    assert not drains_enqueued
    assert RawEvent.objects.get().status == RawEventStatus.RECEIVED
    assert not Item.objects.exists()
    # That drain runs now.
    assert tasks.drain_raw_events() == 1
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    assert Item.objects.filter(platform_id=comment()["comment_id"]).exists()
    assert cache.get(DRAIN_FLAG) is None


@pytest.fixture
def redis_asked(monkeypatch):
    """Counts the SET NX of the flag, as Redis would answer it."""
    calls = []
    add = cache.add

    def counted(key, *args, **kwargs):
        if key == DRAIN_FLAG:
            calls.append(key)
        return add(key, *args, **kwargs)

    monkeypatch.setattr(cache, "add", counted)
    return calls


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(services, "monotonic", lambda: now[0])
    return now


def test_in_a_burst_a_delivery_just_after_one_that_found_a_drain_asks_redis_nothing(
    drain, drains_enqueued, redis_asked, clock, post_webhook, facebook_config
):
    assert cache.add(DRAIN_FLAG, 1)  # a drain is on its way
    redis_asked.clear()
    post_webhook(feed_delivery(comment()))
    assert len(redis_asked) == 1
    clock[0] += DRAIN_SETTLE_SECONDS / 2
    post_webhook(feed_delivery(comment(OTHER_COMMENT_ID)))
    assert len(redis_asked) == 1
    assert not drains_enqueued
    # The drain on its way takes both.
    assert tasks.drain_raw_events() == 2
    assert Item.objects.count() == 2
    # Later, the process asks again, and enqueues a drain of its own.
    clock[0] += DRAIN_SETTLE_SECONDS
    post_webhook(feed_delivery(comment("900000000000001_700000000000003")))
    assert len(redis_asked) == 2
    assert len(drains_enqueued) == 1
    assert set(RawEvent.objects.values_list("status", flat=True)) == {RawEventStatus.PROCESSED}


def test_an_event_committed_while_the_drain_settles_is_read_by_that_drain(
    drain, drains_enqueued, post_webhook, facebook_config, monkeypatch
):
    """The drain deletes the flag, then waits before it reads: a delivery whose process still
    trusts the flag it saw, and so enqueues nothing, is committed within that wait."""
    assert cache.add(DRAIN_FLAG, 1)
    post_webhook(feed_delivery(comment()))
    waits = []

    def settle(seconds):
        waits.append(seconds)
        # The flag is gone, yet this process saw it a moment ago and does not ask again.
        assert cache.get(DRAIN_FLAG) is None
        post_webhook(feed_delivery(comment(OTHER_COMMENT_ID)))

    monkeypatch.setattr(services, "sleep", settle)
    assert raw_events_drain() == 2
    assert waits == [DRAIN_SETTLE_SECONDS]
    assert not drains_enqueued
    assert Item.objects.count() == 2


def test_a_failed_enqueue_is_not_trusted_as_a_drain_on_its_way(
    drain, drains_enqueued, redis_asked, clock, post_webhook, facebook_config, monkeypatch
):
    from kombu.exceptions import OperationalError

    delay = tasks.drain_raw_events.delay

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.drain_raw_events, "delay", broker_down)
    post_webhook(feed_delivery(comment()))
    monkeypatch.setattr(tasks.drain_raw_events, "delay", delay)
    # At once, within the time a flag found would be trusted: this delivery asks, and enqueues.
    post_webhook(feed_delivery(comment(OTHER_COMMENT_ID)))
    assert len(redis_asked) == 2
    assert set(RawEvent.objects.values_list("status", flat=True)) == {RawEventStatus.PROCESSED}


def test_with_the_broker_down_the_event_is_kept_and_the_next_delivery_enqueues_again(
    drain, post_webhook, facebook_config, monkeypatch
):
    from kombu.exceptions import OperationalError

    delay = tasks.drain_raw_events.delay

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.drain_raw_events, "delay", broker_down)
    assert post_webhook(feed_delivery(comment())).status_code == 200
    assert RawEvent.objects.get().status == RawEventStatus.RECEIVED
    assert cache.get(DRAIN_FLAG) is None
    # The broker is back: the next delivery's drain takes the earlier event too.
    monkeypatch.setattr(tasks.drain_raw_events, "delay", delay)
    post_webhook(feed_delivery(comment(OTHER_COMMENT_ID)))
    assert set(RawEvent.objects.values_list("status", flat=True)) == {RawEventStatus.PROCESSED}
    assert Item.objects.count() == 2


def test_the_drain_walks_every_waiting_event_in_batches_oldest_first(
    drain, facebook_config, django_capture_on_commit_callbacks
):
    assert cache.add(DRAIN_FLAG, 1)
    with django_capture_on_commit_callbacks(execute=True):
        events = [
            raw_event_store(
                source=ConnectorPlatform.FACEBOOK,
                body=feed_delivery(comment(f"900000000000001_70000000000010{n}")),
            )
            for n in range(5)
        ]
    assert raw_events_drain(batch=2) == 5
    processed = RawEvent.objects.order_by("processed_at", "pk").values_list("pk", flat=True)
    assert list(processed) == [event.pk for event in events]
    assert set(RawEvent.objects.values_list("status", flat=True)) == {RawEventStatus.PROCESSED}
    assert raw_events_drain() == 0


def test_an_event_taken_by_one_drain_is_not_processed_by_another(facebook_config):
    event = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment()))
    assert raw_event_process(event_id=event.pk, first_attempt=True).status == (
        RawEventStatus.PROCESSED
    )
    assert raw_event_process(event_id=event.pk, first_attempt=True) is None
    event.refresh_from_db()
    assert event.attempts == 1


def test_an_event_tried_before_is_left_to_the_sweep(drain, facebook_config):
    """A received event with an attempt counted lost its worker mid-way: the sweep retries it,
    within the attempt limit, not every drain."""
    event = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment()))
    RawEvent.objects.filter(pk=event.pk).update(attempts=1)
    assert raw_events_drain() == 0
    event.refresh_from_db()
    assert (event.status, event.attempts) == (RawEventStatus.RECEIVED, 1)
    failed = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=b"not json")
    raw_event_process(event_id=failed.pk)
    assert raw_events_drain() == 0
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (RawEventStatus.FAILED, 1)


def test_the_stored_event_is_the_row_in_the_database(facebook_config):
    body = feed_delivery(comment())
    event = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=body, config=facebook_config)
    stored = RawEvent.objects.get()
    assert event.pk == stored.pk
    assert not event._state.adding
    for field in ("source", "body", "body_sha256", "config_id", "received_at", "status"):
        assert getattr(event, field) == getattr(stored, field), field
    assert bytes(stored.raw_body) == body
    assert (stored.attempts, stored.error, stored.processed_at) == (0, "", None)
    replay = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=body)
    assert replay.pk == stored.pk
    # The same bytes to the other hook are another delivery.
    other = raw_event_store(source=ConnectorPlatform.INSTAGRAM, body=body)
    assert other.pk != stored.pk
    assert RawEvent.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's single statement")
def test_on_postgresql_a_delivery_is_stored_in_one_statement(
    facebook_config, django_assert_num_queries
):
    body = feed_delivery(comment())
    with django_assert_num_queries(1):
        event = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=body)
    # A replay: the statement stores nothing, and the event kept is read.
    with django_assert_num_queries(2):
        assert raw_event_store(source=ConnectorPlatform.FACEBOOK, body=body).pk == event.pk
    assert RawEvent.objects.count() == 1


def prepared() -> list[str]:
    """The statements prepared on this connection, each up to its first parenthesis."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0].split("(")[0].strip() for row in cursor.fetchall()]


INSERT = f'INSERT INTO "{RawEvent._meta.db_table}"'


@pytest.fixture
def kept_connections():
    """Connections kept between requests, as in production (``DATABASE_CONN_MAX_AGE``)."""
    kept = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    yield
    connection.settings_dict["CONN_MAX_AGE"] = kept


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_on_a_kept_connection_every_delivery_runs_one_prepared_statement(facebook_config):
    """The INSERT is parsed and planned once per connection, not once per delivery, and no
    other statement is prepared; with connections not kept (a pooler in front) nothing is."""

    kept = connection.settings_dict["CONN_MAX_AGE"]
    try:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment("a")))
        assert prepared() == []
        connection.settings_dict["CONN_MAX_AGE"] = 60
        for text in ("b", "c", "d"):
            raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment(text)))
            RawEvent.objects.filter(source=ConnectorPlatform.FACEBOOK).count()
        assert prepared() == [INSERT]
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = kept
    assert RawEvent.objects.count() == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_query_observers_see_every_delivery_on_a_kept_connection(facebook_config, kept_connections):
    """An ``execute_wrapper`` (an APM's, a query counter's) sees each delivery's INSERT, also
    once the statement's cursor is kept with the connection."""
    seen = []

    def observe(execute, sql, params, many, context):
        seen.append(sql.split("(")[0].strip())
        return execute(sql, params, many, context)

    raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment("a")))
    with connection.execute_wrapper(observe):
        for text in ("b", "c"):
            raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment(text)))
    assert seen == [INSERT, INSERT]
    assert RawEvent.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
@pytest.mark.django_db(transaction=True)
def test_a_delivery_on_a_renewed_connection_is_stored_and_prepared_there(
    facebook_config, kept_connections, monkeypatch, caplog
):
    monkeypatch.setattr(tasks.process_raw_event, "delay", lambda pk: None)
    raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment("a")))
    first = connection.connection
    # The connection reached its age and was closed at a request's end.
    connection.close()
    event = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment("b")))
    assert connection.connection is not first
    assert RawEvent.objects.order_by("pk").last().pk == event.pk
    assert RawEvent.objects.count() == 2
    assert prepared() == [INSERT]
    # Stored at the first try: nothing of the closed connection was used again.
    assert "sent again" not in caplog.text


def test_inside_a_transaction_marked_for_rollback_the_store_refuses(facebook_config):
    """A delivery stored in a transaction that will be rolled back would be answered as kept
    and then lost: the store refuses, as every Django query does there."""
    with pytest.raises(TransactionManagementError), transaction.atomic():
        transaction.set_rollback(True)
        raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment()))
    assert not RawEvent.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's single statement")
@pytest.mark.django_db(transaction=True)
def test_a_connection_broken_while_idle_is_replaced_and_the_event_stored(
    facebook_config, monkeypatch, caplog
):
    monkeypatch.setattr(tasks.process_raw_event, "delay", lambda pk: None)
    checks = []
    backend = connections["default"]
    is_usable = backend.is_usable

    def counted():
        checks.append(1)
        return is_usable()

    monkeypatch.setattr(backend, "is_usable", counted)
    connection.ensure_connection()
    # A new request on a kept connection; the server restarted meanwhile.
    connection.health_check_done = False
    connection.connection.close()
    event = raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment()))
    assert RawEvent.objects.get().pk == event.pk
    assert "sent again on a new connection" in caplog.text
    # A healthy kept connection: the INSERT alone, without Django's SELECT 1 before it.
    connection.health_check_done = False
    raw_event_store(source=ConnectorPlatform.FACEBOOK, body=feed_delivery(comment("1_2")))
    assert RawEvent.objects.count() == 2
    assert not checks


# --- Past the middleware that serves people ---------------------------------------------------


def test_a_delivery_keeps_the_security_headers(post_webhook, facebook_config):
    response = post_webhook(feed_delivery(comment()))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]
    assert "Set-Cookie" not in response


def test_a_delivery_to_a_host_not_allowed_is_refused(client, facebook_config):
    from connectors.meta import sign

    from .conftest import APP_SECRET

    body = feed_delivery(comment())
    response = client.post(
        "/moderering/webhooks/facebook/",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
        HTTP_HOST="evil.example",
    )
    assert response.status_code == 400
    assert not RawEvent.objects.exists()


def test_a_bad_signature_is_refused_on_the_short_path_too(client, facebook_config):
    response = client.post(
        "/moderering/webhooks/instagram/",
        data=b"{}",
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64,
    )
    assert response.status_code == 403
    assert response["X-Frame-Options"] == "DENY"
    assert not RawEvent.objects.exists()
