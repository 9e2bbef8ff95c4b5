"""Mapping platform pages and accounts to registry accounts, from the command line."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from connectors.secrets import decrypt
from moderation.models import ConnectorConfig

pytestmark = pytest.mark.django_db


def test_a_token_from_stdin_is_stored_encrypted(owners_other_account, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("EAAB-secret-token\n"))
    out = io.StringIO()
    call_command(
        "configure_connector",
        owners_other_account.url,
        "facebook",
        "104500000000001",
        "--token-stdin",
        stdout=out,
    )
    config = ConnectorConfig.objects.get()
    assert config.account == owners_other_account
    assert "EAAB-secret-token" not in config.token_encrypted
    assert decrypt(config.token_encrypted) == "EAAB-secret-token"
    assert "EAAB-secret-token" not in out.getvalue()


def test_configuring_again_updates_the_same_mapping(owners_other_account):
    args = (owners_other_account.url, "facebook", "104500000000001")
    call_command("configure_connector", *args, stdout=io.StringIO())
    call_command("configure_connector", *args, "--token-env", "FB_TOKEN", stdout=io.StringIO())
    config = ConnectorConfig.objects.get()
    assert config.token_env == "FB_TOKEN"
    assert config.has_token


def test_a_page_cannot_be_mapped_to_an_account_on_another_platform(active_account):
    with pytest.raises(CommandError):
        call_command(
            "configure_connector", active_account.url, "facebook", "1", stdout=io.StringIO()
        )
    assert not ConnectorConfig.objects.exists()


def test_an_unknown_account_is_refused(db):
    with pytest.raises(CommandError):
        call_command(
            "configure_connector",
            "https://www.facebook.com/nobody",
            "facebook",
            "1",
            stdout=io.StringIO(),
        )


def test_mastodon_needs_its_server(mastodon_account):
    with pytest.raises(CommandError):
        call_command(
            "configure_connector", mastodon_account.url, "mastodon", "1", stdout=io.StringIO()
        )
    call_command(
        "configure_connector",
        mastodon_account.url,
        "mastodon",
        "1",
        "--api-base",
        "https://social.haparanda.se",
        stdout=io.StringIO(),
    )
    assert ConnectorConfig.objects.get().api_base == "https://social.haparanda.se"
