"""Retention fixtures: old items, evidence and actions on the active account, complete
archival packages that cover a year, and a second account to hold."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from accounts.models import AccountStatus, Role
from archiving.models import Snapshot, SnapshotKind, SnapshotStatus
from moderation.models import (
    ActionKind,
    Evidence,
    ItemKind,
    ItemSource,
    ItemStatus,
    ModerationAction,
    sha256_hex,
)
from moderation.services import ingest_item
from tests.factories import add_role, make_account

_ids = itertools.count(1)
TZ = timezone.get_default_timezone()


def old_item(account, year: int, *, month: int = 6, status=ItemStatus.HANDLED, **fields):
    """An item published in ``year``, handled (open items are never culled)."""
    fields.setdefault("platform_id", f"r{next(_ids)}")
    fields.setdefault("kind", ItemKind.COMMENT)
    fields.setdefault("author_name", "Anna Andersson")
    fields.setdefault("source", ItemSource.API)
    fields.setdefault("text", f"Kommentar {fields['platform_id']}")
    published = dt.datetime(year, month, 1, 12, tzinfo=TZ)
    item = ingest_item(account=account, published_at=published, **fields).item
    type(item).objects.filter(pk=item.pk).update(status=status, captured_at=published)
    item.refresh_from_db()
    return item


def complete_snapshot(account, year: int, *, content: bytes = b"package") -> Snapshot:
    """A complete yearly package of ``year`` whose stored file matches its checksum."""
    snapshot = Snapshot.objects.create(
        account=account,
        kind=SnapshotKind.YEARLY,
        year=year,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        status=SnapshotStatus.COMPLETE,
        completed_at=timezone.now(),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
    )
    name = default_storage.save(snapshot.storage_name, ContentFile(content))
    Snapshot.objects.filter(pk=snapshot.pk).update(file=name)
    snapshot.refresh_from_db()
    return snapshot


def removal_records(item, actor):
    """Evidence and a decision record for ``item``, both dated when the item was published."""
    data_json = json.dumps({"text": item.text})
    html = f"<p>{item.text}</p>"
    evidence = Evidence.objects.create(
        item=item,
        data_json=data_json,
        data_sha256=sha256_hex(data_json),
        html=html,
        html_sha256=sha256_hex(html),
        taken_by=actor,
        taken_at=item.published_at,
    )
    action = ModerationAction.objects.create(
        item=item,
        kind=ActionKind.TRIAGED,
        actor=actor,
        created_at=item.published_at,
        reply_text="Tack för din kommentar, Anna!",
        reason="Svar",
        details={"recipient": "anna@example.se"},
    )
    return evidence, action


@pytest.fixture
def second_account(owner, deputy, manager, other_manager, department):
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda bibliotek",
        url="https://www.facebook.com/haparandabibliotek",
        handle="haparandabibliotek",
    )
    add_role(account, owner, Role.OWNER, manager=manager)
    add_role(account, deputy, Role.DEPUTY, manager=other_manager)
    return account
