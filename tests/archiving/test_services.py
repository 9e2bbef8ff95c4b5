"""Requesting, building and checking snapshots, through the services and tasks."""

import datetime as dt
import tempfile
import zipfile

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from lxml import etree

from accounts.models import AccountDecision, AccountStatus, DecisionKind
from archiving import services, tasks
from archiving.models import FixityStatus, Snapshot, SnapshotKind, SnapshotStatus
from archiving.packaging.sections import NAMESPACE
from archiving.sources import DatabaseSource
from tests.factories import make_account

from .factories import approve_in_the_past, pending_snapshot
from .helpers import mets_entries, sha256


@pytest.fixture
def old_account(active_account):
    return approve_in_the_past(active_account, 2024)


# --- Yearly schedule and catch-up --------------------------------------------------------------


def test_yearly_schedule_snapshots_every_account_active_in_the_previous_year(
    old_account, owner, department, time_machine
):
    time_machine.move_to(dt.datetime(2026, 1, 2, 3, 0, tzinfo=timezone.get_default_timezone()))
    closed_before = approve_in_the_past(
        make_account(created_by=owner, department=department, status=AccountStatus.CLOSED), 2023
    )
    closed_before.closed_at = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    closed_before.save(update_fields=["closed_at"])
    closed_during = approve_in_the_past(
        make_account(created_by=owner, department=department, status=AccountStatus.CLOSED), 2023
    )
    closed_during.closed_at = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    closed_during.save(update_fields=["closed_at"])
    # Closed on the first morning of the year, Swedish time: official for a few hours of it.
    closed_at_new_year = approve_in_the_past(
        make_account(created_by=owner, department=department, status=AccountStatus.CLOSED), 2023
    )
    closed_at_new_year.closed_at = dt.datetime(
        2025, 1, 1, 9, tzinfo=timezone.get_default_timezone()
    )
    closed_at_new_year.save(update_fields=["closed_at"])
    make_account(created_by=owner, department=department, status=AccountStatus.SUBMITTED)

    created = tasks.schedule_yearly_snapshots.delay().get()

    assert created == 3
    yearly = Snapshot.objects.filter(kind=SnapshotKind.YEARLY)
    assert {s.account_id for s in yearly} == {
        old_account.pk,
        closed_during.pk,
        closed_at_new_year.pk,
    }
    assert {(s.year, s.period_start, s.period_end) for s in yearly} == {
        (2025, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    }


def test_catch_up_creates_only_the_missing_yearly_snapshots(
    old_account, owner, department, time_machine
):
    other = approve_in_the_past(
        make_account(created_by=owner, department=department, status=AccountStatus.ACTIVE), 2025
    )
    services.request_yearly_snapshot(account=old_account, year=2024)

    # No catch-up ran in 2026: two years are missing, and every one is reported.
    time_machine.move_to(dt.datetime(2027, 2, 1, 3, 0, tzinfo=timezone.get_default_timezone()))
    created = services.catch_up_snapshots(today=dt.date(2027, 2, 1))

    assert sorted((s.account_id, s.year) for s in created) == sorted(
        [(old_account.pk, 2025), (other.pk, 2025), (old_account.pk, 2026), (other.pk, 2026)]
    )
    assert Snapshot.objects.filter(kind=SnapshotKind.YEARLY).count() == 5
    assert services.catch_up_snapshots(today=dt.date(2027, 2, 1)) == []


def test_the_database_allows_one_yearly_snapshot_per_account_and_year(old_account):
    services.request_yearly_snapshot(account=old_account, year=2025)
    with pytest.raises(IntegrityError), transaction.atomic():
        Snapshot.objects.create(
            account=old_account,
            kind=SnapshotKind.YEARLY,
            year=2025,
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
        )


def test_catch_up_resends_a_build_whose_message_was_lost(
    old_account, django_capture_on_commit_callbacks
):
    snapshot = pending_snapshot(old_account)
    Snapshot.objects.filter(pk=snapshot.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    services.request_yearly_snapshot(account=old_account, year=2024)
    services.request_yearly_snapshot(account=old_account, year=2025)

    with django_capture_on_commit_callbacks(execute=True):
        services.catch_up_snapshots(today=dt.date(2026, 2, 1))

    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE


def test_catch_up_resends_a_build_whose_worker_died(
    old_account, settings, django_capture_on_commit_callbacks
):
    snapshot = pending_snapshot(old_account)
    started = timezone.now() - dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES + 1)
    Snapshot.objects.filter(pk=snapshot.pk).update(
        status=SnapshotStatus.BUILDING, started_at=started, attempts=1
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.catch_up_snapshots(today=dt.date(2024, 6, 1))

    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts) == (SnapshotStatus.COMPLETE, 2)


def test_each_closing_gets_a_closure_snapshot_of_its_own(old_account, owner, department):
    other = approve_in_the_past(
        make_account(created_by=owner, department=department, status=AccountStatus.ACTIVE), 2024
    )
    # A change snapshot of the first account is still waiting to be built.
    change = services.request_change_snapshot(account=old_account, actor=owner, reason="Ny ägare.")

    first = services.request_closure_snapshot(account=old_account, actor=owner)
    second = services.request_closure_snapshot(account=other, actor=owner)

    assert (first.account, first.kind) == (old_account, SnapshotKind.CLOSURE)
    assert (second.account, second.kind) == (other, SnapshotKind.CLOSURE)
    assert len({change.pk, first.pk, second.pk}) == 3
    # Asked again while it waits, the same one.
    assert services.request_closure_snapshot(account=old_account, actor=owner) == first


def test_catch_up_tries_a_failed_build_again(old_account, django_capture_on_commit_callbacks):
    snapshot = pending_snapshot(old_account)
    Snapshot.objects.filter(pk=snapshot.pk).update(
        status=SnapshotStatus.FAILED, error="OSError: disk full", attempts=6
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.catch_up_snapshots(today=dt.date(2024, 6, 1))

    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.error, snapshot.attempts) == (SnapshotStatus.COMPLETE, "", 7)


# --- Building ----------------------------------------------------------------------------------


def test_a_build_stores_a_complete_package_with_its_checksum(old_account, archive_storage):
    snapshot = pending_snapshot(old_account)

    tasks.build_snapshot.delay(snapshot.pk)

    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE
    assert snapshot.file.name == f"archives/{old_account.pk}/{snapshot.package_id}.zip"
    data = default_storage.open(snapshot.file.name).read()
    assert snapshot.sha256 == sha256(data)
    assert snapshot.size == len(data)
    assert snapshot.counts["decisions"] >= 0
    with default_storage.open(snapshot.file.name) as f, zipfile.ZipFile(f) as zf:
        root = str(snapshot.package_id)
        listed = mets_entries(zf, root)
        for path, attrs in listed.items():
            assert attrs["CHECKSUM"] == sha256(zf.read(f"{root}/{path}"))


def test_a_duplicated_build_task_builds_once(old_account, monkeypatch):
    snapshot = pending_snapshot(old_account)
    built = []
    real = services.build_package
    monkeypatch.setattr(
        services, "build_package", lambda *a, **kw: built.append(1) or real(*a, **kw)
    )

    tasks.build_snapshot.delay(snapshot.pk)
    first = Snapshot.objects.get(pk=snapshot.pk)
    tasks.build_snapshot.delay(snapshot.pk)

    snapshot.refresh_from_db()
    assert built == [1]
    assert snapshot.attempts == 1
    assert (snapshot.sha256, snapshot.completed_at) == (first.sha256, first.completed_at)


def test_a_build_another_worker_has_claimed_is_left_alone(old_account, monkeypatch):
    snapshot = pending_snapshot(old_account)
    Snapshot.objects.filter(pk=snapshot.pk).update(
        status=SnapshotStatus.BUILDING, started_at=timezone.now()
    )
    monkeypatch.setattr(services, "build_package", lambda *a, **kw: pytest.fail("built twice"))

    result = services.build_snapshot(snapshot_id=snapshot.pk)

    assert result.status == SnapshotStatus.BUILDING


def test_a_build_whose_worker_died_is_taken_over_once_stale(old_account, settings):
    snapshot = pending_snapshot(old_account)
    started = timezone.now() - dt.timedelta(minutes=settings.ARCHIVING_STALE_MINUTES + 1)
    Snapshot.objects.filter(pk=snapshot.pk).update(
        status=SnapshotStatus.BUILDING, started_at=started, attempts=1
    )

    result = services.build_snapshot(snapshot_id=snapshot.pk)

    assert (result.status, result.attempts) == (SnapshotStatus.COMPLETE, 2)


def test_a_failed_build_leaves_a_failed_snapshot_with_its_error_and_no_file(
    old_account, archive_storage, monkeypatch, tmp_path
):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    snapshot = pending_snapshot(old_account)

    def broken_items(self):
        yield from ()
        raise ConnectionError("database went away")

    monkeypatch.setattr(DatabaseSource, "items", broken_items)

    with pytest.raises(ConnectionError):
        services.build_snapshot(snapshot_id=snapshot.pk)

    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED
    assert "database went away" in snapshot.error
    assert not snapshot.file
    assert not archive_storage.exists() or not any(archive_storage.rglob("*.zip"))
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_failing_build_task_is_retried_and_stays_failed(old_account, monkeypatch):
    snapshot = pending_snapshot(old_account)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "build_package", broken)

    with pytest.raises(Retry) as retry:
        tasks.build_snapshot.delay(snapshot.pk)

    assert isinstance(retry.value.exc, OSError)
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED
    assert "disk full" in snapshot.error

    # The retry finds the failed snapshot and may claim it again.
    monkeypatch.undo()
    tasks.build_snapshot.delay(snapshot.pk)
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.attempts, snapshot.error) == (SnapshotStatus.COMPLETE, 2, "")


def test_build_task_is_acknowledged_late_and_retried_with_backoff():
    task = tasks.build_snapshot
    assert task.acks_late is True
    assert task.retry_backoff and task.max_retries >= 3
    assert Exception in task.autoretry_for


# --- Closure and larger changes ------------------------------------------------------------------


def test_closing_an_account_closes_it_only_when_its_closure_snapshot_is_complete(
    old_account, owner, django_capture_on_commit_callbacks, monkeypatch
):
    from accounts.services import account_close

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "build_package", broken)
    with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        account_close(account=old_account, actor=owner, comment="Projektet är slut.")
    old_account.refresh_from_db()
    snapshot = Snapshot.objects.get(account=old_account, kind=SnapshotKind.CLOSURE)
    assert old_account.status == AccountStatus.CLOSING
    assert snapshot.status == SnapshotStatus.FAILED
    assert snapshot.requested_by == owner

    monkeypatch.undo()
    tasks.build_snapshot.delay(snapshot.pk)

    old_account.refresh_from_db()
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE
    assert (snapshot.period_start, snapshot.period_end) == (
        old_account.starts_on,
        timezone.localdate(),
    )
    assert old_account.status == AccountStatus.CLOSED
    assert old_account.closed_at is not None
    decision = AccountDecision.objects.filter(account=old_account).latest("created_at")
    assert (decision.kind, decision.actor) == (DecisionKind.CLOSED, owner)


def test_a_closure_snapshot_of_an_account_closed_meanwhile_still_completes(old_account, owner):
    snapshot = services.closure_hook(old_account, requested_by=owner)
    old_account.status = AccountStatus.CLOSED
    old_account.save(update_fields=["status"])

    services.build_snapshot(snapshot_id=snapshot.pk)

    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.COMPLETE
    assert not AccountDecision.objects.filter(account=old_account, kind=DecisionKind.CLOSED)


def test_requesting_closure_twice_gives_the_same_snapshot(old_account, owner):
    first = services.request_closure_snapshot(account=old_account, actor=owner)
    second = services.request_closure_snapshot(account=old_account, actor=owner)
    assert first == second


def test_a_change_snapshot_covers_this_year_and_keeps_the_reason(
    old_account, owner, django_capture_on_commit_callbacks, settings
):
    settings.MUNICIPALITY_NAME = "Haparanda stad, kommunstyrelsen"
    settings.ARCHIVE_ORGANISATION_NUMBER = "212000-9999"
    with django_capture_on_commit_callbacks(execute=True):
        snapshot = services.request_change_snapshot(
            account=old_account, actor=owner, reason="Ny kontoansvarig."
        )
    snapshot.refresh_from_db()
    today = timezone.localdate()
    assert (snapshot.period_start, snapshot.period_end) == (dt.date(today.year, 1, 1), today)
    assert snapshot.reason == "Ny kontoansvarig."
    assert snapshot.requested_by == owner
    assert snapshot.status == SnapshotStatus.COMPLETE
    # The package itself says why it was made, and who made and archived it.
    with default_storage.open(snapshot.file.name) as f, zipfile.ZipFile(f) as zf:
        root = str(snapshot.package_id)
        description = etree.fromstring(zf.read(f"{root}/metadata/descriptive/description.xml"))
        mets = etree.fromstring(zf.read(f"{root}/METS.xml"))
    ns = {"a": NAMESPACE, "mets": "http://www.loc.gov/METS/"}
    assert description.findtext("a:reason", namespaces=ns) == "Ny kontoansvarig."
    assert description.findtext("a:creator", namespaces=ns) == "Haparanda stad, kommunstyrelsen"
    archivist = mets.find("mets:metsHdr/mets:agent[@TYPE='ORGANIZATION']", ns)
    assert archivist.findtext("mets:name", namespaces=ns) == "Haparanda stad, kommunstyrelsen"
    assert archivist.findtext("mets:note", namespaces=ns) == "212000-9999"


# --- Fixity ------------------------------------------------------------------------------------


@pytest.fixture
def stored(old_account):
    snapshot = pending_snapshot(old_account)
    return services.build_snapshot(snapshot_id=snapshot.pk)


def test_fixity_check_passes_an_untouched_package(stored, communicator):
    problems = tasks.check_fixity.delay().get()
    stored.refresh_from_db()
    assert problems == 0
    assert stored.fixity_status == FixityStatus.OK
    check = stored.fixity_checks.get()
    assert (check.actual_sha256, check.actual_size) == (stored.sha256, stored.size)
    assert mail.outbox == []


def test_fixity_check_records_the_size_of_a_cut_package(stored, archive_storage, monkeypatch):
    # A package read in several pieces, as a real one of many megabytes is.
    monkeypatch.setattr(services, "READ_CHUNK", 4096)
    path = archive_storage / stored.file.name
    assert path.stat().st_size > 3 * 4096
    path.write_bytes(path.read_bytes()[:-10])

    [problem] = services.check_all_fixity()

    assert problem.result == FixityStatus.MISMATCH
    assert problem.actual_size == stored.size - 10


def test_fixity_check_detects_a_changed_byte_and_mails_the_communicator(
    stored, communicator, archive_storage
):
    path = archive_storage / stored.file.name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    problems = services.check_all_fixity()

    stored.refresh_from_db()
    assert [p.result for p in problems] == [FixityStatus.MISMATCH]
    assert stored.fixity_status == FixityStatus.MISMATCH
    assert stored.sha256 != problems[0].actual_sha256
    assert len(mail.outbox) == 1
    assert communicator.email in mail.outbox[0].to
    assert str(stored.package_id) in mail.outbox[0].body


def test_fixity_check_reports_a_missing_package(stored, communicator, archive_storage):
    (archive_storage / stored.file.name).unlink()
    problems = services.check_all_fixity()
    stored.refresh_from_db()
    assert stored.fixity_status == FixityStatus.MISSING
    assert len(problems) == 1
    assert len(mail.outbox) == 1


# --- What a package built from the database holds ----------------------------------------------


def test_a_yearly_package_holds_the_registry_record_and_only_that_years_decisions(
    old_account, communicator
):
    old_account.purpose = '<img src=x onerror="alert(1)"> & mer'
    old_account.save(update_fields=["purpose"])
    tz = timezone.get_default_timezone()
    for year, comment in ((2024, "förra året"), (2025, "i år"), (2026, "nästa år")):
        AccountDecision.objects.create(
            account=old_account,
            kind=DecisionKind.CREDENTIALS_UPDATED,
            actor=communicator,
            comment=comment,
            created_at=dt.datetime(year, 6, 1, 12, tzinfo=tz),
        )
    snapshot, _ = services.request_yearly_snapshot(account=old_account, year=2025)

    snapshot = services.build_snapshot(snapshot_id=snapshot.pk)

    root = str(snapshot.package_id)
    with default_storage.open(snapshot.file.name) as f, zipfile.ZipFile(f) as zf:
        account_xml = zf.read(f"{root}/representations/rep01-structured/data/account.xml")
        html = zf.read(f"{root}/representations/rep02-rendering/data/index.html").decode()
        description = zf.read(f"{root}/metadata/descriptive/description.xml").decode()
    doc = etree.fromstring(account_xml)
    ns = {"a": "urn:haparanda-social:archive:1"}
    assert [c.text for c in doc.findall("a:decisions/a:decision/a:comment", ns)] == ["i år"]
    assert doc.find("a:account/a:purpose", ns).text == old_account.purpose
    assert doc.find("a:account/a:department", ns).text == old_account.department.name
    assert len(doc.findall("a:account/a:roles/a:role", ns)) == 3
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; mer" in html
    assert 'start="2025-01-01" end="2025-12-31"' in description
    assert snapshot.counts == {
        "decisions": 1,
        "items": 0,
        "versions": 0,
        "moderation_actions": 0,
        "outbound_actions": 0,
        "media_files": 0,
        "evidence": 0,
    }
