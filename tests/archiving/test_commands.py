from io import StringIO

import pytest
from django.core.management import call_command

from archiving import services
from archiving.models import Snapshot, SnapshotKind

from .factories import approve_in_the_past, pending_snapshot


def test_the_catch_up_command_creates_the_missing_yearly_snapshots(active_account):
    approve_in_the_past(active_account, 2024)
    out = StringIO()
    call_command("archive_catch_up", stdout=out)
    assert Snapshot.objects.filter(kind=SnapshotKind.YEARLY, year=2024).count() == 1
    assert call_command("archive_catch_up", stdout=StringIO()) is None
    assert Snapshot.objects.filter(kind=SnapshotKind.YEARLY, year=2024).count() == 1


def test_the_fixity_command_fails_when_a_package_changed(active_account, archive_storage):
    snapshot = services.build_snapshot(snapshot_id=pending_snapshot(active_account).pk)
    call_command("archive_check_fixity", stdout=StringIO())
    (archive_storage / snapshot.file.name).write_bytes(b"not the package")
    with pytest.raises(SystemExit):
        call_command("archive_check_fixity", stdout=StringIO(), stderr=StringIO())
