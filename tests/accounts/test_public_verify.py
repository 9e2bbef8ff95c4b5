"""Is this address an official account of the municipality? (R7)"""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountStatus
from tests.factories import make_account


@pytest.fixture
def official(owner, department):
    return make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda bibliotek",
        url="https://www.facebook.com/haparandabibliotek",
        handle="haparandabibliotek",
    )


@pytest.fixture
def closed(owner, department):
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.CLOSED,
        display_name="Sommarlov",
        url="https://www.instagram.com/sommarlovhaparanda",
        handle="sommarlovhaparanda",
        platform="instagram",
    )
    account.closed_at = timezone.make_aware(datetime(2024, 9, 2, 10, 0))
    account.save(update_fields=["closed_at"])
    return account


def _verify(client, url):
    response = client.get(reverse("public:verify"), {"url": url})
    assert response.status_code == 200
    return response.content.decode()


def _verify_json(client, url, status=200):
    response = client.get(reverse("public:verify_json"), {"url": url})
    assert response.status_code == status
    return response.json()


YES = "Yes, this is an official account"
WAS = "This was an official account, but it is closed"
NO = "No, this is not an official account"


def test_the_empty_form_asks_for_an_address(anonymous_client, db):
    response = anonymous_client.get(reverse("public:verify"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_url">' in html
    assert html.count("<h1") == 1
    for verdict in (YES, WAS, NO):
        assert str(_(verdict)) not in html


def test_an_official_account_is_confirmed(anonymous_client, official):
    html = _verify(anonymous_client, official.url)
    assert str(_(YES)) in html
    assert official.display_name in html
    assert official.department.name in html
    assert f'href="{official.get_public_url()}"' in html
    assert 'role="status"' in html


@pytest.mark.parametrize(
    "pasted",
    [
        "https://m.facebook.com/HaparandaBibliotek/?ref=bookmarks",
        "facebook.com/haparandabibliotek",
        "http://www.facebook.com/HAPARANDABIBLIOTEK/",
        "  https://fb.com/haparandabibliotek  ",
    ],
)
def test_another_form_of_the_same_address_is_recognised(anonymous_client, official, pasted):
    assert str(_(YES)) in _verify(anonymous_client, pasted)
    data = _verify_json(anonymous_client, pasted)
    assert data["result"] == "official"
    assert data["official"] is True
    assert data["canonical_url"] == official.url
    assert data["account"]["id"] == official.pk


def test_a_closed_account_is_reported_as_former(anonymous_client, closed):
    html = _verify(anonymous_client, "instagram.com/SommarlovHaparanda")
    assert str(_(WAS)) in html
    assert str(_(YES)) not in html
    assert '<time datetime="2024-09-02">' in html
    data = _verify_json(anonymous_client, closed.url)
    assert data["result"] == "closed"
    assert data["official"] is False
    assert data["account"]["closed_on"] == "2024-09-02"


def test_an_unknown_address_is_not_official_and_the_visitor_may_report_it(
    anonymous_client, official, settings
):
    html = _verify(anonymous_client, "https://www.facebook.com/haparanda.bibliotek.officiell")
    assert str(_(NO)) in html
    assert str(_(YES)) not in html
    assert f'href="mailto:{settings.COMMUNICATOR_EMAIL}"' in html
    data = _verify_json(anonymous_client, "https://www.facebook.com/haparanda.bibliotek.officiell")
    assert data["result"] == "not_official"
    assert data["official"] is False
    assert data["account"] is None
    assert data["report_to"] == settings.COMMUNICATOR_EMAIL


@pytest.mark.parametrize(
    "status",
    [
        AccountStatus.DRAFT,
        AccountStatus.SUBMITTED,
        AccountStatus.CHANGES_REQUESTED,
        AccountStatus.REJECTED,
    ],
)
def test_an_application_not_yet_approved_is_not_official(anonymous_client, owner, status):
    account = make_account(
        created_by=owner,
        status=status,
        display_name="Ansökan under behandling",
        url="https://www.facebook.com/ansokanhaparanda",
    )
    html = _verify(anonymous_client, account.url)
    assert str(_(NO)) in html
    assert account.display_name not in html
    data = _verify_json(anonymous_client, account.url)
    assert data["result"] == "not_official"
    assert data["account"] is None


@pytest.mark.parametrize(
    "pasted",
    [
        "not an address at all",
        "javascript:alert(1)",
        "https://www.facebook.com/groups/haparanda",
        "https://www.instagram.com/p/Cxyz123/",
        "https://" + "a" * 600 + ".se",
        "https://exa mple.com/@x",
        "\x00",
        "http://[::1",
    ],
)
def test_a_malformed_address_gets_a_clear_error_not_a_crash(anonymous_client, db, pasted):
    response = anonymous_client.get(reverse("public:verify"), {"url": pasted})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="error-summary" role="alert"' in html
    assert 'aria-invalid="true"' in html
    for verdict in (YES, WAS, NO):
        assert str(_(verdict)) not in html
    data = _verify_json(anonymous_client, pasted, status=400)
    assert data["error"]


def test_an_empty_address_is_refused(anonymous_client, db):
    response = anonymous_client.get(reverse("public:verify"), {"url": ""})
    assert response.status_code == 200
    assert 'class="error-summary" role="alert"' in response.content.decode()
    assert _verify_json(anonymous_client, "", status=400)["error"]
    response = anonymous_client.get(reverse("public:verify_json"))
    assert response.status_code == 400


def test_the_pasted_address_is_kept_in_the_field(anonymous_client, db):
    html = _verify(anonymous_client, "https://www.facebook.com/groups/haparanda")
    assert 'value="https://www.facebook.com/groups/haparanda"' in html


def test_markup_in_the_pasted_address_is_escaped(anonymous_client, db):
    pasted = 'https://evil.example/"><script>alert(1)</script>'
    response = anonymous_client.get(reverse("public:verify"), {"url": pasted})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_the_lookup_works_in_english(anonymous_client, official):
    response = anonymous_client.get("/en/offentlig/kontrollera/", {"url": official.url})
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()
