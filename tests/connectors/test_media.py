"""Attachments from Meta's webhooks: recorded with the item, downloaded by the worker within
its limits, stored by SHA-256 with the type the bytes show, retried when they fail, shown on the
item's page and in the queue, and served only to those who may see the item."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import requests
import responses
from django.urls import reverse
from django.utils import timezone

from connectors.media import attachment_download, attachment_retry_failures
from connectors.models import Attachment, AttachmentKind, AttachmentStatus, media_file
from connectors.selectors import attachments_for_item
from moderation.models import Item, ItemKind

from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db

PHOTO_COMMENT_ID = "900000000000001_700000000000009"
PHOTO_URL = (
    "https://scontent.xx.fbcdn.net/v/t39.30808-6/470000000_1_n.jpg"
    "?stp=dst-jpg&_nc_cat=1&oh=00_AYB&oe=67A1B2C3"
)
POST_PHOTO_URL = (
    "https://scontent.xx.fbcdn.net/v/t39.30808-6/480000000_2_n.jpg?_nc_cat=2&oh=00_AYC&oe=67A1B2C4"
)
VIDEO_URL = (
    "https://video.xx.fbcdn.net/v/t42.1790-2/490000000_n.mp4?_nc_cat=3&oh=00_AYD&oe=67A1B2C5"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 500
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x22" * 300
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x33" * 700
GIB = 1024**3


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def _stored(sha: str) -> bytes:
    return media_file(sha).read_bytes()


# --- A photo-only comment keeps its image ---------------------------------------------------


def test_a_photo_only_comment_keeps_its_image(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, body=JPEG, content_type="image/jpeg")
    response = post_webhook(fixture_bytes("facebook_photo_comment.json"))
    assert response.status_code == 200
    item = Item.objects.get(platform_id=PHOTO_COMMENT_ID)
    assert item.text == ""
    attachment = attachments_for_item(item).get()
    assert attachment.kind == AttachmentKind.IMAGE
    assert attachment.source_url == PHOTO_URL
    assert attachment.status == AttachmentStatus.STORED
    assert attachment.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert attachment.size == len(JPEG)
    assert attachment.mime_type == "image/jpeg"
    assert not attachment.type_mismatch
    sha = attachment.sha256
    assert media_file(sha).relative_to(media_file(sha).parents[3]).as_posix() == (
        f"sha256/{sha[:2]}/{sha[2:4]}/{sha}"
    )
    assert _stored(sha) == JPEG


def test_a_photo_post_and_a_video_post_keep_their_files(post_webhook, facebook_config, mocked):
    mocked.get(POST_PHOTO_URL, body=PNG, content_type="image/png")
    mocked.get(VIDEO_URL, body=MP4, content_type="video/mp4")
    post_webhook(fixture_bytes("facebook_photo_post.json"))
    post_webhook(fixture_bytes("facebook_video_post.json"))
    photo = Attachment.objects.get(item__platform_id="104500000000001_900000000000002")
    video = Attachment.objects.get(item__platform_id="104500000000001_900000000000003")
    assert (photo.kind, photo.platform_id, photo.mime_type) == (
        "image",
        "480000000000002",
        "image/png",
    )
    assert (video.kind, video.platform_id, video.mime_type) == (
        "video",
        "490000000000003",
        "video/mp4",
    )
    assert photo.item.by_municipality and video.item.by_municipality
    assert _stored(video.sha256) == MP4


def test_a_redelivery_records_the_attachment_once(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, body=JPEG)
    body = fixture_bytes("facebook_photo_comment.json")
    post_webhook(body)
    # Meta signs its media addresses anew: the same comment again, with another signature.
    post_webhook(body.replace(b"oh=00_AYB", b"oh=00_ZZZ"))
    assert Attachment.objects.count() == 1


def test_the_same_bytes_twice_are_stored_once(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, body=JPEG)
    mocked.get(POST_PHOTO_URL, body=JPEG)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    post_webhook(fixture_bytes("facebook_photo_post.json"))
    first, second = Attachment.objects.order_by("pk")
    assert first.sha256 == second.sha256
    assert list(media_file(first.sha256).parent.iterdir()) == [media_file(first.sha256)]


# --- Bad input gets a clear record ----------------------------------------------------------


def test_a_2_gb_attachment_is_refused_by_its_announced_size(post_webhook, facebook_config, mocked):
    mocked.get(
        PHOTO_URL,
        body=b"\xff\xd8\xff" + b"\x00" * 100,
        headers={"Content-Length": str(2 * GIB)},
        auto_calculate_content_length=False,
    )
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.REFUSED
    assert str(2 * GIB) in attachment.error and "limit" in attachment.error
    assert attachment.sha256 == "" and attachment.size is None
    # Nothing was kept, not even a partial file.
    assert not list((media_file("0" * 64).parents[3]).rglob("download-*"))
    # A refusal is final: the sweep does not fetch it again.
    assert attachment_retry_failures(now=timezone.now() + dt.timedelta(hours=1)) == 0


def test_a_file_larger_than_the_limit_is_stopped_while_streaming(
    post_webhook, facebook_config, mocked, settings
):
    # The server does not say how large it is: the download stops at the limit.
    settings.MEDIA_MAX_BYTES = 1000
    mocked.get(PHOTO_URL, body=JPEG * 10, auto_calculate_content_length=False)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.REFUSED
    assert "more than 1000 bytes" in attachment.error
    assert not list(media_file("0" * 64).parents[3].rglob("download-*"))


def test_an_address_that_times_out_fails_and_is_retried(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, body=requests.exceptions.ConnectTimeout("timed out"))
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.FAILED
    assert "no answer within" in attachment.error
    assert attachment.attempts == 1

    # Beat's sweep queues it again; this time the platform answers.
    mocked.replace(responses.GET, PHOTO_URL, body=JPEG)
    assert attachment_retry_failures() == 1
    attachment.refresh_from_db()
    assert attachment.status == AttachmentStatus.STORED
    assert attachment.attempts == 2 and attachment.error == ""


def test_a_download_that_keeps_failing_stops_at_the_attempt_limit(
    post_webhook, facebook_config, mocked, settings
):
    settings.CONNECTOR_MAX_ATTEMPTS = 2
    mocked.get(PHOTO_URL, body=requests.exceptions.ReadTimeout("slow"))
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    assert attachment_retry_failures() == 1
    assert attachment_retry_failures() == 0
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.FAILED and attachment.attempts == 2


def test_a_lying_content_type_is_recorded_and_the_bytes_decide(
    post_webhook, facebook_config, mocked
):
    mocked.get(PHOTO_URL, body=PNG, content_type="image/jpeg")
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.STORED
    assert attachment.http_content_type == "image/jpeg"
    assert attachment.mime_type == "image/png"
    assert attachment.type_mismatch


def test_html_claiming_to_be_an_image_is_stored_as_html(post_webhook, facebook_config, mocked):
    mocked.get(
        PHOTO_URL, body=b"<!DOCTYPE html><script>alert(1)</script>", content_type="image/jpeg"
    )
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert attachment.mime_type == "text/html"
    assert not attachment.is_image


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/a.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "https://[::1]/a.jpg",
        "https://example.com/a.jpg",
        "https://scontent.xx.fbcdn.net:8443/a.jpg",
        "https://user:pw@scontent.xx.fbcdn.net/a.jpg",
        "https://scontent.xx.fbcdn.net.example.org/a.jpg",
    ],
)
def test_only_platform_addresses_are_fetched(post_webhook, facebook_config, mocked, url):
    body = fixture_bytes("facebook_photo_comment.json").replace(
        json.dumps(PHOTO_URL).encode()[1:-1], url.encode()
    )
    post_webhook(body)
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.REFUSED
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://scontent.xx.fbcdn.net/a.jpg"])
def test_an_address_that_is_not_http_is_not_an_attachment(
    post_webhook, facebook_config, mocked, url
):
    body = fixture_bytes("facebook_photo_comment.json").replace(
        json.dumps(PHOTO_URL).encode()[1:-1], url.encode()
    )
    post_webhook(body)
    assert Item.objects.filter(platform_id=PHOTO_COMMENT_ID).exists()
    assert not Attachment.objects.exists()
    assert len(mocked.calls) == 0


def test_a_redirect_to_a_private_address_is_refused(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, status=302, headers={"Location": "http://10.0.0.5/internal"})
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert attachment.status == AttachmentStatus.REFUSED
    assert "10.0.0.5" in attachment.error
    assert len(mocked.calls) == 1


def test_a_redirect_within_the_platform_is_followed(post_webhook, facebook_config, mocked):
    cdn = "https://scontent-arn2-1.xx.fbcdn.net/v/final.jpg"
    mocked.get(PHOTO_URL, status=302, headers={"Location": cdn})
    mocked.get(cdn, body=JPEG)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    assert Attachment.objects.get().status == AttachmentStatus.STORED


def test_an_http_error_fails_with_its_status(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, status=403, body=b"URL signature expired")
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert (attachment.status, attachment.error) == (AttachmentStatus.FAILED, "HTTP 403")


def test_a_download_already_claimed_is_not_fetched_twice(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, body=JPEG)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    again = attachment_download(attachment_id=attachment.pk)
    assert again.status == AttachmentStatus.STORED
    assert len(mocked.calls) == 1


def test_a_lost_download_is_swept_up(post_webhook, facebook_config, mocked):
    mocked.get(PHOTO_URL, body=JPEG)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    # As if the worker had died mid-download long ago.
    Attachment.objects.filter(pk=attachment.pk).update(
        status=AttachmentStatus.DOWNLOADING,
        last_attempt_at=timezone.now() - dt.timedelta(hours=1),
        sha256="",
    )
    assert attachment_retry_failures() == 1
    attachment.refresh_from_db()
    assert attachment.status == AttachmentStatus.STORED


# --- Failures page --------------------------------------------------------------------------


def test_a_failed_download_is_on_the_failures_page_and_can_be_retried(
    post_webhook, facebook_config, mocked, communicator_client, django_capture_on_commit_callbacks
):
    mocked.get(PHOTO_URL, body=requests.exceptions.ConnectTimeout("timed out"))
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    page = communicator_client.get(reverse("moderation:connectors"))
    assert page.status_code == 200
    assert "no answer within" in page.content.decode()
    assert reverse("moderation:attachment_retry", args=[attachment.pk]) in page.content.decode()

    mocked.replace(responses.GET, PHOTO_URL, body=JPEG)
    with django_capture_on_commit_callbacks(execute=True):
        response = communicator_client.post(
            reverse("moderation:attachment_retry", args=[attachment.pk])
        )
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.status == AttachmentStatus.STORED


def test_only_the_communicator_may_retry_a_download(
    post_webhook, facebook_config, mocked, owner_client, outsider_client
):
    mocked.get(PHOTO_URL, body=requests.exceptions.ConnectTimeout("timed out"))
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    url = reverse("moderation:attachment_retry", args=[attachment.pk])
    for client in (owner_client, outsider_client):
        assert client.post(url).status_code in (403, 404)
    attachment.refresh_from_db()
    assert attachment.attempts == 1


# --- Shown and served -----------------------------------------------------------------------


def test_the_item_page_shows_the_image_served_with_its_stored_type(
    post_webhook, facebook_config, mocked, owner_client
):
    mocked.get(PHOTO_URL, body=PNG, content_type="image/jpeg")
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    page = owner_client.get(attachment.item.get_absolute_url())
    file_url = reverse("moderation:attachment_file", args=[attachment.pk])
    assert f'<img src="{file_url}"' in page.content.decode()
    response = owner_client.get(file_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" not in response.get("Content-Disposition", "")
    assert b"".join(response.streaming_content) == PNG


def test_svg_and_html_are_never_served_inline(post_webhook, facebook_config, mocked, owner_client):
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    mocked.get(PHOTO_URL, body=svg, content_type="image/svg+xml")
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    attachment = Attachment.objects.get()
    assert attachment.mime_type == "image/svg+xml"
    page = owner_client.get(attachment.item.get_absolute_url()).content.decode()
    file_url = reverse("moderation:attachment_file", args=[attachment.pk])
    assert f'<img src="{file_url}"' not in page
    response = owner_client.get(file_url)
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_an_outsider_cannot_fetch_an_attachment(
    post_webhook, facebook_config, mocked, outsider_client, deputy_client, anonymous_client
):
    mocked.get(PHOTO_URL, body=JPEG)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    url = reverse("moderation:attachment_file", args=[Attachment.objects.get().pk])
    # The fixture deputy has no role on the Facebook account.
    assert outsider_client.get(url).status_code == 404
    assert deputy_client.get(url).status_code == 404
    assert anonymous_client.get(url).status_code == 302


def test_the_queue_shows_how_many_attachments_an_item_has(
    post_webhook, facebook_config, mocked, owner_client
):
    mocked.get(PHOTO_URL, body=JPEG)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    page = owner_client.get(reverse("moderation:queue")).content.decode()
    assert "q-attachments" in page
    assert "1 bilaga" in page


def test_a_failed_download_shows_on_the_item_page(
    post_webhook, facebook_config, mocked, owner_client
):
    mocked.get(PHOTO_URL, body=requests.exceptions.ConnectTimeout("timed out"))
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    item = Item.objects.get(platform_id=PHOTO_COMMENT_ID)
    page = owner_client.get(item.get_absolute_url()).content.decode()
    assert "Hämtningen misslyckades" in page


def test_messages_attachments_and_link_previews_are_recorded(post_webhook, facebook_config, mocked):
    image = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1200000000000001&signature=AbC"
    mocked.get(image, body=JPEG)
    post_webhook(fixture_bytes("messenger_message.json"))
    item = Item.objects.get(platform_id="m_AbCdEf0123456789messenger1")
    assert item.kind == ItemKind.MESSAGE
    first, link = attachments_for_item(item)
    assert (first.kind, first.status) == (AttachmentKind.IMAGE, AttachmentStatus.STORED)
    assert link.kind == AttachmentKind.LINK
    assert link.source_url == "https://www.haparanda.se/felanmalan"
    assert link.title == "Felanmälan – Haparanda stad"
    # A link without a preview image: nothing to download, and nothing is fetched from it.
    assert link.status == AttachmentStatus.NOTHING_TO_FETCH
    assert [c.request.url for c in mocked.calls] == [image]


def test_the_evidence_of_a_removed_item_names_its_image(
    post_webhook, facebook_config, mocked, owner
):
    from moderation.services import evidence_take

    mocked.get(PHOTO_URL, body=JPEG)
    post_webhook(fixture_bytes("facebook_photo_comment.json"))
    item = Item.objects.get(platform_id=PHOTO_COMMENT_ID)
    evidence = evidence_take(item=item, actor=owner)
    (entry,) = json.loads(evidence.data_json)["attachments"]
    assert entry["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert entry["status"] == "stored" and entry["mime_type"] == "image/jpeg"
    assert evidence.verifies()


def test_a_shared_link_is_kept_as_the_items_link_and_a_link_attachment(
    post_webhook, facebook_config, mocked
):
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "104500000000001",
                    "time": 1764327600,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "from": {"id": "5550000000000003", "name": "Lisa Berg"},
                                "item": "share",
                                "verb": "add",
                                "post_id": "104500000000001_900000000000077",
                                "link": "https://www.haparanda.se/nyheter/isbanan",
                                "message": "Läs mer här",
                                "created_time": 1764327590,
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    post_webhook(body)
    item = Item.objects.get(platform_id="104500000000001_900000000000077")
    assert item.link == "https://www.haparanda.se/nyheter/isbanan"
    attachment = attachments_for_item(item).get()
    assert (attachment.kind, attachment.status) == ("link", AttachmentStatus.NOTHING_TO_FETCH)
    assert len(mocked.calls) == 0


def test_the_queue_counts_attachments_without_a_query_per_item(
    owner_client, owners_other_account, django_assert_num_queries
):
    from connectors.events import InboundAttachment
    from connectors.media import attachments_record
    from tests.moderation.conftest import make_item

    queue = reverse("moderation:queue")
    make_item(owners_other_account)
    owner_client.get(queue)  # warm the session
    # As the queue's own budget: session, user, the filter's accounts, the accounts-to-check
    # counts and page, the filter's counts, the page's items (with the attachment count).
    with django_assert_num_queries(7):
        owner_client.get(queue)
    for n in range(10):
        item = make_item(owners_other_account, text=f"bild {n}")
        attachments_record(
            item=item,
            attachments=[
                InboundAttachment(url=f"https://scontent.xx.fbcdn.net/{n}-{k}.jpg", kind="image")
                for k in range(n % 3 + 1)
            ],
        )
    with django_assert_num_queries(7):
        page = owner_client.get(queue).content.decode()
    assert page.count("q-attachments") == 10
    assert "3 bilagor" in page
