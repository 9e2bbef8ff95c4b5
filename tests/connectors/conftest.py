"""Connectors on top of the moderation fixtures: a Facebook Page, an Instagram account and a
Mastodon account, each mapped to an active registry account, and helpers to post signed
webhooks from the recorded fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import AccountStatus, Platform, Role
from connectors.meta import sign
from connectors.secrets import encrypt
from moderation.models import ConnectorConfig, ConnectorPlatform
from tests.factories import add_role, make_account
from tests.moderation import conftest as moderation_conftest

# The moderation tests' fixtures, shared by the connectors' tests.
item = moderation_conftest.item
owners_other_account = moderation_conftest.owners_other_account
response_model = moderation_conftest.response_model

FIXTURES = Path(__file__).parent / "fixtures"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
PAGE_ID = "104500000000001"
IG_ID = "17841400000000001"
MASTODON_ID = "109000000000000099"
PAGE_TOKEN = "EAAB-page-token-never-shown"
MASTODON_TOKEN = "mastodon-token-never-shown"
GRAPH = "https://graph.facebook.com/v21.0"
MASTODON_BASE = "https://social.haparanda.se"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str):
    return json.loads(fixture_bytes(name))


@pytest.fixture(autouse=True)
def _connector_settings(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_GRAPH_VERSION = "v21.0"
    settings.META_GRAPH_URL = "https://graph.facebook.com"


@pytest.fixture
def facebook_config(owners_other_account):
    return ConnectorConfig.objects.create(
        account=owners_other_account,
        platform=ConnectorPlatform.FACEBOOK,
        external_id=PAGE_ID,
        token_encrypted=encrypt(PAGE_TOKEN),
    )


@pytest.fixture
def instagram_config(active_account):
    return ConnectorConfig.objects.create(
        account=active_account,
        platform=ConnectorPlatform.INSTAGRAM,
        external_id=IG_ID,
        token_encrypted=encrypt(PAGE_TOKEN),
    )


@pytest.fixture
def mastodon_account(owner, deputy, manager, other_manager, department):
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda stad på Mastodon",
        url="https://social.haparanda.se/@haparanda",
        handle="haparanda",
        platform=Platform.MASTODON,
    )
    add_role(account, owner, Role.OWNER, manager=manager)
    add_role(account, deputy, Role.DEPUTY, manager=other_manager)
    return account


@pytest.fixture
def mastodon_config(mastodon_account, monkeypatch):
    monkeypatch.setenv("HAPARANDA_MASTODON_TOKEN", MASTODON_TOKEN)
    return ConnectorConfig.objects.create(
        account=mastodon_account,
        platform=ConnectorPlatform.MASTODON,
        external_id=MASTODON_ID,
        api_base=MASTODON_BASE,
        token_env="HAPARANDA_MASTODON_TOKEN",
    )


@pytest.fixture
def post_webhook(client, django_capture_on_commit_callbacks):
    """POST a body to a hook, signed unless told otherwise, running the enqueued processing."""

    def post(body: bytes, *, platform="facebook", signature: str | None = "sign", **headers):
        if signature == "sign":
            signature = sign(body, APP_SECRET)
        if signature is not None:
            headers["HTTP_X_HUB_SIGNATURE_256"] = signature
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse(f"moderation:webhook_{platform}"),
                data=body,
                content_type="application/json",
                **headers,
            )

    return post
