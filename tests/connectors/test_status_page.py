"""The communicator's page of connector failures: failed events with a retry button, failed
and manual outbound actions, configured connectors without their secrets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connectors.models import Attachment, AttachmentStatus
from connectors.secrets import SecretUnavailable, decrypt, encrypt, token_for
from moderation.models import (
    ConnectorConfig,
    ConnectorPlatform,
    OutboundAction,
    OutboundKind,
    OutboundStatus,
    RawEvent,
    RawEventStatus,
)
from tests.moderation.conftest import make_item

from .conftest import PAGE_TOKEN

pytestmark = pytest.mark.django_db

URL = reverse("moderation:connectors")


def failed_event(**fields):
    fields.setdefault("source", ConnectorPlatform.FACEBOOK)
    return RawEvent.objects.create(
        body='{"object": "page", "entry": []}',
        body_sha256="0" * 64,
        status=RawEventStatus.FAILED,
        error="UnknownAccount: no enabled connector for facebook id 42",
        attempts=1,
        **fields,
    )


def test_the_communicator_sees_failures_manual_actions_and_connectors(
    communicator_client, facebook_config, item, owner
):
    event = failed_event()
    failed = OutboundAction.objects.create(
        item=item,
        kind=OutboundKind.REPLY,
        status=OutboundStatus.FAILED,
        error="POST https://graph.facebook.com/v21.0/1/comments: HTTP 400 (#200)",
        requested_by=owner,
    )
    manual = OutboundAction.objects.create(
        item=item,
        kind=OutboundKind.REPLY,
        text="<b>Hej</b>",
        status=OutboundStatus.MANUAL,
        requested_by=owner,
    )
    response = communicator_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("moderation:raw_event_retry", args=[event.pk]) in page
    assert reverse("moderation:outbound_retry", args=[failed.pk]) in page
    assert reverse("moderation:outbound_confirm", args=[manual.pk]) in page
    assert "HTTP 400 (#200)" in page
    assert facebook_config.external_id in page
    # Secrets are never shown back, and user text is escaped.
    assert PAGE_TOKEN not in page
    assert facebook_config.token_encrypted not in page
    assert "<b>Hej</b>" not in page
    assert "&lt;b&gt;Hej&lt;/b&gt;" in page


def test_the_page_keeps_a_constant_number_of_queries(
    communicator_client, facebook_config, item, owner, django_assert_num_queries
):
    second = ConnectorConfig.objects.create(
        account=item.account, platform=ConnectorPlatform.INSTAGRAM, external_id="2", token_env="X"
    )
    for n in range(5):
        failed_event(config=second)
        OutboundAction.objects.create(
            item=make_item(item.account),
            kind=OutboundKind.REPLY,
            status=OutboundStatus.FAILED if n % 2 else OutboundStatus.MANUAL,
            requested_by=owner,
        )
        Attachment.objects.create(
            item=item,
            key=f"url:https://scontent.xx.fbcdn.net/{n}.jpg",
            kind="image",
            source_url=f"https://scontent.xx.fbcdn.net/{n}.jpg",
            status=AttachmentStatus.FAILED if n % 2 else AttachmentStatus.REFUSED,
            error="HTTP 403",
        )
    # Session, user, failed downloads (with item and account), failed events (with config),
    # outbound actions (with item, account and requester), connector configs (with account).
    with django_assert_num_queries(6):
        assert communicator_client.get(URL).status_code == 200


@pytest.mark.parametrize("client_name", ["owner_client", "outsider_client", "manager_client"])
def test_others_are_refused_the_page_and_the_retry(request, client_name):
    client = request.getfixturevalue(client_name)
    event = failed_event()
    assert client.get(URL).status_code == 403
    assert client.post(reverse("moderation:raw_event_retry", args=[event.pk])).status_code == 403
    assert RawEvent.objects.get().attempts == 1


def test_anonymous_is_sent_to_log_in(anonymous_client):
    response = anonymous_client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_retrying_an_event_that_did_not_fail_changes_nothing(communicator_client):
    event = failed_event()
    RawEvent.objects.filter(pk=event.pk).update(status=RawEventStatus.PROCESSED)
    response = communicator_client.post(reverse("moderation:raw_event_retry", args=[event.pk]))
    assert response.status_code == 302
    assert RawEvent.objects.get().attempts == 1


def test_retrying_an_unknown_event_is_not_found(communicator_client):
    assert (
        communicator_client.post(reverse("moderation:raw_event_retry", args=[999])).status_code
        == 404
    )


def test_retry_refuses_get(communicator_client):
    event = failed_event()
    response = communicator_client.get(reverse("moderation:raw_event_retry", args=[event.pk]))
    assert response.status_code == 405


# --- Secrets ----------------------------------------------------------------------------------


def test_a_stored_token_is_encrypted_and_decrypts_with_the_same_key():
    stored = encrypt(PAGE_TOKEN)
    assert PAGE_TOKEN not in stored
    assert decrypt(stored) == PAGE_TOKEN


def test_a_token_encrypted_with_another_key_is_unavailable(settings):
    stored = encrypt(PAGE_TOKEN)
    settings.CONNECTOR_SECRET_KEY = "x" * 43 + "="
    with pytest.raises(SecretUnavailable):
        decrypt(stored)


def test_a_token_is_read_from_the_named_environment_variable(active_account, monkeypatch):
    config = ConnectorConfig(account=active_account, platform="instagram", token_env="IG_TOKEN")
    with pytest.raises(SecretUnavailable):
        token_for(config)
    monkeypatch.setenv("IG_TOKEN", "from-env")
    assert token_for(config) == "from-env"
