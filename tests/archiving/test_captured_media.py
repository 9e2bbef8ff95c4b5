"""What the connectors capture beyond text, in the package: attachments as files with their
checksums in METS, and texts with characters XML 1.0 cannot hold, kept bit for bit (R20, R31)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import responses
from django.core.files.storage import default_storage
from django.utils import timezone
from lxml import etree

from archiving import services
from archiving.models import SnapshotStatus
from connectors.models import Attachment, AttachmentStatus, media_file
from connectors.services import raw_event_store
from moderation.models import ConnectorConfig, ConnectorPlatform, Item

from .factories import approve_in_the_past
from .helpers import mets_entries, open_package, sha256

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()
IG_ID = "17841400000000077"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
IMAGE_URL = "https://scontent.cdninstagram.com/v/t51.2885-15/123_n.png?oh=00_A&oe=6"
NS = {"a": "urn:haparanda-social:archive:1"}
# Every C0 control character but tab, line feed and carriage return, then U+FFFE and a lone
# surrogate: none of them can be written in XML 1.0, even as a character reference.
HOSTILE = (
    "Före"
    + "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
    + "\ufffe mitten \\ bak\\u0041snedstreck \ud83d slut\n\t\r"
)


def _deliver(account, value: dict, *, messaging: list | None = None):
    ConnectorConfig.objects.get_or_create(
        account=account, platform=ConnectorPlatform.INSTAGRAM, external_id=IG_ID
    )
    entry = {"id": IG_ID, "time": int(timezone.now().timestamp())}
    if messaging is not None:
        entry["messaging"] = messaging
    else:
        entry["changes"] = [{"field": "comments", "value": value}]
    # ensure_ascii: the body carries \u0000 and \ud83d as JSON escapes, as Meta sends them.
    body = json.dumps({"object": "instagram", "entry": [entry]}, ensure_ascii=True)
    raw_event_store(source=ConnectorPlatform.INSTAGRAM, body=body)


def _build(account) -> tuple:
    snapshot, _ = services.request_yearly_snapshot(account=account, year=2025)
    snapshot = services.build_snapshot(snapshot_id=snapshot.pk)
    assert snapshot.status == SnapshotStatus.COMPLETE, snapshot.error
    with default_storage.open(snapshot.file.name, "rb") as f:
        path = default_storage.path(snapshot.file.name)
        assert f.read(2) == b"PK"
    return open_package(path)


@pytest.fixture
def account(active_account):
    return approve_in_the_past(active_account, 2024)


def _unescape(text: str) -> str:
    return re.sub(
        r"\\(\\|u[0-9a-f]{4})", lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)), text
    )


def test_a_text_xml_cannot_hold_round_trips_bit_for_bit_from_the_package(
    account, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2025, 3, 4, 10, tzinfo=TZ))
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(account, {"id": "c1", "text": HOSTILE, "from": {"id": "9", "username": "x"}})
    item = Item.objects.get(platform_id="c1")
    # The database keeps what it can (NUL and the lone surrogate as U+FFFD)...
    assert "\x00" not in item.text and "\ufffd" in item.text
    time_machine.move_to(dt.datetime(2026, 1, 2, 3, tzinfo=TZ))
    zf, root = _build(account)
    data = f"{root}/representations/rep01-structured/data"

    # ...and the package keeps the exact text: in the JSON lines, bit for bit,
    (line,) = zf.read(f"{data}/items.jsonl").splitlines()
    record = json.loads(line)
    assert record["text"] == HOSTILE
    assert record["text"].encode("utf-8", "surrogatepass") == HOSTILE.encode(
        "utf-8", "surrogatepass"
    )
    assert record["versions"][0]["text"] == HOSTILE

    # in the XML as an escaped form that refers to it and reads back to the same text,
    doc = etree.fromstring(zf.read(f"{data}/items.xml"))
    text = doc.find("a:item/a:text", NS)
    assert text.get("encoding") == "escaped"
    assert text.get("exactIn") == "items.jsonl"
    assert "\\u0000" in text.text and "\\ufffe" in text.text and "\\ud83d" in text.text
    assert _unescape(text.text) == HOSTILE
    version_text = doc.find("a:item/a:versions/a:version/a:text", NS)
    assert _unescape(version_text.text) == HOSTILE

    # and the human rendering shows it with replacement characters, never broken markup.
    html = zf.read(f"{root}/representations/rep02-rendering/data/index.html").decode("utf-8")
    assert "Före" in html and "\x00" not in html


def test_an_ordinary_text_has_no_escaped_form(account, time_machine):
    time_machine.move_to(dt.datetime(2025, 3, 4, 10, tzinfo=TZ))
    _deliver(account, {"id": "c2", "text": "Vanlig text\nmed radbrytning \\ och snedstreck"})
    from connectors.services import raw_event_process
    from moderation.models import RawEvent

    raw_event_process(event_id=RawEvent.objects.get().pk)
    time_machine.move_to(dt.datetime(2026, 1, 2, 3, tzinfo=TZ))
    zf, root = _build(account)
    doc = etree.fromstring(zf.read(f"{root}/representations/rep01-structured/data/items.xml"))
    text = doc.find("a:item/a:text", NS)
    assert text.get("encoding") is None
    assert text.text == "Vanlig text\nmed radbrytning \\ och snedstreck"


def test_stored_attachments_are_in_the_package_with_their_checksums_in_mets(
    account, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2025, 5, 6, 10, tzinfo=TZ))
    message = {
        "sender": {"id": "88"},
        "recipient": {"id": IG_ID},
        "timestamp": int(timezone.now().timestamp() * 1000),
        "message": {
            "mid": "mid-1",
            "text": "Bild på vägen",
            "attachments": [
                {"type": "image", "payload": {"url": IMAGE_URL}},
                {"type": "video", "payload": {"url": "https://127.0.0.1/x.mp4"}},
            ],
        },
    }
    with responses.RequestsMock() as mock:
        mock.get(IMAGE_URL, body=PNG, content_type="image/jpeg")
        with django_capture_on_commit_callbacks(execute=True):
            _deliver(account, {}, messaging=[message])
    stored, refused = Attachment.objects.order_by("position")
    assert stored.status == AttachmentStatus.STORED
    assert refused.status == AttachmentStatus.REFUSED
    time_machine.move_to(dt.datetime(2026, 1, 2, 3, tzinfo=TZ))
    zf, root = _build(account)
    data = f"{root}/representations/rep01-structured/data"
    digest = sha256(PNG)
    assert stored.sha256 == digest
    assert zf.read(f"{data}/media/{digest}") == PNG

    listed = mets_entries(zf, root)
    entry = listed[f"representations/rep01-structured/data/media/{digest}"]
    assert entry["CHECKSUM"] == digest
    assert entry["CHECKSUMTYPE"] == "SHA-256"
    assert entry["MIMETYPE"] == "image/png"
    assert entry["SIZE"] == str(len(PNG))

    doc = etree.fromstring(zf.read(f"{data}/items.xml"))
    first, second = doc.findall("a:item/a:attachments/a:attachment", NS)
    assert first.get("file") == f"media/{digest}"
    assert (first.get("sha256"), first.get("mimeType")) == (digest, "image/png")
    assert first.get("size") == str(len(PNG))
    assert first.find("a:claimedType", NS).text == "image/jpeg"
    assert second.get("status") == "refused" and second.get("file") is None
    assert "127.0.0.1" in second.find("a:error", NS).text

    (line,) = zf.read(f"{data}/items.jsonl").splitlines()
    attachments = json.loads(line)["attachments"]
    assert attachments[0]["sha256"] == digest and "path" not in attachments[0]

    html = zf.read(f"{root}/representations/rep02-rendering/data/index.html").decode()
    assert f'src="../../rep01-structured/data/media/{digest}"' in html


def test_a_stored_file_that_changed_fails_the_build_loudly(
    account, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(dt.datetime(2025, 5, 6, 10, tzinfo=TZ))
    message = {
        "sender": {"id": "88"},
        "timestamp": int(timezone.now().timestamp() * 1000),
        "message": {
            "mid": "mid-2",
            "attachments": [{"type": "image", "payload": {"url": IMAGE_URL}}],
        },
    }
    with responses.RequestsMock() as mock:
        mock.get(IMAGE_URL, body=PNG)
        with django_capture_on_commit_callbacks(execute=True):
            _deliver(account, {}, messaging=[message])
    media_file(sha256(PNG)).write_bytes(b"tampered")
    time_machine.move_to(dt.datetime(2026, 1, 2, 3, tzinfo=TZ))
    snapshot, _ = services.request_yearly_snapshot(account=account, year=2025)
    # The build raises, so the task retries; the snapshot says why meanwhile.
    with pytest.raises(Exception, match="SHA-256"):
        services.build_snapshot(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert snapshot.status == SnapshotStatus.FAILED
    assert snapshot.error.startswith("MediaMismatch")
    assert not snapshot.file
