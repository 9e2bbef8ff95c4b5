"""The masking guarantee on the files a requester receives: masked text and withheld items are
absent from the bytes of every delivered file and from the PDF's extracted text. Needs the part
that writes the files (``records.delivery``); without it these tests are skipped."""

from __future__ import annotations

import io
import zipfile

import pytest

from moderation.models import Item
from records.models import RequestStatus, SecrecyProvision
from records.services import records_root, request_add_items

from .conftest import EMAIL, PERSONNUMMER

pytest.importorskip("records.delivery")
pypdf = pytest.importorskip("pypdf")

pytestmark = pytest.mark.django_db

SECRETS = (PERSONNUMMER, "19121212", "Rantakyrö", "Rantakyr", EMAIL, "mår dåligt", "Lisa Lund")


def _variants(secret: str) -> list[bytes]:
    """The secret as the files might hold it: UTF-8, JSON's escapes, UTF-16 (PDF strings)."""
    escaped = secret.encode("ascii", "backslashreplace").decode().replace("\\x", "\\u00")
    return [
        secret.encode("utf-8"),
        escaped.encode("ascii"),
        secret.encode("utf-16-be"),
    ]


@pytest.fixture
def delivered(communicator, communicator_client, records_request, thread, message):
    records_request.include_versions = True
    records_request.save()
    request_add_items(
        request=records_request,
        actor=communicator,
        items=Item.objects.filter(pk__in=[*(i.pk for i in thread), message.pk]),
    )
    post, comment, reply = thread
    base = f"/handlingar/begaran/{records_request.pk}/objekt"
    citation = SecrecyProvision.objects.get(citation="21 kap. 7 §").pk
    communicator_client.post(f"{base}/{post.pk}/granska/", {"outcome": "release"})
    communicator_client.post(
        f"{base}/{comment.pk}/granska/",
        {"outcome": "mask", "provision": citation, "accepted": ["0"], "mask_author": "on"},
    )
    communicator_client.post(f"{base}/{reply.pk}/granska/", {"outcome": "release"})
    communicator_client.post(
        f"{base}/{message.pk}/granska/", {"outcome": "withhold", "provision": citation}
    )
    response = communicator_client.post(f"/handlingar/begaran/{records_request.pk}/lamna-ut/")
    assert response.status_code == 302
    records_request.refresh_from_db()
    assert records_request.status == RequestStatus.DELIVERED
    return records_request


def test_masked_and_withheld_text_is_in_no_delivered_file(delivered):
    folder = records_root() / str(delivered.pk)
    files = [path for path in folder.rglob("*") if path.is_file()]
    assert any(path.suffix == ".pdf" for path in files)
    assert any(path.name == "manifest-sha256.txt" for path in files)
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            for variant in _variants(secret):
                assert variant not in data, (path.name, secret)
        if path.suffix == ".pdf":
            text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
            for secret in SECRETS:
                assert secret not in text, (path.name, secret)
    released = b"".join(path.read_bytes() for path in files if path.suffix in (".csv", ".json"))
    assert "Välkomna till kulturveckan".encode() in released
    assert b"[maskerat]" in released


def test_the_package_is_downloaded_by_staff_only(
    delivered, communicator_client, outsider_client, owner_client
):
    url = f"/handlingar/begaran/{delivered.pk}/paket.zip"
    response = communicator_client.get(url)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert any(name.endswith("manifest-sha256.txt") for name in names)
    for name in names:
        data = archive.read(name)
        for secret in SECRETS:
            assert secret.encode() not in data, (name, secret)
    assert outsider_client.get(url).status_code == 404
    assert owner_client.get(url).status_code == 404


def test_the_delivery_closes_the_request_and_is_recorded(delivered, communicator_client):
    events = list(delivered.events.values_list("kind", flat=True))
    assert events[-2:] == ["decided", "delivered"]
    assert "21 kap. 7 §" in delivered.decision_text
    response = communicator_client.post(
        f"/handlingar/begaran/{delivered.pk}/objekt/{delivered.request_items.first().item_id}/granska/",
        {"outcome": "release"},
    )
    assert response.status_code == 400  # closed: nothing changes
