"""The public list, the account pages and the embeddable list (R7, R24, R26)."""

import re
from datetime import date, datetime
from decimal import Decimal
from html import escape

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import AccountStatus, Platform
from tests.factories import make_account, make_closed_account, make_department

NON_PUBLIC = [
    AccountStatus.DRAFT,
    AccountStatus.SUBMITTED,
    AccountStatus.CHANGES_REQUESTED,
    AccountStatus.REJECTED,
]


@pytest.fixture
def closed_account(owner, department):
    return make_closed_account(owner, department, closed_at=datetime(2024, 9, 2, 10, 0))


@pytest.fixture
def hidden_accounts(owner, department):
    return [
        make_account(
            created_by=owner,
            department=department,
            status=status,
            display_name=f"Dold ansökan {status}",
        )
        for status in NON_PUBLIC
    ]


@pytest.fixture
def registry(active_account, closing_account, closed_account, hidden_accounts):
    return {
        "active": active_account,
        "closing": closing_account,
        "closed": closed_account,
        "hidden": hidden_accounts,
    }


def _page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _public_urls(account):
    return [
        reverse("public:account_list"),
        reverse("public:account_list_embed"),
        reverse("public:account_detail", args=[account.pk]),
        reverse("public:verify") + "?url=" + account.url,
    ]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_public_page_is_open_without_login(anonymous_client, registry, prefix):
    account = registry["active"]
    paths = [
        "/offentlig/",
        f"/offentlig/konton/{account.pk}/",
        f"/offentlig/konton/{registry['closed'].pk}/",
        "/offentlig/konton.json",
        "/offentlig/konton.csv",
        "/offentlig/kontrollera/",
        f"/offentlig/kontrollera/?url={account.url}",
        f"/offentlig/kontrollera.json?url={account.url}",
        "/offentlig/inbaddning/",
    ]
    for path in paths:
        for method in ("get", "head"):
            response = getattr(anonymous_client, method)(prefix + path)
            assert response.status_code == 200, (method, prefix + path)


# --- The list -----------------------------------------------------------------------------------


def test_anonymous_visitor_sees_the_official_accounts(anonymous_client, registry):
    html = _page(anonymous_client, reverse("public:account_list"))
    for account in (registry["active"], registry["closing"], registry["closed"]):
        assert account.display_name in html
        assert account.get_public_url() in html
    # Active and closing accounts link to the platform; the closed one does not.
    assert f'href="{registry["active"].url}" rel="noopener"' in html
    assert f'href="{registry["closing"].url}" rel="noopener"' in html
    assert f'href="{registry["closed"].url}"' not in html


def test_the_list_leaves_out_accounts_that_were_never_approved(anonymous_client, registry):
    html = _page(anonymous_client, reverse("public:account_list"))
    for account in registry["hidden"]:
        assert account.display_name not in html
        assert account.get_public_url() not in html


def test_closed_accounts_are_listed_apart_with_their_closing_date(anonymous_client, registry):
    html = _page(anonymous_client, reverse("public:account_list"))
    closed_heading = html.index(str(_("Closed accounts")) + "</h2>")
    assert html.index(registry["closed"].display_name) > closed_heading
    assert html.index(registry["active"].display_name) < closed_heading
    assert html.index(registry["closing"].display_name) < closed_heading
    assert '<time datetime="2024-09-02">' in html


def test_the_closed_section_is_left_out_when_nothing_is_closed(anonymous_client, active_account):
    html = _page(anonymous_client, reverse("public:account_list"))
    assert str(_("Closed accounts")) + "</h2>" not in html


def test_the_list_counts_official_and_closed_accounts(anonymous_client, registry):
    html = _page(anonymous_client, reverse("public:account_list"))
    expected = _("In all: %(active)s official and %(closed)s closed accounts.") % {
        "active": 2,
        "closed": 1,
    }
    assert expected in html


def test_the_list_filters_by_department(anonymous_client, registry, other_department):
    html = _page(anonymous_client, reverse("public:account_list"), department=other_department.slug)
    assert registry["closing"].display_name in html
    assert registry["active"].display_name not in html
    assert registry["closed"].display_name not in html
    # The filter is kept in the form and in the links to the feeds.
    assert f'<option value="{other_department.slug}" selected>' in html
    assert f"konton.json?department={other_department.slug}" in html


def test_the_list_filters_by_platform(anonymous_client, registry):
    html = _page(anonymous_client, reverse("public:account_list"), platform="instagram")
    assert registry["active"].display_name in html
    assert registry["closing"].display_name not in html
    assert registry["closed"].display_name not in html
    assert '<option value="instagram" selected>' in html


def test_an_unknown_filter_is_shown_as_an_error_and_ignored(anonymous_client, registry):
    response = anonymous_client.get(
        reverse("public:account_list"), {"department": "nope", "platform": "instagram"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field has-error"' in html
    assert 'aria-invalid="true"' in html
    # The valid filter still applies.
    assert registry["active"].display_name in html
    assert registry["closing"].display_name not in html


def test_a_department_without_public_accounts_gives_an_empty_list(anonymous_client, registry):
    empty = make_department("Miljöförvaltningen", "miljo")
    html = _page(anonymous_client, reverse("public:account_list"), department=empty.slug)
    assert registry["active"].display_name not in html
    assert str(_("No official account matches the filter.")) in html


def test_the_filter_offers_only_departments_with_public_accounts(anonymous_client, registry):
    make_department("Miljöförvaltningen", "miljo")
    html = _page(anonymous_client, reverse("public:account_list"))
    assert 'value="kultur"' in html
    assert 'value="samhallsbyggnad"' in html
    assert 'value="miljo"' not in html


def test_the_filter_form_works_without_javascript(anonymous_client, registry):
    html = _page(anonymous_client, reverse("public:account_list"))
    form = re.search(r"<form[^>]*public-filters[^>]*>(.*?)</form>", html, re.S)
    assert 'method="get"' in form.group(0)
    assert '<label for="id_department">' in form.group(1)
    assert '<label for="id_platform">' in form.group(1)
    assert 'type="submit"' in form.group(1)


def test_the_list_is_sorted_by_department_then_name_the_swedish_way(anonymous_client, owner):
    order = [
        ("Barn- och utbildningsförvaltningen", "barn", "alfa"),
        ("Barn- och utbildningsförvaltningen", "barn", "Beta"),
        ("Barn- och utbildningsförvaltningen", "barn", "Zeta"),
        ("Barn- och utbildningsförvaltningen", "barn", "Ängeln"),
        ("Kultur- och fritidsförvaltningen", "kultur", "Älvdalen"),
        ("Överförmyndaren", "overformyndaren", "Aktuellt"),
    ]
    for dept_name, slug, name in reversed(order):
        make_account(
            created_by=owner,
            department=make_department(dept_name, slug),
            status=AccountStatus.ACTIVE,
            display_name=name,
        )
    html = _page(anonymous_client, reverse("public:account_list"))
    positions = [html.index(f">{name}</a>") for _d, _s, name in order]
    assert positions == sorted(positions)


def test_the_list_explains_why_it_exists_and_has_one_h1(anonymous_client, registry):
    html = _page(anonymous_client, reverse("public:account_list"))
    assert html.count("<h1") == 1
    # The Swedish legal term is kept, and marked as Swedish, in every language.
    assert '<span lang="sv">allmänna handlingar</span>' in html
    assert '<caption id="active-caption">' in html
    assert '<th scope="col">' in html
    assert '<th scope="row">' in html
    assert 'role="status"' in html


def test_the_platform_link_names_the_account(anonymous_client, active_account):
    html = _page(anonymous_client, reverse("public:account_list"))
    link_text = _("%(name)s on %(platform)s") % {
        "name": active_account.display_name,
        "platform": active_account.get_platform_display(),
    }
    assert f'rel="noopener">{link_text}</a>' in html


# --- One page per account -----------------------------------------------------------------------


def test_the_account_page_shows_the_public_record(anonymous_client, active_account):
    active_account.ends_on = date(2031, 12, 31)
    active_account.save(update_fields=["ends_on"])
    html = _page(anonymous_client, reverse("public:account_detail", args=[active_account.pk]))
    assert html.count("<h1") == 1
    for value in (
        active_account.display_name,
        active_account.handle,
        active_account.url,
        active_account.department.name,
        active_account.purpose,
        active_account.answers,
        active_account.does_not_answer,
        active_account.public_contact,
    ):
        assert escape(value) in html
    for name in active_account.VISITOR_FIELDS:
        assert escape(getattr(active_account, name)) in html
    assert f'<time datetime="{active_account.starts_on:%Y-%m-%d}">' in html
    assert '<time datetime="2031-12-31">' in html
    assert f'href="mailto:{active_account.public_contact}"' in html


def test_the_page_of_a_closed_account_says_when_it_closed(anonymous_client, closed_account):
    html = _page(anonymous_client, reverse("public:account_detail", args=[closed_account.pk]))
    assert str(_("This account is closed.")) in html
    assert '<time datetime="2024-09-02">' in html
    # The address is shown, but not as a link: someone else may hold it now.
    assert closed_account.url in html
    assert f'href="{closed_account.url}"' not in html


def test_without_a_public_contact_the_page_points_to_the_communicators(
    anonymous_client, active_account, settings
):
    active_account.public_contact = ""
    active_account.save(update_fields=["public_contact"])
    html = _page(anonymous_client, reverse("public:account_detail", args=[active_account.pk]))
    assert f'href="mailto:{settings.COMMUNICATOR_EMAIL}"' in html


def test_a_closing_account_is_shown_as_active(anonymous_client, closing_account):
    html = _page(anonymous_client, reverse("public:account_detail", args=[closing_account.pk]))
    assert str(_("This account is closed.")) not in html
    assert f'href="{closing_account.url}" rel="noopener"' in html


@pytest.mark.parametrize("status", NON_PUBLIC)
def test_an_account_never_approved_has_no_public_page(anonymous_client, owner, status):
    account = make_account(created_by=owner, status=status)
    response = anonymous_client.get(reverse("public:account_detail", args=[account.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("status", NON_PUBLIC)
def test_staff_do_not_see_a_public_page_for_an_unapproved_account(
    communicator_client, owner, status
):
    account = make_account(created_by=owner, status=status)
    response = communicator_client.get(reverse("public:account_detail", args=[account.pk]))
    assert response.status_code == 404


def test_an_unknown_account_is_not_found(anonymous_client, db):
    assert anonymous_client.get("/offentlig/konton/999999/").status_code == 404


def test_the_account_page_marks_swedish_texts_on_the_english_page(anonymous_client, active_account):
    html = _page(anonymous_client, f"/en/offentlig/konton/{active_account.pk}/")
    assert '<html lang="en">' in html
    assert f'<p class="public-text" lang="sv">{escape(active_account.purpose)}</p>' in html


# --- Language -----------------------------------------------------------------------------------


def test_the_public_pages_are_swedish_by_default_and_english_under_en(
    anonymous_client, active_account
):
    assert '<html lang="sv">' in _page(anonymous_client, "/offentlig/")
    html = _page(anonymous_client, "/en/offentlig/")
    assert '<html lang="en">' in html
    # The language switch is a plain link to the same page, marked with its language.
    assert '<a href="/offentlig/" lang="sv" hreflang="sv">svenska</a>' in html
    assert '<a href="/en/offentlig/" lang="en" hreflang="en">English</a>' in _page(
        anonymous_client, "/offentlig/"
    )


# --- Caching ------------------------------------------------------------------------------------


def test_public_pages_may_be_cached_by_anyone(anonymous_client, registry):
    for url in _public_urls(registry["active"]):
        response = anonymous_client.get(url)
        assert response.status_code == 200, url
        assert "public" in response["Cache-Control"], url
        assert "max-age=300" in response["Cache-Control"], url
        # Nothing personal to the visitor, not even a CSRF token, goes into a shared cache.
        assert "csrftoken" not in response.cookies, url
        assert "csrfmiddlewaretoken" not in response.content.decode(), url


def test_a_logged_in_employee_gets_a_private_copy(owner_client, owner, registry):
    response = owner_client.get(reverse("public:account_list"))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_public_pages_are_read_only(anonymous_client, active_account):
    for url in _public_urls(active_account):
        assert anonymous_client.post(url).status_code == 405, url


# --- Framing ------------------------------------------------------------------------------------


def test_the_embeddable_list_may_be_framed_by_the_municipality_website(
    anonymous_client, registry, settings
):
    settings.CSP_EMBED_ORIGINS = ["https://www.haparanda.se", "https://intranat.haparanda.se"]
    response = anonymous_client.get(reverse("public:account_list_embed"))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    directive = re.search(r"frame-ancestors ([^;]*)", policy).group(1)
    assert directive.split() == ["https://www.haparanda.se", "https://intranat.haparanda.se"]
    # The rest of the strict policy stays.
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_without_embed_origins_the_embeddable_list_cannot_be_framed(
    anonymous_client, registry, settings
):
    settings.CSP_EMBED_ORIGINS = []
    response = anonymous_client.get(reverse("public:account_list_embed"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_the_embeddable_list_has_no_site_chrome_and_links_leave_the_frame(
    anonymous_client, registry
):
    html = _page(anonymous_client, reverse("public:account_list_embed"))
    assert '<body class="embed">' in html
    assert "site-header" not in html
    assert "site-footer" not in html
    assert html.count("<h1") == 1
    assert registry["closing"].display_name in html
    assert registry["closed"].display_name in html
    for account in (registry["active"], registry["closing"]):
        assert f'href="{account.get_public_url()}" target="_top"' in html
        assert f'href="{account.url}" rel="noopener" target="_top"' in html
    assert registry["hidden"][0].display_name not in html


def test_the_embeddable_list_filters_too(anonymous_client, registry, other_department):
    html = _page(
        anonymous_client, reverse("public:account_list_embed"), department=other_department.slug
    )
    assert registry["closing"].display_name in html
    assert registry["active"].display_name not in html


def test_every_other_public_page_refuses_to_be_framed(anonymous_client, registry):
    urls = [
        reverse("public:account_list"),
        reverse("public:account_detail", args=[registry["active"].pk]),
        reverse("public:verify"),
        reverse("public:account_list_json"),
        reverse("public:account_list_csv"),
        reverse("public:verify_json") + "?url=" + registry["active"].url,
    ]
    for url in urls:
        response = anonymous_client.get(url)
        assert response.status_code == 200, url
        assert response["X-Frame-Options"] == "DENY", url
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], url


# --- Escaping and privacy -----------------------------------------------------------------------


HOSTILE_NAME = '<script>alert("namn")</script>'
HOSTILE_PURPOSE = '<img src=x onerror="alert(1)"> & "syfte"'


@pytest.fixture
def hostile_account(owner, department):
    return make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name=HOSTILE_NAME,
        purpose=HOSTILE_PURPOSE,
        answers="<b>svar</b>",
        visitor_contact="<a href=javascript:alert(1)>kontakt</a>",
    )


def test_markup_in_account_texts_is_escaped_on_every_public_page(anonymous_client, hostile_account):
    for url in _public_urls(hostile_account):
        html = _page(anonymous_client, url)
        assert HOSTILE_NAME not in html, url
        assert "<script>" not in html, url
        assert escape(HOSTILE_NAME) in html or escape(HOSTILE_NAME, quote=False) in html, url
        assert "<img src=x" not in html, url
        assert "<a href=javascript" not in html, url


@pytest.fixture
def private_account(owner, deputy, administrator, manager, communicator, department):
    from tests.factories import Role, add_role

    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Fritidsgården",
        plan="Hemlig publiceringsplan: tre inlägg i veckan",
        tonality="Tonalitetstext som inte ska synas",
        audiences="Målgruppstext som inte ska synas",
        hours_per_week=Decimal("13.5"),
        credentials_location="Låda 42 i kassaskåpet på plan 3",
        credentials_access="Endast Olle och Disa via nyckelskåpet",
    )
    add_role(account, owner, Role.OWNER, manager=manager)
    add_role(account, deputy, Role.DEPUTY, manager=manager)
    add_role(account, administrator, Role.ADMINISTRATOR, manager=manager, appointed_by=communicator)
    return account


def _private_strings(account, people):
    strings = [
        account.plan,
        account.tonality,
        account.audiences,
        account.credentials_location,
        account.credentials_access,
        "13.5",
        "13,5",
    ]
    for person in people:
        strings += [person.username, person.email, person.get_full_name()]
    return strings


def test_no_staff_personal_data_on_any_public_page_or_feed(
    anonymous_client, private_account, owner, deputy, administrator, manager, communicator
):
    urls = [
        *_public_urls(private_account),
        reverse("public:account_list_json"),
        reverse("public:account_list_csv"),
        reverse("public:verify_json") + "?url=" + private_account.url,
        f"/en/offentlig/konton/{private_account.pk}/",
    ]
    secrets = _private_strings(
        private_account, [owner, deputy, administrator, manager, communicator]
    )
    for url in urls:
        response = anonymous_client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        assert private_account.display_name in body, url  # the page is about this account
        for secret in secrets:
            assert secret not in body, (url, secret)


# --- Query budgets ------------------------------------------------------------------------------


def _make_public_accounts(owner, count):
    departments = [
        make_department("Kultur- och fritidsförvaltningen", "kultur"),
        make_department("Samhällsbyggnadsförvaltningen", "samhallsbyggnad"),
        make_department("Barn- och utbildningsförvaltningen", "barn"),
    ]
    statuses = [AccountStatus.ACTIVE, AccountStatus.CLOSING, AccountStatus.CLOSED]
    for i in range(count):
        make_account(
            created_by=owner,
            department=departments[i % 3],
            status=statuses[i % 3],
            platform=[Platform.FACEBOOK, Platform.INSTAGRAM][i % 2],
        )


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    "url_name",
    ["account_list", "account_list_embed", "account_list_json", "account_list_csv"],
)
def test_lists_use_a_constant_number_of_queries(
    anonymous_client, owner, django_assert_num_queries, count, url_name
):
    _make_public_accounts(owner, count)
    url = reverse(f"public:{url_name}")
    # 1. the registry version, under which the answer is stored
    # 2. the departments, with their number of public accounts (filter choices and validation)
    # 3. the public accounts, joined with their departments
    # (an anonymous visitor has no session, so no session query)
    with django_assert_num_queries(3):
        response = anonymous_client.get(url, {"platform": "facebook"})
    assert response.status_code == 200
    # Asked again within PUBLIC_CACHE_VERSION_SECONDS, the stored copy answers alone.
    with django_assert_num_queries(0):
        again = anonymous_client.get(url, {"platform": "facebook"})
    assert again.content == response.content


@pytest.mark.parametrize("count", [3, 30])
def test_the_account_page_uses_two_queries(
    anonymous_client, owner, django_assert_num_queries, count
):
    _make_public_accounts(owner, count)
    account = make_account(created_by=owner, status=AccountStatus.ACTIVE)
    # 1. the account, joined with its department
    # 2. its completed archive snapshots
    with django_assert_num_queries(2):
        response = anonymous_client.get(reverse("public:account_detail", args=[account.pk]))
    assert response.status_code == 200
