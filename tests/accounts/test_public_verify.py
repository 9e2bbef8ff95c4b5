"""Is this address an official account of the municipality? (R7)"""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountStatus
from accounts.platforms import parse_profile_url
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


# --- Addresses that identify a page by its number or its old path (issue #13) -----------------

PEOPLE_PAGE = "https://www.facebook.com/people/Haparanda-Fritid/100064123456789/"


@pytest.fixture
def people_page(owner, department):
    """An official page without a user name, registered from its /people/ address."""
    parsed = parse_profile_url(PEOPLE_PAGE)
    return make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda fritid",
        url=parsed.url,
        handle=parsed.handle,
    )


@pytest.mark.parametrize(
    "pasted",
    [
        PEOPLE_PAGE,
        "https://www.facebook.com/people/Nytt-Namn/100064123456789",
        "https://m.facebook.com/profile.php?id=100064123456789&sk=about",
        "https://sv-se.facebook.com/p/Haparanda-Fritid-100064123456789/",
        "https://www.facebook.com/100064123456789",
    ],
)
def test_a_page_known_by_its_number_is_found_in_each_of_its_forms(
    anonymous_client, people_page, pasted
):
    assert str(_(YES)) in _verify(anonymous_client, pasted)
    data = _verify_json(anonymous_client, pasted)
    assert data["result"] == "official"
    assert data["account"]["id"] == people_page.pk


@pytest.mark.parametrize(
    "pasted",
    [
        # The same name, another page: the number is what identifies it.
        "https://www.facebook.com/people/Haparanda-Fritid/100064999999999/",
        "https://www.facebook.com/people/Falsk-Sida/61550000000000/",
        "https://www.facebook.com/profile.php?id=1000641234567890",
        "https://www.facebook.com/p/Haparanda-Fritid-100064123456788/",
        "https://www.facebook.com/pg/haparandafritid/",
        "https://www.facebook.com/people",
    ],
)
def test_another_page_of_the_same_form_is_never_called_official(
    anonymous_client, people_page, pasted
):
    html = _verify(anonymous_client, pasted)
    assert str(_(YES)) not in html
    assert people_page.display_name not in html
    response = anonymous_client.get(reverse("public:verify_json"), {"url": pasted})
    assert response.json().get("result") != "official"
    assert response.json().get("account") is None


def test_a_page_registered_by_its_old_pg_address_is_found_by_its_name(
    anonymous_client, owner, department
):
    parsed = parse_profile_url("https://www.facebook.com/pg/haparandafritid/about/")
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        url=parsed.url,
        handle=parsed.handle,
    )
    assert _verify_json(anonymous_client, "facebook.com/HaparandaFritid")["account"]["id"] == (
        account.pk
    )
    assert _verify_json(anonymous_client, "facebook.com/pg/falskfritid")["result"] == (
        "not_official"
    )


def test_a_mastodon_handle_is_found_whatever_its_case(anonymous_client, owner, department):
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        platform="mastodon",
        url="https://mastodon.nu/@haparanda",
        handle="@haparanda@mastodon.nu",
    )
    for pasted in ("https://Mastodon.nu/@Haparanda", "@HAPARANDA@mastodon.nu"):
        assert str(_(YES)) in _verify(anonymous_client, pasted)
        assert _verify_json(anonymous_client, pasted)["account"]["id"] == account.pk


@pytest.mark.parametrize(
    ("pasted", "swedish"),
    [
        ("mailto:kommun@haparanda.se", "Det där är en e-postadress"),
        ("kommun@haparanda.se", "Det där är en e-postadress"),
        ("http://localhost:8000/@haparanda", "ett internt nätverk"),
        ("http://192.168.0.10/haparanda", "ett internt nätverk"),
        ("http://[::1]/@haparanda", "ett internt nätverk"),
        ("https://intranat.local/@haparanda", "ett internt nätverk"),
        ("ftp://www.facebook.com/haparandabibliotek", "Bara webbadresser som börjar med https://"),
        ("https://www.facebook.com@evil.example.com/haparandabibliotek", "användarnamn"),
    ],
)
def test_what_is_not_an_account_address_is_refused_with_a_reason_in_swedish(
    anonymous_client, official, pasted, swedish
):
    response = anonymous_client.get(reverse("public:verify"), {"url": pasted})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary" role="alert"' in html
    assert swedish in html
    assert str(_(YES)) not in html
    data = _verify_json(anonymous_client, pasted, status=400)
    assert swedish in data["error"]
    assert "result" not in data


def test_the_public_list_links_to_the_page_itself(anonymous_client, people_page):
    response = anonymous_client.get(reverse("public:account_list"))
    html = response.content.decode()
    assert 'href="https://www.facebook.com/profile.php?id=100064123456789"' in html
    assert 'href="https://www.facebook.com/people"' not in html
    data = anonymous_client.get(reverse("public:account_list_json")).json()
    (record,) = [a for a in data["accounts"] if a["id"] == people_page.pk]
    assert record["url"] == "https://www.facebook.com/profile.php?id=100064123456789"
