"""Culling an item takes with it what the connectors keep beside it: its exact texts, its
attachments and their stored files, once no other attachment names the same bytes (R22)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import time

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from connectors.media import exact_text_record, remove_orphaned_media
from connectors.models import Attachment, AttachmentKind, AttachmentStatus, ExactText, media_file
from retention import services
from retention.culling import culling_writes
from retention.models import CullingLogEntry, CullingRun, RunStatus

from .conftest import old_item

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"bild av Anna" * 10


def stored_attachment(item, content: bytes = PNG, *, key: str = "a", mime: str = "image/png"):
    """An attachment whose bytes are stored, as the download leaves it."""
    sha = hashlib.sha256(content).hexdigest()
    path = media_file(sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    old = time.time() - 86400
    os.utime(path, (old, old))
    return Attachment.objects.create(
        item=item,
        key=key,
        kind=AttachmentKind.IMAGE,
        source_url=f"https://scontent.xx.fbcdn.net/{key}.png",
        title="Bild",
        mime_type=mime,
        size=len(content),
        sha256=sha,
        status=AttachmentStatus.STORED,
        stored_at=timezone.now(),
    )


def _rule(communicator):
    return services.rule_change(
        kind="visitor_items",
        actor=communicator,
        period_months=12,
        anchor="end_of_year",
        disposal="cull",
        decision_body="Kommunstyrelsen",
        decision_date=dt.date(2025, 3, 1),
        decision_reference="KS 2025/17",
        why="Informationshanteringsplanen antagen.",
    )


def _approve(communicator):
    proposal = services.proposal_prepare(actor=communicator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.proposal_approve(proposal=proposal, actor=communicator)
    run.refresh_from_db()
    return run


def test_culling_deletes_exact_texts_attachments_and_unshared_files(
    active_account, communicator, owner_client
):
    _rule(communicator)
    due = old_item(active_account, 2021)
    kept = old_item(active_account, timezone.localdate().year)
    assert exact_text_record(item=due, exact="Hej\x00Anna") is not None
    assert exact_text_record(item=kept, exact="Hej\x00Bo") is not None
    own = stored_attachment(due, key="own")
    shared_content = b"\x89PNG\r\n\x1a\n delad bild"
    stored_attachment(due, shared_content, key="shared")
    other = stored_attachment(kept, shared_content, key="shared")
    url = reverse("moderation:attachment_file", args=[own.pk])
    assert owner_client.get(url).status_code == 200

    run = _approve(communicator)

    assert run.status == RunStatus.DONE
    assert not ExactText.objects.filter(item=due).exists()
    assert ExactText.objects.filter(item=kept).count() == 1
    assert not Attachment.objects.filter(item=due).exists()
    assert not media_file(own.sha256).exists()
    # The same bytes are still an attachment of a kept item: the file stays.
    assert media_file(other.sha256).read_bytes() == shared_content
    log = CullingLogEntry.objects.get(run=run, kind="visitor_items")
    assert log.counts == {
        "items": 1,
        "item_versions": 1,
        "exact_texts": 1,
        "attachments": 2,
        "attachment_files": 1,
    }
    # The culled item's image is no longer served.
    assert owner_client.get(url).status_code == 404
    assert owner_client.get(due.get_absolute_url()).status_code == 200


def test_a_run_killed_before_the_files_went_deletes_them_when_run_again(
    active_account, communicator, monkeypatch
):
    _rule(communicator)
    item = old_item(active_account, 2021)
    attachment = stored_attachment(item)
    # Killed after the batch committed, before its files were deleted.
    monkeypatch.setattr("connectors.media.remove_media_files", lambda shas: 0)
    monkeypatch.setattr("connectors.media.remove_orphaned_media", lambda: 0)
    run = _approve(communicator)
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert media_file(attachment.sha256).exists()
    monkeypatch.undo()

    CullingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    services.run_culling(run_id=run.pk)

    assert not media_file(attachment.sha256).exists()


def test_the_sweep_leaves_a_file_being_downloaded_and_every_named_one(active_account):
    item = old_item(active_account, 2021)
    named = stored_attachment(item)
    fresh = media_file("f" * 64)
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(b"just renamed into place")
    orphan = media_file("e" * 64)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a killed run")
    old = time.time() - 86400
    os.utime(orphan, (old, old))

    assert remove_orphaned_media() == 1

    assert not orphan.exists()
    assert fresh.exists() and media_file(named.sha256).exists()


def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers guard PostgreSQL, the production database")


def test_the_database_lets_only_culling_delete_an_exact_text(active_account):
    _postgresql()
    item = old_item(active_account, 2021)
    exact = exact_text_record(item=item, exact="Hej\x00Anna")
    for sql in (
        "DELETE FROM connectors_exacttext WHERE id = %s",
        "UPDATE connectors_exacttext SET exact_sha256 = 'x' WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [exact.pk])
    # On the culling path an exact text can be deleted, never changed.
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        culling_writes(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE connectors_exacttext SET exact_sha256 = 'x' WHERE id = %s", [exact.pk]
        )
    with transaction.atomic(), culling_writes(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM connectors_exacttext WHERE id = %s", [exact.pk])
    assert not ExactText.objects.filter(pk=exact.pk).exists()


def test_the_model_still_refuses_to_delete_an_exact_text(active_account):
    item = old_item(active_account, 2021)
    exact_text_record(item=item, exact="Hej\x00Anna")
    with pytest.raises(TypeError):
        ExactText.objects.all().delete()


def test_a_file_just_written_again_is_left_for_a_later_sweep(active_account):
    from connectors.media import remove_media_files

    item = old_item(active_account, 2021)
    attachment = stored_attachment(item)
    Attachment.objects.filter(pk=attachment.pk).delete()
    path = media_file(attachment.sha256)
    path.touch()  # the same bytes, just renamed into place by a download

    assert remove_media_files({attachment.sha256}) == 0
    assert path.exists()
    old = time.time() - 86400
    os.utime(path, (old, old))
    assert remove_media_files({attachment.sha256}) == 1
    assert not path.exists()
