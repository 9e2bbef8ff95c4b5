"""Attachments in a request's delivery (#15), and the delivered files as a retention type (R22).

An item's stored attachments follow its decision: released or masked, each file is delivered
once as ``bilagor/<sha256>`` and listed with its item; withheld, not a byte of it is in any
file. The delivered files of a closed request are culled when their period has run from the
closing; the request's record stays."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from moderation.models import Item
from records.models import EventKind, RecordsRequest, RequestStatus, SecrecyProvision
from records.services import records_root, request_add_items
from retention import kinds, services
from retention.models import CullingLogEntry, LegalHold
from tests.retention.test_culling_connectors import stored_attachment

pytest.importorskip("records.delivery")
pypdf = pytest.importorskip("pypdf")

pytestmark = pytest.mark.django_db

POST_IMAGE = b"\x89PNG\r\n\x1a\n" + b"kulturveckan" * 20
COMMENT_IMAGE = b"\x89PNG\r\n\x1a\n" + b"kommentarens bild" * 20
# The withheld message's image: bytes no delivered file may hold.
SECRET_IMAGE = b"\x89PNG\r\n\x1a\n" + b"HEMLIG-BILD-LISA" * 40


def _deliver(client, records_request, thread, message, *, withhold_message=True):
    post, comment, reply = thread
    base = f"/handlingar/begaran/{records_request.pk}/objekt"
    citation = SecrecyProvision.objects.get(citation="21 kap. 7 §").pk
    client.post(f"{base}/{post.pk}/granska/", {"outcome": "release"})
    client.post(
        f"{base}/{comment.pk}/granska/",
        {"outcome": "mask", "provision": citation, "accepted": ["0"], "mask_author": "on"},
    )
    client.post(f"{base}/{reply.pk}/granska/", {"outcome": "release"})
    if withhold_message:
        client.post(f"{base}/{message.pk}/granska/", {"outcome": "withhold", "provision": citation})
    else:
        client.post(f"{base}/{message.pk}/granska/", {"outcome": "release"})
    response = client.post(f"/handlingar/begaran/{records_request.pk}/lamna-ut/")
    assert response.status_code == 302
    records_request.refresh_from_db()
    return records_request


@pytest.fixture
def with_attachments(communicator, records_request, thread, message):
    post, comment, reply = thread
    attachments = {
        "post": stored_attachment(post, POST_IMAGE, key="p"),
        "comment": stored_attachment(comment, COMMENT_IMAGE, key="c"),
        # The reply shows the same image as the post: delivered once.
        "reply": stored_attachment(reply, POST_IMAGE, key="r"),
        "message": stored_attachment(message, SECRET_IMAGE, key="m"),
    }
    request_add_items(
        request=records_request,
        actor=communicator,
        items=Item.objects.filter(pk__in=[*(i.pk for i in thread), message.pk]),
    )
    return attachments


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_released_items_attachments_are_delivered_once_and_listed(
    communicator_client, records_request, thread, message, with_attachments
):
    delivered = _deliver(communicator_client, records_request, thread, message)
    assert delivered.status == RequestStatus.DELIVERED
    folder = records_root() / str(delivered.pk)
    bilagor = sorted(p.name for p in (folder / "bilagor").iterdir())
    assert bilagor == sorted([_sha(POST_IMAGE), _sha(COMMENT_IMAGE)])
    assert (folder / "bilagor" / _sha(POST_IMAGE)).read_bytes() == POST_IMAGE

    manifest = (folder / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in manifest)
    for content in (POST_IMAGE, COMMENT_IMAGE):
        assert listed[f"bilagor/{_sha(content)}"] == _sha(content)
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest

    data = json.loads((folder / "handlingar.json").read_text(encoding="utf-8"))
    post, comment, reply = thread
    by_reference = {item["reference"]: item for item in data["items"]}
    assert by_reference[f"inlagg-{post.pk}"]["attachments"] == [
        {
            "file": f"bilagor/{_sha(POST_IMAGE)}",
            "kind": "Bild",
            "title": "Bild",
            "mime_type": "image/png",
            "size": len(POST_IMAGE),
            "sha256": _sha(POST_IMAGE),
        }
    ]
    assert [a["sha256"] for a in by_reference[f"svar-{reply.pk}"]["attachments"]] == [
        _sha(POST_IMAGE)
    ]
    # The masked comment's image is delivered with it.
    assert [a["sha256"] for a in by_reference[f"kommentar-{comment.pk}"]["attachments"]] == [
        _sha(COMMENT_IMAGE)
    ]

    raw = (folder / "handlingar.csv").read_bytes().decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(raw, newline=""), delimiter=";")
    assert header[-4:] == ["Fil", "Filtyp", "Storlek i byte", "SHA-256"]
    attachment_rows = [row for row in rows if row[1] == "Bilaga"]
    assert [(row[0], row[-4], row[-1]) for row in attachment_rows] == [
        (f"inlagg-{post.pk}", f"bilagor/{_sha(POST_IMAGE)}", _sha(POST_IMAGE)),
        (f"kommentar-{comment.pk}", f"bilagor/{_sha(COMMENT_IMAGE)}", _sha(COMMENT_IMAGE)),
        (f"svar-{reply.pk}", f"bilagor/{_sha(POST_IMAGE)}", _sha(POST_IMAGE)),
    ]

    text = "".join(
        page.extract_text() or ""
        for pdf in folder.glob("handlingar-*.pdf")
        for page in pypdf.PdfReader(pdf).pages
    )
    assert "Bilagor" in text and _sha(COMMENT_IMAGE) in text.replace("\n", "")
    assert "image/png" in text

    event = delivered.events.get(kind=EventKind.DELIVERED)
    assert f"bilagor/{_sha(POST_IMAGE)}" in event.details["files"]


def test_a_withheld_items_image_is_in_no_delivered_file_nor_the_zip(
    communicator_client, records_request, thread, message, with_attachments
):
    delivered = _deliver(communicator_client, records_request, thread, message)
    folder = records_root() / str(delivered.pk)
    secret_sha = _sha(SECRET_IMAGE).encode()
    for path in [p for p in folder.rglob("*") if p.is_file()]:
        data = path.read_bytes()
        assert b"HEMLIG-BILD-LISA" not in data, path
        assert secret_sha not in data, path
    response = communicator_client.get(f"/handlingar/begaran/{delivered.pk}/paket.zip")
    body = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert f"bilagor/{_sha(POST_IMAGE)}" in archive.namelist()
    assert archive.read(f"bilagor/{_sha(POST_IMAGE)}") == POST_IMAGE
    for name in archive.namelist():
        assert b"HEMLIG-BILD-LISA" not in archive.read(name), name
        assert secret_sha not in archive.read(name), name
    assert b"HEMLIG-BILD-LISA" not in body


def test_a_released_messages_image_is_delivered(
    communicator_client, records_request, thread, message, with_attachments
):
    delivered = _deliver(
        communicator_client, records_request, thread, message, withhold_message=False
    )
    folder = records_root() / str(delivered.pk)
    assert (folder / "bilagor" / _sha(SECRET_IMAGE)).read_bytes() == SECRET_IMAGE


def test_a_missing_stored_file_stops_the_delivery_with_a_message(
    communicator_client, records_request, thread, message, with_attachments
):
    from connectors.models import media_file

    media_file(_sha(COMMENT_IMAGE)).unlink()
    delivered = _deliver(communicator_client, records_request, thread, message)
    assert delivered.status == RequestStatus.OPEN
    assert not (records_root() / str(delivered.pk)).exists()
    response = communicator_client.get(delivered.get_absolute_url())
    assert "En bilagas lagrade fil saknas" in response.content.decode()


def test_the_review_page_says_the_attachments_follow_the_decision(
    communicator_client, records_request, thread, with_attachments
):
    post = thread[0]
    response = communicator_client.get(
        f"/handlingar/begaran/{records_request.pk}/objekt/{post.pk}/granska/"
    )
    page = response.content.decode()
    assert "Bilagorna följer beslutet om handlingen" in page
    assert f"/moderering/bilaga/{with_attachments['post'].pk}/" in page


# --- The delivered files as a retention type ---------------------------------------------------


def _rule(communicator, months=24, **fields):
    return services.rule_change(
        kind=kinds.REQUEST_DELIVERIES,
        actor=communicator,
        period_months=months,
        anchor=fields.pop("anchor", "request_closed"),
        disposal=fields.pop("disposal", "cull"),
        decision_body="Kommunstyrelsen",
        decision_date=dt.date(2025, 3, 1),
        decision_reference="KS 2025/17",
        why="Utlämnade kopior gallras.",
    )


def _approve_and_run(communicator):
    proposal = services.proposal_prepare(actor=communicator)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.proposal_approve(proposal=proposal, actor=communicator)
    run.refresh_from_db()
    return proposal, run


def _delivered_long_ago(client, records_request, thread, message):
    with time_machine.travel(timezone.now() - dt.timedelta(days=800), tick=True):
        delivered = _deliver(client, records_request, thread, message)
    assert (records_root() / str(delivered.pk)).is_dir()
    return delivered


def test_the_delivered_files_are_culled_after_the_period_and_the_record_kept(
    communicator, communicator_client, records_request, thread, message, with_attachments
):
    delivered = _delivered_long_ago(communicator_client, records_request, thread, message)
    folder = records_root() / str(delivered.pk)
    files = [p for p in folder.rglob("*") if p.is_file()]
    events = list(delivered.events.values_list("kind", flat=True))

    proposal, run = _approve_and_run(communicator)

    entry = next(e for e in proposal.summary if e["kind"] == kinds.REQUEST_DELIVERIES)
    assert entry["to_cull"] == 1 and "not_registered" not in entry
    assert not folder.exists()
    assert not folder.with_name(f"{delivered.pk}.zip").exists()
    delivered.refresh_from_db()
    assert delivered.files_culled_at is not None and delivered.package == ""
    assert delivered.status == RequestStatus.DELIVERED
    assert delivered.decision_text and delivered.request_items.count() == 4
    assert list(delivered.events.values_list("kind", flat=True)) == events
    log = CullingLogEntry.objects.get(run=run, kind=kinds.REQUEST_DELIVERIES)
    assert log.culled == 1
    # The folder's files and the ZIP beside it.
    assert log.counts == {"request_deliveries": 1, "delivered_files": len(files) + 1}
    page = communicator_client.get(delivered.get_absolute_url()).content.decode()
    assert "De utlämnade filerna gallrades" in page
    url = f"/handlingar/begaran/{delivered.pk}/paket.zip"
    assert communicator_client.get(url).status_code == 404
    # Running the type again culls nothing more.
    assert not kinds.get(kinds.REQUEST_DELIVERIES).live().exists()


def test_recent_deliveries_and_open_requests_are_not_culled(
    communicator, communicator_client, records_request, thread, message, with_attachments
):
    delivered = _deliver(communicator_client, records_request, thread, message)
    proposal = services.proposal_prepare(actor=communicator)
    entry = next(e for e in proposal.summary if e["kind"] == kinds.REQUEST_DELIVERIES)
    assert entry["to_cull"] == 0
    assert (records_root() / str(delivered.pk)).is_dir()


def test_a_hold_on_an_account_holds_the_deliveries_of_its_items(
    communicator, communicator_client, records_request, thread, message, active_account
):
    request_add_items(
        request=records_request,
        actor=communicator,
        items=Item.objects.filter(pk__in=[*(i.pk for i in thread), message.pk]),
    )
    delivered = _delivered_long_ago(communicator_client, records_request, thread, message)
    services.hold_place(actor=communicator, scope="account", account=active_account, reason="Tvist")
    proposal = services.proposal_prepare(actor=communicator)
    entry = next(e for e in proposal.summary if e["kind"] == kinds.REQUEST_DELIVERIES)
    assert entry["to_cull"] == 0 and entry["held"] == 1
    assert LegalHold.objects.count() == 1
    assert (records_root() / str(delivered.pk)).is_dir()


def test_a_run_killed_before_the_files_went_removes_them_when_run_again(
    communicator,
    communicator_client,
    records_request,
    thread,
    message,
    with_attachments,
    monkeypatch,
):
    from retention.models import CullingRun, RunStatus

    delivered = _delivered_long_ago(communicator_client, records_request, thread, message)
    monkeypatch.setattr("records.retention_kinds.remove_delivered_files", lambda paths: None)
    _proposal, run = _approve_and_run(communicator)
    folder = records_root() / str(delivered.pk)
    assert folder.exists()
    monkeypatch.undo()
    CullingRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    services.run_culling(run_id=run.pk)
    assert not folder.exists()
    assert RecordsRequest.objects.get(pk=delivered.pk).files_culled_at is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"anchor": "end_of_year"}, "anchor"), ({"disposal": "preserve"}, "disposal")],
)
def test_a_delivery_rule_runs_from_the_closing_and_only_culls(communicator, fields, field):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        _rule(communicator, **fields)
    assert field in exc.value.error_dict
