"""The admin shows the registry but never rewrites or deletes its decisions (R23)."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AccountDecision
from tests.conftest import verified_login
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    return verified_login(client, make_user("super.user", is_staff=True, is_superuser=True))


def test_decisions_are_read_only_in_the_admin(superuser_client, owner, draft_account):
    services.application_update(account=draft_account, actor=owner, data={"plan": "Ny."})
    decision = AccountDecision.objects.get()
    change = reverse("admin:accounts_accountdecision_change", args=[decision.pk])
    response = superuser_client.get(change)
    assert response.status_code == 200
    assert 'name="comment"' not in response.content.decode()
    response = superuser_client.post(change, {"comment": "omskriven"})
    assert response.status_code == 403
    delete = reverse("admin:accounts_accountdecision_delete", args=[decision.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert AccountDecision.objects.get().comment == ""


def test_the_admin_lists_accounts_and_roles(superuser_client, active_account):
    for name in ("socialaccount", "accountrole", "absence", "department", "user"):
        response = superuser_client.get(reverse(f"admin:accounts_{name}_changelist"))
        assert response.status_code == 200, name
    response = superuser_client.get(
        reverse("admin:accounts_socialaccount_change", args=[active_account.pk])
    )
    assert response.status_code == 200
    assert active_account.display_name in response.content.decode()
