"""A complete snapshot never changes; killed builds leave nothing behind; a redelivered task
resumes its build at once (issue #14)."""

import datetime as dt
import os
import stat
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from archiving import services, tasks
from archiving.models import SnapshotStatus

from .factories import approve_in_the_past, pending_snapshot
from .helpers import sha256

TZ = timezone.get_default_timezone()


@pytest.fixture
def snapshot(active_account):
    return pending_snapshot(approve_in_the_past(active_account, 2024))


def _stored(snapshot) -> bytes:
    with default_storage.open(snapshot.file.name, "rb") as f:
        return f.read()


def test_a_build_that_finishes_after_a_takeover_does_not_rewrite_the_snapshot(
    snapshot, monkeypatch, time_machine, settings
):
    """The first build outlives ARCHIVING_STALE_MINUTES, a second takes over and completes,
    then the first finishes: the complete snapshot, its file and its SHA-256 stay as they are."""
    time_machine.move_to(dt.datetime(2026, 2, 1, 10, tzinfo=TZ))
    real_build = services.build_package
    seen = {}

    def first_build_outlived(*args, **kwargs):
        if not seen:
            seen["first"] = True
            time_machine.shift(dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES + 1))
            seen["second"] = services.build_snapshot(snapshot_id=snapshot.pk)
            time_machine.shift(dt.timedelta(minutes=5))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(services, "build_package", first_build_outlived)
    services.build_snapshot(snapshot_id=snapshot.pk)

    second = seen["second"]
    assert second.status == SnapshotStatus.COMPLETE
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE
    assert snapshot.attempts == 2
    assert (snapshot.sha256, snapshot.completed_at) == (second.sha256, second.completed_at)
    assert sha256(_stored(snapshot)) == second.sha256


def test_a_complete_snapshot_is_never_built_again(snapshot, time_machine, settings):
    time_machine.move_to(dt.datetime(2026, 2, 1, 10, tzinfo=TZ))
    done = services.build_snapshot(snapshot_id=snapshot.pk)
    time_machine.shift(dt.timedelta(days=3))
    again = services.build_snapshot(snapshot_id=snapshot.pk)
    tasks.build_snapshot.apply(args=[snapshot.pk], task_id="another-message")
    again.refresh_from_db()
    assert (again.sha256, again.attempts, again.completed_at) == (
        done.sha256,
        1,
        done.completed_at,
    )


def test_a_failure_of_a_superseded_build_leaves_the_complete_snapshot_alone(
    snapshot, monkeypatch, time_machine, settings
):
    time_machine.move_to(dt.datetime(2026, 2, 1, 10, tzinfo=TZ))
    real_build = services.build_package

    def outlived_then_broken(*args, **kwargs):
        monkeypatch.setattr(services, "build_package", real_build)
        time_machine.shift(dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES + 1))
        services.build_snapshot(snapshot_id=snapshot.pk)
        raise OSError("disk full")

    monkeypatch.setattr(services, "build_package", outlived_then_broken)
    with pytest.raises(OSError):
        services.build_snapshot(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE
    assert snapshot.error == ""


def test_a_failure_of_a_superseded_build_leaves_the_build_that_took_over_alone(
    snapshot, monkeypatch, time_machine, settings
):
    time_machine.move_to(dt.datetime(2026, 2, 1, 10, tzinfo=TZ))

    def outlived_then_broken(*args, **kwargs):
        # Another worker takes the build over once it is stale, and is still building it when
        # the first attempt fails.
        time_machine.shift(dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES + 1))
        assert services._claim(snapshot.pk) == 2
        raise OSError("disk full")

    monkeypatch.setattr(services, "build_package", outlived_then_broken)
    with pytest.raises(OSError):
        services.build_snapshot(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts, snapshot.error) == (
        SnapshotStatus.BUILDING,
        2,
        "",
    )


def test_a_killed_builds_temporary_zip_and_folder_are_removed(snapshot, time_machine, settings):
    time_machine.move_to(dt.datetime(2026, 2, 1, 10, tzinfo=TZ))
    attempt = services._claim(snapshot.pk)  # a build started, and its worker was killed
    work = services.work_root()
    left_zip = work / f"snapshot-{snapshot.pk}-attempt-{attempt}.zip"
    left_zip.write_bytes(b"x" * 1000)
    left_dir = work / f"snapshot-{snapshot.pk}-attempt-{attempt}" / "pkg" / "representations"
    left_dir.mkdir(parents=True)
    (left_dir / "items.xml").write_text("<items/>")

    time_machine.shift(dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES + 1))
    services.build_snapshot(snapshot_id=snapshot.pk)

    assert list(work.iterdir()) == []


def test_by_default_a_build_works_in_a_private_folder_of_the_installations_own(
    snapshot, monkeypatch, settings
):
    """Not in the system's temp folder, which other users and other installations on the
    host share: the packages hold personal data, and another installation's build of its own
    snapshot with the same number would be taken for this one's leftover."""
    settings.ARCHIVING_WORK_DIR = ""
    real_build = services.build_package
    seen = {}

    def watched(info, source, tmp, **kwargs):
        seen["folder"] = Path(tmp).parent
        seen["mode"] = stat.S_IMODE(Path(tmp).parent.stat().st_mode)
        return real_build(info, source, tmp, **kwargs)

    monkeypatch.setattr(services, "build_package", watched)
    services.build_snapshot(snapshot_id=snapshot.pk)

    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE
    assert seen["folder"] == Path(settings.MEDIA_ROOT) / "archive-work"
    assert seen["mode"] == 0o700
    assert list(seen["folder"].iterdir()) == []


def test_the_catch_up_removes_old_leftovers_of_any_build(snapshot, settings):
    work = services.work_root()
    old = work / "snapshot-999-attempt-3"
    (old / "data").mkdir(parents=True)
    (work / "snapshot-999-attempt-3.zip").write_bytes(b"zip")
    fresh = work / "snapshot-998-attempt-1.zip"
    fresh.write_bytes(b"being written now")
    # A build that has run for a few minutes, well within the limit, is still being written.
    running = work / "snapshot-997-attempt-1.zip"
    running.write_bytes(b"being written for a while")
    now = timezone.now().timestamp()
    a_while_ago = now - 3 * 60
    os.utime(running, (a_while_ago, a_while_ago))
    long_ago = now - (settings.ARCHIVING_STALE_MINUTES + 5) * 60
    for path in (old, work / "snapshot-999-attempt-3.zip"):
        os.utime(path, (long_ago, long_ago))

    services.catch_up_snapshots(today=dt.date(2026, 2, 1))

    assert sorted(p.name for p in work.iterdir()) == [running.name, fresh.name]


def test_a_task_redelivered_after_its_worker_was_lost_resumes_the_build(snapshot):
    # The first delivery of task "msg-1" claimed the snapshot; its worker process was killed.
    services._claim(snapshot.pk, "msg-1")
    # A different message (a duplicate send) does not take over a build in progress …
    assert tasks.build_snapshot.apply(args=[snapshot.pk], task_id="msg-2").get() == "building"
    # … but the same message, redelivered (late ack, rejected on worker lost), resumes at once.
    assert tasks.build_snapshot.apply(args=[snapshot.pk], task_id="msg-1").get() == "complete"
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE
    assert snapshot.attempts == 2


def test_the_build_task_is_rejected_back_to_the_queue_when_its_worker_is_lost():
    assert tasks.build_snapshot.acks_late is True
    assert tasks.build_snapshot.reject_on_worker_lost is True
