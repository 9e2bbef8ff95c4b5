"""The machine-readable list: JSON for any origin, CSV for spreadsheets (R7)."""

import csv
import io
import json
from datetime import datetime

import pytest
from django.urls import reverse

from accounts.models import AccountStatus
from accounts.public_selectors import PUBLIC_FIELDS
from tests.factories import make_account, make_closed_account

ORIGIN = "https://www.haparanda.se"


@pytest.fixture
def closed_account(owner, department):
    # Closed late in the evening: the public closing date is the Swedish local date.
    return make_closed_account(owner, department, closed_at=datetime(2024, 9, 2, 23, 30))


@pytest.fixture
def registry(active_account, closing_account, closed_account, draft_account, submitted_account):
    return {
        "active": active_account,
        "closing": closing_account,
        "closed": closed_account,
        "hidden": [draft_account, submitted_account],
    }


def _json(client, **params):
    response = client.get(reverse("public:account_list_json"), params)
    assert response.status_code == 200
    return response.json()


def _csv_rows(response):
    assert response.content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- JSON ---------------------------------------------------------------------------------------


def test_json_lists_the_public_accounts_with_a_stable_schema(anonymous_client, registry, settings):
    settings.SITE_URL = "https://sociala.haparanda.se"
    data = _json(anonymous_client)
    assert data["count"] == 3
    assert data["fields"] == list(PUBLIC_FIELDS)
    by_id = {a["id"]: a for a in data["accounts"]}
    assert set(by_id) == {registry["active"].pk, registry["closing"].pk, registry["closed"].pk}
    for record in data["accounts"]:
        assert list(record) == list(PUBLIC_FIELDS)

    active = by_id[registry["active"].pk]
    assert active["display_name"] == "Haparanda kultur"
    assert active["platform"] == "instagram"
    assert active["handle"] == "haparandakultur"
    assert active["url"] == "https://www.instagram.com/haparandakultur"
    assert active["department"] == "Kultur- och fritidsförvaltningen"
    assert active["department_slug"] == "kultur"
    assert active["status"] == "active"
    assert active["public_contact"] == "kultur@haparanda.se"
    assert active["closed_on"] is None
    assert active["public_page_url"] == (
        f"https://sociala.haparanda.se/offentlig/konton/{registry['active'].pk}/"
    )
    # A closing account is still official.
    assert by_id[registry["closing"].pk]["status"] == "active"

    closed = by_id[registry["closed"].pk]
    assert closed["status"] == "closed"
    assert closed["starts_on"] == "2024-05-01"
    assert closed["ends_on"] == "2024-08-31"
    # Closed at 23:30 Swedish time: the date is the local one.
    assert closed["closed_on"] == "2024-09-02"


def test_json_keeps_swedish_letters_readable(anonymous_client, registry):
    response = anonymous_client.get(reverse("public:account_list_json"))
    assert "förvaltningen".encode() in response.content
    assert response["Content-Type"].startswith("application/json")


def test_json_applies_the_same_filters(anonymous_client, registry, other_department):
    data = _json(anonymous_client, department=other_department.slug)
    assert [a["id"] for a in data["accounts"]] == [registry["closing"].pk]
    data = _json(anonymous_client, platform="instagram")
    assert [a["id"] for a in data["accounts"]] == [registry["active"].pk]
    data = _json(anonymous_client, platform="instagram", department=other_department.slug)
    assert data == {**data, "count": 0, "accounts": []}


def test_json_refuses_an_unknown_filter(anonymous_client, registry):
    response = anonymous_client.get(reverse("public:account_list_json"), {"platform": "myspace"})
    assert response.status_code == 400
    assert "platform" in response.json()["fields"]


def test_json_leaves_out_accounts_never_approved(anonymous_client, registry, owner):
    for status in (AccountStatus.CHANGES_REQUESTED, AccountStatus.REJECTED):
        make_account(created_by=owner, status=status)
    ids = {a["id"] for a in _json(anonymous_client)["accounts"]}
    assert ids.isdisjoint(a.pk for a in registry["hidden"])
    assert len(ids) == 3


def test_json_public_page_urls_follow_the_language(anonymous_client, registry, settings):
    settings.SITE_URL = "https://sociala.haparanda.se"
    response = anonymous_client.get("/en/offentlig/konton.json")
    assert response.status_code == 200
    urls = {a["public_page_url"] for a in response.json()["accounts"]}
    assert f"https://sociala.haparanda.se/en/offentlig/konton/{registry['active'].pk}/" in urls


def test_markup_in_account_texts_stays_data_in_json(anonymous_client, owner):
    name = '<script>alert("x")</script>'
    make_account(created_by=owner, status=AccountStatus.ACTIVE, display_name=name, purpose="</p>")
    response = anonymous_client.get(reverse("public:account_list_json"))
    data = json.loads(response.content)
    assert data["accounts"][0]["display_name"] == name
    assert data["accounts"][0]["purpose"] == "</p>"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_has_a_header_row_and_opens_in_excel(anonymous_client, registry):
    response = anonymous_client.get(reverse("public:account_list_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "charset=utf-8" in response["Content-Type"]
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == list(PUBLIC_FIELDS)
    assert len(rows) == 4
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    departments = {r["department"] for r in records}
    assert "Samhällsbyggnadsförvaltningen" in departments
    closed = next(r for r in records if r["id"] == str(registry["closed"].pk))
    assert closed["status"] == "closed"
    assert closed["closed_on"] == "2024-09-02"


def test_csv_applies_the_same_filters(anonymous_client, registry, other_department):
    response = anonymous_client.get(
        reverse("public:account_list_csv"), {"department": other_department.slug}
    )
    rows = _csv_rows(response)
    assert [row[0] for row in rows[1:]] == [str(registry["closing"].pk)]


def test_csv_refuses_an_unknown_filter(anonymous_client, registry):
    response = anonymous_client.get(reverse("public:account_list_csv"), {"department": "x"})
    assert response.status_code == 400


def test_csv_cells_cannot_become_spreadsheet_formulas(anonymous_client, owner):
    make_account(
        created_by=owner,
        status=AccountStatus.ACTIVE,
        display_name='=HYPERLINK("https://evil.example","Klicka")',
        handle="+46701234567",
        purpose="-2+3",
        public_contact="@SUM(A1)",
    )
    rows = _csv_rows(anonymous_client.get(reverse("public:account_list_csv")))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["display_name"] == '\'=HYPERLINK("https://evil.example","Klicka")'
    assert record["handle"] == "'+46701234567"
    assert record["purpose"] == "'-2+3"
    assert record["public_contact"] == "'@SUM(A1)"
    # Ordinary cells are left alone.
    assert record["platform"] == "facebook"


def test_markup_and_line_breaks_in_csv_stay_in_their_cell(anonymous_client, owner):
    make_account(
        created_by=owner,
        status=AccountStatus.ACTIVE,
        display_name='<b>"Kultur", och fritid</b>',
        purpose="Rad ett\nRad två; med semikolon",
    )
    rows = _csv_rows(anonymous_client.get(reverse("public:account_list_csv")))
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["display_name"] == '<b>"Kultur", och fritid</b>'
    assert record["purpose"] == "Rad ett\nRad två; med semikolon"


# --- Headers: caching and CORS ------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["account_list_json", "account_list_csv"])
def test_feeds_may_be_cached(anonymous_client, registry, url_name):
    response = anonymous_client.get(reverse(f"public:{url_name}"))
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path",
    [
        "/offentlig/konton.json",
        "/offentlig/konton.csv",
        "/en/offentlig/konton.json",
        "/fi/offentlig/konton.json",
        "/fit/offentlig/konton.csv",
        "/offentlig/kontrollera.json?url=https://www.instagram.com/haparandakultur",
    ],
)
def test_feeds_may_be_read_from_any_origin(anonymous_client, registry, path):
    response = anonymous_client.get(path, headers={"Origin": "https://example.org"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_html_pages_are_not_opened_to_other_origins(anonymous_client, registry):
    response = anonymous_client.get(reverse("public:account_list"), headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_a_preflight_allows_only_reading(anonymous_client, registry):
    response = anonymous_client.options(
        reverse("public:account_list_json"),
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 200
    methods = {m.strip() for m in response["Access-Control-Allow-Methods"].split(",")}
    assert methods == {"GET", "OPTIONS"}


@pytest.mark.parametrize("url_name", ["account_list_json", "account_list_csv", "verify_json"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_feeds_refuse_writes(anonymous_client, registry, url_name, method):
    response = getattr(anonymous_client, method)(
        reverse(f"public:{url_name}"), headers={"Origin": "https://example.org"}
    )
    assert response.status_code == 405
