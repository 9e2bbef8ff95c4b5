"""What the public may know about snapshots: that they exist and how to verify a copy."""

import dataclasses

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from archiving import services
from archiving.models import Snapshot, SnapshotStatus
from archiving.selectors import public_snapshots_for

from .factories import approve_in_the_past, pending_snapshot


@pytest.fixture
def account(active_account):
    return approve_in_the_past(active_account, 2024)


def test_public_selector_lists_complete_snapshots_without_any_way_to_fetch_them(
    account, django_assert_num_queries
):
    complete = services.build_snapshot(snapshot_id=pending_snapshot(account).pk)
    pending_snapshot(account)

    # One query: the complete snapshots' public columns.
    with django_assert_num_queries(1):
        listed = public_snapshots_for(account)

    assert [s.sha256 for s in listed] == [complete.sha256]
    fields = {f.name for f in dataclasses.fields(listed[0])}
    assert fields == {
        "kind",
        "kind_label",
        "period_start",
        "period_end",
        "completed_at",
        "sha256",
        "size",
        "package_id",
    }
    assert not any(hasattr(listed[0], name) for name in ("file", "url", "path", "storage_name"))


def test_public_include_shows_kind_period_date_and_checksum_but_no_link(account):
    complete = services.build_snapshot(snapshot_id=pending_snapshot(account).pk)
    html = render_to_string(
        "archiving/includes/public_snapshots.html", {"snapshots": public_snapshots_for(account)}
    )
    assert complete.sha256 in html
    assert "2025-01-01" in html
    assert complete.completed_at.strftime("%Y") in html
    assert "href" not in html
    assert "/arkiv/" not in html


def test_an_unapproved_account_shows_no_snapshots(submitted_account, account):
    # The same complete snapshot on each: only the approved account's is listed.
    for each in (submitted_account, account):
        Snapshot.objects.filter(pk=pending_snapshot(each).pk).update(
            status=SnapshotStatus.COMPLETE,
            sha256=f"{each.pk:064d}",
            size=1,
            completed_at=timezone.now(),
        )
    assert public_snapshots_for(submitted_account) == []
    assert [s.sha256 for s in public_snapshots_for(account)] == [f"{account.pk:064d}"]
