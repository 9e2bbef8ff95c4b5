"""Private messages from Messenger and Instagram Direct: stored as messages, the Page's own
echoes as the municipality's, edits and unsends as versions, reactions skipped, and seen only by
those who may read the account's messages (R24, R31)."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from django.urls import reverse

from accounts.models import Absence
from moderation.models import Item, ItemKind, ItemSource, RawEvent, RawEventStatus, VersionChange
from moderation.permissions import items_for_user
from moderation.workdays import local_today
from tests.factories import make_user
from tests.moderation.conftest import make_item

from .conftest import PAGE_ID, fixture_bytes

pytestmark = pytest.mark.django_db

MESSENGER_MID = "m_AbCdEf0123456789messenger1"
ECHO_MID = "m_AbCdEf0123456789messenger2"
IG_MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAw"


@pytest.fixture(autouse=True)
def media():
    """Every attachment address of the fixtures answers with a small JPEG."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            responses.matchers.re.compile(r"https://lookaside\.fbsbx\.com/.*"),
            body=b"\xff\xd8\xff\xe0" + b"\x00" * 64,
        )
        yield mock


def test_a_messenger_message_is_stored_as_a_private_message(post_webhook, facebook_config):
    assert post_webhook(fixture_bytes("messenger_message.json")).status_code == 200
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    item = Item.objects.get(platform_id=MESSENGER_MID)
    assert item.kind == ItemKind.MESSAGE
    assert item.source == ItemSource.FACEBOOK
    assert item.account == facebook_config.account
    assert item.text.startswith("Hej! Här är en bild på gatlyktan")
    assert item.author_platform_id == "7100000000000001"
    assert not item.by_municipality
    assert item.published_at.year == 2025


def test_the_pages_own_message_is_recorded_as_by_the_municipality(post_webhook, facebook_config):
    post_webhook(fixture_bytes("messenger_echo.json"))
    item = Item.objects.get(platform_id=ECHO_MID)
    assert item.kind == ItemKind.MESSAGE
    assert item.by_municipality
    assert item.author_platform_id == PAGE_ID


def test_a_message_edit_becomes_a_version(post_webhook, facebook_config):
    post_webhook(fixture_bytes("messenger_message.json"))
    post_webhook(fixture_bytes("messenger_edit.json"))
    item = Item.objects.get(platform_id=MESSENGER_MID)
    assert "Storgatan 5" in item.text
    changes = list(item.versions.order_by("number").values_list("change", flat=True))
    assert changes == [VersionChange.CREATED, VersionChange.EDITED]
    assert "Storgatan" not in item.versions.order_by("number").first().text


def test_a_reaction_is_not_an_item(post_webhook, facebook_config):
    post_webhook(fixture_bytes("messenger_reaction.json"))
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    assert not Item.objects.exists()


def test_an_instagram_direct_message_and_its_unsend(post_webhook, instagram_config):
    post_webhook(fixture_bytes("instagram_message.json"), platform="instagram")
    item = Item.objects.get(platform_id=IG_MID)
    assert (item.kind, item.source) == (ItemKind.MESSAGE, ItemSource.INSTAGRAM)
    assert item.attachments.get().mime_type == "image/jpeg"
    post_webhook(fixture_bytes("instagram_message_unsend.json"), platform="instagram")
    item.refresh_from_db()
    assert item.deleted_by_author_at is not None
    # The text the visitor unsent is kept.
    assert item.text == "Kan ni lägga upp fler bilder från vinterfesten?"
    assert item.versions.last().change == VersionChange.DELETED


def test_the_dashboards_messages_test_delivery_is_read(post_webhook, instagram_config):
    post_webhook(fixture_bytes("instagram_messages_field.json"), platform="instagram")
    item = Item.objects.get(platform_id="aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAx")
    assert item.kind == ItemKind.MESSAGE
    assert item.text == "Hej från testleveransen"


def test_a_message_without_its_mid_fails_with_a_clear_error(post_webhook, facebook_config):
    body = fixture_bytes("messenger_echo.json").replace(
        b'"mid": "m_AbCdEf0123456789messenger2", ', b""
    )
    post_webhook(body)
    event = RawEvent.objects.get()
    assert event.status == RawEventStatus.FAILED
    assert "without its mid" in event.error
    assert not Item.objects.exists()


# --- Who sees them ----------------------------------------------------------------------------


@pytest.fixture
def instagram_message(post_webhook, instagram_config):
    post_webhook(fixture_bytes("instagram_message.json"), platform="instagram")
    return Item.objects.get(platform_id=IG_MID)


@pytest.mark.parametrize(
    ("client_name", "status"),
    [
        ("owner_client", 200),
        ("deputy_client", 200),
        ("communicator_client", 200),
        # Appointed to post and moderate in public: not the account's private messages.
        ("administrator_client", 404),
        ("outsider_client", 404),
    ],
)
def test_a_private_message_is_seen_only_by_those_who_read_the_accounts_messages(
    request, instagram_message, client_name, status
):
    client = request.getfixturevalue(client_name)
    assert client.get(instagram_message.get_absolute_url()).status_code == status
    attachment = instagram_message.attachments.get()
    file_url = reverse("moderation:attachment_file", args=[attachment.pk])
    assert client.get(file_url).status_code == status
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert (instagram_message.get_absolute_url() in queue) == (status == 200)


def test_the_administrator_still_sees_the_accounts_public_comments(
    instagram_message, administrator_client
):
    comment = make_item(instagram_message.account)
    assert administrator_client.get(comment.get_absolute_url()).status_code == 200
    queue = administrator_client.get(reverse("moderation:queue")).content.decode()
    assert comment.get_absolute_url() in queue
    assert instagram_message.get_absolute_url() not in queue


def test_a_deputy_covering_an_absent_owner_reads_the_owners_messages(
    instagram_message, owners_other_account, owner, administrator
):
    # The administrator is only administrator on the Instagram account, but deputy on the
    # owner's other account: while the owner is away, that deputy covers all the owner's
    # accounts, messages included.
    assert not items_for_user(administrator).filter(pk=instagram_message.pk).exists()
    today = local_today()
    Absence.objects.create(
        user=owner, starts_on=today, ends_on=today + dt.timedelta(days=3), registered_by=owner
    )
    assert items_for_user(administrator).filter(pk=instagram_message.pk).exists()


def test_a_stranger_with_no_roles_sees_no_message(instagram_message):
    stranger = make_user("sara.frammande")
    assert not items_for_user(stranger).exists()


def test_answering_a_messenger_message_is_done_by_hand_in_the_inbox(
    post_webhook, facebook_config, owner, response_model, django_capture_on_commit_callbacks, media
):
    from moderation.models import OutboundAction, OutboundKind, OutboundStatus
    from moderation.services import triage_item

    post_webhook(fixture_bytes("messenger_message.json"))
    item = Item.objects.get(platform_id=MESSENGER_MID)
    with django_capture_on_commit_callbacks(execute=True):
        triage_item(
            item=item,
            actor=owner,
            response_model=response_model,
            answers=[*["nej"] * 5, "ja", "ja"],
            reply_text="Tack, vi skickar en felanmälan.",
        )
    outbound = OutboundAction.objects.get()
    assert (outbound.kind, outbound.status) == (OutboundKind.REPLY, OutboundStatus.MANUAL)
    # Nothing was posted to the Graph API as a comment.
    assert all("graph.facebook.com" not in c.request.url for c in media.calls)
