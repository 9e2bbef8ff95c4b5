"""A failed build: what the operator reads in the log and on the snapshot, and that it fails
only its own snapshot. And the closure hook, called as the registry's contract allows."""

import logging

import pytest

from accounts.models import AccountStatus
from archiving import services
from archiving.models import SnapshotKind, SnapshotStatus

from .factories import approve_in_the_past, pending_snapshot


@pytest.fixture
def old_account(active_account):
    return approve_in_the_past(active_account, 2024)


def _break_builds(monkeypatch, exc):
    def broken(*args, **kwargs):
        raise exc

    monkeypatch.setattr(services, "build_package", broken)


def test_a_failed_build_is_logged_with_its_snapshot_and_fails_no_other(
    old_account, monkeypatch, caplog
):
    other = pending_snapshot(old_account)
    services._claim(other.pk)  # another worker is building it
    failing = pending_snapshot(old_account)
    _break_builds(monkeypatch, OSError("disk full"))

    with caplog.at_level(logging.ERROR, logger="archiving.services"), pytest.raises(OSError):
        services.build_snapshot(snapshot_id=failing.pk)

    [record] = [r for r in caplog.records if r.name == "archiving.services"]
    assert record.getMessage() == f"Snapshot {failing.pk} failed"
    assert record.exc_info is not None
    failing.refresh_from_db()
    other.refresh_from_db()
    assert (failing.status, failing.error) == (SnapshotStatus.FAILED, "OSError: disk full")
    assert other.status == SnapshotStatus.BUILDING


def test_a_long_error_is_kept_to_its_first_4000_characters(old_account, monkeypatch):
    snapshot = pending_snapshot(old_account)
    _break_builds(monkeypatch, OSError("x" * 5000))

    with pytest.raises(OSError):
        services.build_snapshot(snapshot_id=snapshot.pk)

    snapshot.refresh_from_db()
    assert snapshot.error == ("OSError: " + "x" * 5000)[:4000]


def test_the_closure_hook_names_who_started_the_closing_when_not_told(old_account, owner, settings):
    from accounts.services import account_close

    # The registry's own hook closes only once the transaction commits, which it does not here:
    # the account stays closing, with who started it recorded, and no snapshot yet.
    settings.ACCOUNTS_CLOSURE_HOOK = "accounts.closing.request_closure_snapshot"
    account_close(account=old_account, actor=owner, comment="Projektet är slut.")
    old_account.refresh_from_db()
    assert old_account.status == AccountStatus.CLOSING

    snapshot = services.closure_hook(old_account)

    assert (snapshot.kind, snapshot.requested_by) == (SnapshotKind.CLOSURE, owner)


def test_the_closure_hook_without_a_closing_started_names_no_one(old_account):
    snapshot = services.closure_hook(old_account)
    assert (snapshot.kind, snapshot.requested_by) == (SnapshotKind.CLOSURE, None)
