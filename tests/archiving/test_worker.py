"""A real Celery worker over Redis builds a snapshot once, however often the task is sent.

Runs on PostgreSQL with Redis at 127.0.0.1:6379 (as CI does); skipped elsewhere with the reason.
"""

import socket
import time
import uuid

import kombu.pools
import pytest
from celery.contrib.testing.worker import start_worker
from django.core.files.storage import default_storage
from django.db import connection

from archiving import tasks
from archiving.models import Snapshot, SnapshotStatus
from haparanda_social.celery import app

from .factories import approve_in_the_past, pending_snapshot

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13


def _redis_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1):
            return True
    except OSError:
        return False


def _drop_broker_connections():
    """Forget pooled connections and producers made for the broker configured before."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # app.pool lives in kombu's global registry: a closed pool left there is handed out again.
    kombu.pools.reset()


@pytest.fixture
def redis_worker():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker thread and the test share committed data")
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}")
    keys = ("broker_url", "broker_transport_options", "task_always_eager", "task_default_queue")
    previous = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        broker_transport_options={},
        task_always_eager=False,
        # A queue of its own, so parallel runs on the same Redis cannot take each other's work.
        task_default_queue=f"archiving-test-{uuid.uuid4()}",
    )
    _drop_broker_connections()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        app.conf.update(previous)
        _drop_broker_connections()


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_a_duplicated_task_once(redis_worker, active_account):
    account = approve_in_the_past(active_account, 2024)
    snapshot = pending_snapshot(account)

    tasks.build_snapshot.delay(snapshot.pk)
    tasks.build_snapshot.delay(snapshot.pk)

    def done():
        snapshot.refresh_from_db()
        return snapshot.status == SnapshotStatus.COMPLETE

    assert _wait_for(done), f"snapshot stayed {snapshot.status}: {snapshot.error}"
    time.sleep(1.0)  # let the duplicate message arrive and be handled
    snapshot.refresh_from_db()
    assert snapshot.attempts == 1
    assert default_storage.exists(snapshot.file.name)
    assert Snapshot.objects.filter(status=SnapshotStatus.BUILDING).count() == 0
