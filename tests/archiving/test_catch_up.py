"""The daily catch-up resends only what was forgotten: a build sent a moment ago, one a worker is
building now and a finished package are left alone. A yearly snapshot says what it is."""

import datetime as dt

import pytest
from django.utils import timezone

from archiving import services
from archiving.models import Snapshot, SnapshotStatus

from .factories import approve_in_the_past, pending_snapshot


@pytest.fixture
def old_account(active_account):
    return approve_in_the_past(active_account, 2024)


def test_catch_up_leaves_builds_in_flight_and_finished_packages_alone(
    old_account, django_capture_on_commit_callbacks
):
    services.request_yearly_snapshot(account=old_account, year=2024)
    services.request_yearly_snapshot(account=old_account, year=2025)
    finished = services.build_snapshot(snapshot_id=pending_snapshot(old_account).pk)
    long_ago = timezone.now() - dt.timedelta(days=30)
    Snapshot.objects.filter(pk=finished.pk).update(created_at=long_ago, started_at=long_ago)
    just_sent = pending_snapshot(old_account)
    being_built = pending_snapshot(old_account)
    Snapshot.objects.filter(pk=being_built.pk).update(
        status=SnapshotStatus.BUILDING, started_at=timezone.now(), attempts=1
    )
    Snapshot.objects.exclude(pk__in=[finished.pk, just_sent.pk, being_built.pk]).update(
        status=SnapshotStatus.COMPLETE, created_at=long_ago, started_at=long_ago
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = services.catch_up_snapshots(today=dt.date(2026, 2, 1))

    assert created == []
    assert callbacks == []
    statuses = dict(Snapshot.objects.values_list("pk", "status"))
    assert statuses[just_sent.pk] == SnapshotStatus.PENDING
    assert statuses[being_built.pk] == SnapshotStatus.BUILDING
    assert statuses[finished.pk] == SnapshotStatus.COMPLETE


def test_a_yearly_snapshot_gives_its_reason(old_account):
    snapshot, created = services.request_yearly_snapshot(account=old_account, year=2025)
    assert created
    snapshot.refresh_from_db()
    assert snapshot.reason == "Årlig ögonblicksbild"
    again, created_again = services.request_yearly_snapshot(account=old_account, year=2025)
    assert (again, created_again) == (snapshot, False)
