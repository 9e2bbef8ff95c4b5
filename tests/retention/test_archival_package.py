"""The culling log goes into the next yearly archival package's documentation, and the package
still passes the E-ARK reference validator (R20, R22)."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.test import TestCase
from django.utils import timezone

from archiving import services as archiving
from archiving.models import SnapshotStatus
from retention import services
from retention.models import CullingLogEntry
from tests.archiving.factories import approve_in_the_past
from tests.archiving.test_eark_validation import _package_path, counted_errors, validate

from .conftest import old_item

TZ = timezone.get_default_timezone()


@pytest.fixture(autouse=True)
def archive_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.django_db
def test_the_yearly_package_documents_the_years_culling_and_validates(
    active_account, communicator, time_machine, tmp_path
):
    account = approve_in_the_past(active_account, 2023)
    old_item(account, 2023)
    time_machine.move_to(dt.datetime(2025, 3, 1, 10, tzinfo=TZ))
    services.rule_change(
        kind="visitor_items",
        actor=communicator,
        period_months=12,
        anchor="end_of_year",
        disposal="cull",
        decision_body="Kommunstyrelsen",
        decision_date=dt.date(2025, 2, 1),
        decision_reference="KS 2025/17",
        why="Plan antagen.",
    )
    proposal = services.proposal_prepare(actor=communicator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.proposal_approve(proposal=proposal, actor=communicator)
    entry = CullingLogEntry.objects.get(kind="visitor_items")
    assert entry.culled == 1

    time_machine.move_to(dt.datetime(2026, 1, 2, 3, tzinfo=TZ))
    yearly, _ = archiving.request_yearly_snapshot(account=account, year=2025)
    yearly = archiving.build_snapshot(snapshot_id=yearly.pk)
    assert yearly.status == SnapshotStatus.COMPLETE

    with default_storage.open(yearly.file.name, "rb") as f, zipfile.ZipFile(f) as zf:
        name = f"{yearly.package_id}/documentation/gallringslogg.json"
        log = json.loads(zf.read(name))["gallringslogg"]
        mets = zf.read(f"{yearly.package_id}/METS.xml").decode()
    kinds = {e["information_type"]: e for e in log}
    assert kinds["visitor_items"]["identifiers_sha256"] == entry.identifiers_sha256
    assert kinds["visitor_items"]["rule"]["decision_reference"] == "KS 2025/17"
    assert "documentation/gallringslogg.json" in mets

    report = validate(_package_path(yearly, tmp_path))
    assert report["structure"] == "WellFormed", report
    assert counted_errors(report) == [], json.dumps(report["errors"], indent=1)
