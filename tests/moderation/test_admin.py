"""The admin shows moderation records read-only; it never edits or deletes them."""

import pytest
from django.test import Client
from django.urls import reverse

from moderation.services import evidence_take, ingest_token_create
from tests.conftest import verified_login
from tests.factories import make_user


@pytest.fixture
def superuser_client(db):
    user = make_user("sara.superuser", is_staff=True, is_superuser=True)
    return verified_login(Client(), user)


@pytest.mark.parametrize(
    "model",
    ["item", "moderationaction", "evidence", "responsemodelversion", "dailycheck", "ingesttoken"],
)
def test_the_admin_lists_each_record_kind(superuser_client, owner, item, response_model, model):
    evidence_take(item=item, actor=owner)
    ingest_token_create(name="facebook")
    response = superuser_client.get(reverse(f"admin:moderation_{model}_changelist"))
    assert response.status_code == 200


def test_the_admin_cannot_delete_an_item(superuser_client, item):
    url = reverse("admin:moderation_item_delete", args=[item.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert type(item).objects.filter(pk=item.pk).exists()


def test_the_admin_shows_an_item_read_only(superuser_client, item):
    url = reverse("admin:moderation_item_change", args=[item.pk])
    response = superuser_client.get(url)
    assert response.status_code == 200
    superuser_client.post(url, {"text": "changed"})
    item.refresh_from_db()
    assert item.text != "changed"
