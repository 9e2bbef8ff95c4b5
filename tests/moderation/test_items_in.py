"""R10: items registered by hand, imported from files (all or nothing, errors by line) and
ingested through the token-protected endpoint."""

import datetime as dt
import io
import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from moderation.models import IngestToken, Item, ItemSource
from moderation.services import ingest_token_create

REGISTER = reverse("moderation:item_register")
IMPORT = reverse("moderation:item_import")
API = reverse("moderation:ingest_api")

CSV_OK = (
    "platform_id,kind,author_name,text,published_at\n"
    "c1,comment,Anna,När öppnar simhallen?,2026-01-12T09:30:00+01:00\n"
    'c2,comment,Bertil,"Trasig lampa, Storgatan",2026-01-12T10:00:00+01:00\n'
)
CSV_BAD_LINE_3 = CSV_OK.replace("2026-01-12T10:00:00+01:00", "igår")


# --- By hand ---------------------------------------------------------------------------------


def register_data(account, **overrides):
    return {
        "account": account.pk,
        "kind": "comment",
        "author_name": "Anna",
        "text": "Hej <b>där</b>",
        "link": "https://www.instagram.com/p/abc/",
        "published_at": "2026-01-12T09:30",
        **overrides,
    }


def test_an_owner_registers_an_item_by_hand(owner_client, active_account):
    response = owner_client.post(REGISTER, register_data(active_account))
    item = Item.objects.get()
    assert response.status_code == 302
    assert item.source == ItemSource.MANUAL
    assert item.platform_id == "https://www.instagram.com/p/abc/"
    assert item.actions.get().actor.username == "olle.agare"


def test_registering_the_same_link_twice_keeps_one_item(owner_client, active_account):
    owner_client.post(REGISTER, register_data(active_account))
    owner_client.post(REGISTER, register_data(active_account))
    assert Item.objects.count() == 1


def test_a_registration_without_text_is_refused_and_keeps_the_input(owner_client, active_account):
    response = owner_client.post(REGISTER, register_data(active_account, text="", author_name="Ny"))
    assert response.status_code == 400
    assert "text" in response.context["form"].errors
    assert 'value="Ny"' in response.content.decode()
    assert not Item.objects.exists()


def test_an_outsider_cannot_register_on_anothers_account(outsider_client, active_account):
    response = outsider_client.post(REGISTER, register_data(active_account))
    assert response.status_code == 400
    assert "account" in response.context["form"].errors
    assert not Item.objects.exists()


def test_anonymous_cannot_register(anonymous_client, active_account):
    response = anonymous_client.get(REGISTER)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    response = anonymous_client.post(REGISTER, register_data(active_account))
    assert response["Location"].startswith(reverse("login"))
    assert not Item.objects.exists()


# --- File import -----------------------------------------------------------------------------


def upload(client, account, content, name="items.csv"):
    return client.post(
        IMPORT, {"account": account.pk, "file": SimpleUploadedFile(name, content.encode())}
    )


def test_a_csv_file_is_imported(owner_client, active_account):
    response = upload(owner_client, active_account, CSV_OK)
    assert response.status_code == 302
    assert set(Item.objects.values_list("platform_id", flat=True)) == {"c1", "c2"}
    assert Item.objects.get(platform_id="c2").text == "Trasig lampa, Storgatan"


def test_importing_the_same_file_twice_adds_nothing(owner_client, active_account):
    upload(owner_client, active_account, CSV_OK)
    upload(owner_client, active_account, CSV_OK)
    assert Item.objects.count() == 2


def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(owner_client, active_account):
    response = upload(owner_client, active_account, CSV_BAD_LINE_3)
    assert response.status_code == 400
    errors = response.context["errors"]
    assert len(errors) == 1
    assert "3" in errors[0] and "published_at" in errors[0]
    assert not Item.objects.exists()


def test_a_json_array_is_imported_and_a_bad_item_is_reported_by_position(
    owner_client, active_account
):
    rows = [
        {
            "platform_id": "j1",
            "kind": "message",
            "author_name": "A",
            "text": "Hej",
            "published_at": "2026-01-12T09:30:00Z",
        },
        {
            "platform_id": "j2",
            "kind": "story",
            "author_name": "B",
            "text": "Hej",
            "published_at": "2026-01-12T09:30:00Z",
        },
    ]
    response = upload(owner_client, active_account, json.dumps(rows), "items.json")
    assert response.status_code == 400
    assert "2" in response.context["errors"][0]
    assert not Item.objects.exists()
    rows[1]["kind"] = "comment"
    assert upload(owner_client, active_account, json.dumps(rows), "i.json").status_code == 302
    assert Item.objects.count() == 2


def test_json_lines_report_the_line_of_broken_json(owner_client, active_account):
    good = json.dumps(
        {
            "platform_id": "l1",
            "kind": "comment",
            "author_name": "A",
            "published_at": "2026-01-12T09:30:00Z",
        }
    )
    response = upload(owner_client, active_account, f"{good}\n{{broken\n", "items.jsonl")
    assert response.status_code == 400
    assert "2" in response.context["errors"][0]
    assert not Item.objects.exists()


@pytest.mark.parametrize("content", ["", "\x00\x01garbage", "a,b\n1,2\n", "[1, 2]", "[{]"])
def test_malformed_files_are_refused_without_a_server_error(owner_client, active_account, content):
    response = upload(owner_client, active_account, content)
    assert response.status_code == 400
    assert not Item.objects.exists()


def test_a_file_over_the_size_limit_is_refused(owner_client, active_account):
    big = CSV_OK + "x" * (5 * 1024 * 1024)
    response = upload(owner_client, active_account, big)
    assert response.status_code == 400
    assert "file" in response.context["form"].errors
    assert not Item.objects.exists()


def test_an_outsider_cannot_import_into_anothers_account(outsider_client, active_account):
    response = upload(outsider_client, active_account, CSV_OK)
    assert response.status_code == 400
    assert not Item.objects.exists()


def test_the_import_command_imports_a_file(tmp_path, active_account):
    path = tmp_path / "items.csv"
    path.write_text(CSV_OK, encoding="utf-8")
    out = io.StringIO()
    call_command("import_items", str(path), account=active_account.url, stdout=out)
    assert Item.objects.count() == 2


def test_the_import_command_reports_the_bad_line_and_imports_nothing(tmp_path, active_account):
    path = tmp_path / "items.csv"
    path.write_text(CSV_BAD_LINE_3, encoding="utf-8")
    with pytest.raises(CommandError, match="3"):
        call_command("import_items", str(path), account=str(active_account.pk))
    assert not Item.objects.exists()


# --- Ingest endpoint -------------------------------------------------------------------------


@pytest.fixture
def token(db):
    return ingest_token_create(name="instagram")[1]


def post_api(client, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(API, data=data, content_type="application/json", **headers)


def api_item(account, **fields):
    return {
        "account": account.url,
        "platform_id": "ig_1",
        "kind": "comment",
        "author_name": "Anna",
        "text": "Fin bild!",
        "published_at": "2026-01-12T09:30:00Z",
        **fields,
    }


def test_the_token_is_stored_only_as_a_hash(token):
    stored = IngestToken.objects.get()
    assert token not in (stored.token_hash, stored.prefix + "x")
    assert len(stored.token_hash) == 64
    # The admin names a token by the first eight characters the connector holds.
    assert stored.prefix == token[:8]


def test_a_new_token_revokes_only_the_connectors_current_one(db):
    first_made = dt.datetime(2026, 1, 12, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(first_made, tick=False):
        ingest_token_create(name="instagram")
    with time_machine.travel(first_made + dt.timedelta(days=1), tick=False):
        ingest_token_create(name="instagram")
    with time_machine.travel(first_made + dt.timedelta(days=2), tick=False):
        ingest_token_create(name="instagram")
    revoked = list(IngestToken.objects.order_by("pk").values_list("revoked_at", flat=True))
    assert revoked == [
        first_made + dt.timedelta(days=1),
        first_made + dt.timedelta(days=2),
        None,
    ]


def test_the_endpoint_ingests_idempotently(anonymous_client, active_account, token):
    first = post_api(anonymous_client, api_item(active_account), token)
    again = post_api(anonymous_client, api_item(active_account), token)
    assert first.status_code == 200 and first.json()["created"] == 1
    assert again.json()["created"] == 0
    edited = post_api(anonymous_client, api_item(active_account, text="Ändrad"), token)
    assert edited.json()["changed"] == 1
    assert Item.objects.get().versions.count() == 2


def test_the_endpoint_takes_a_list_and_flags_personal_data(anonymous_client, active_account, token):
    body = {
        "account": active_account.url,
        "source": "instagram",
        "items": [
            {
                k: v
                for k, v in api_item(
                    active_account, platform_id=f"ig_{n}", text="pnr 19121212-1212"
                ).items()
                if k != "account"
            }
            for n in range(3)
        ],
    }
    response = post_api(anonymous_client, body, token)
    assert response.status_code == 200
    assert all(entry["flagged"] for entry in response.json()["items"])
    assert set(Item.objects.values_list("source", flat=True)) == {"instagram"}


@pytest.mark.parametrize("bad_token", [None, "wrong", ""])
def test_a_bad_token_gets_401(anonymous_client, active_account, token, bad_token):
    response = post_api(anonymous_client, api_item(active_account), bad_token)
    assert response.status_code == 401
    assert not Item.objects.exists()


def test_the_last_use_of_a_token_is_kept_for_the_operator(anonymous_client, active_account, token):
    ingest_token_create(name="facebook")
    used = dt.datetime(2026, 1, 12, 9, 45, tzinfo=dt.UTC)
    with time_machine.travel(used, tick=False):
        assert post_api(anonymous_client, api_item(active_account), token).status_code == 200
    tokens = {t.name: t.last_used_at for t in IngestToken.objects.all()}
    assert tokens == {"instagram": used, "facebook": None}


def test_a_revoked_token_gets_401(anonymous_client, active_account, token):
    ingest_token_create(name="instagram")  # replaces and revokes the first
    assert post_api(anonymous_client, api_item(active_account), token).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        b"\xff\xfe",
        "[]",
        '"text"',
        {"items": []},
        {"items": "x"},
        {"items": [1]},
        {
            "account": "https://example.com/nope",
            "platform_id": "x",
            "kind": "comment",
            "author_name": "A",
            "published_at": "2026-01-12T09:30:00Z",
        },
    ],
)
def test_malformed_bodies_get_400_with_details(anonymous_client, active_account, token, body):
    response = post_api(anonymous_client, body, token)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Item.objects.exists()


def test_one_bad_item_saves_none_of_the_batch(anonymous_client, active_account, token):
    body = {
        "items": [
            api_item(active_account),
            api_item(active_account, platform_id="2", published_at="yesterday"),
        ]
    }
    response = post_api(anonymous_client, body, token)
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith("Inlägg 2: published_at")
    assert response.json()["valid_items"] == [1]
    assert response.json()["saved"] == 0
    assert not Item.objects.exists()


def test_the_endpoint_refuses_get(anonymous_client, token):
    assert anonymous_client.get(API).status_code == 405


def test_the_token_command_prints_the_token_once(db):
    out = io.StringIO()
    call_command("create_ingest_token", "facebook", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    from moderation.services import ingest_token_authenticate

    assert ingest_token_authenticate(raw).name == "facebook"


# --- Hostile input: a clear error naming the item and the field, never a server error --------

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("platform_id", "p" * 201),
        ("author_name", "A" * 201),
        ("author_platform_id", "9" * 201),
        ("link", "https://example.com/" + "x" * 1000),
        ("text", "Hej\u0000då"),
        ("author_name", "Anna\u0000"),
        ("platform_id", "ig\u0000"),
        ("text", "\ud800"),
    ],
)
def test_the_endpoint_names_the_bad_item_and_field_and_saves_nothing(
    anonymous_client, active_account, token, field, value
):
    body = {"items": [api_item(active_account), api_item(active_account, **{field: value})]}
    response = post_api(anonymous_client, json.dumps(body), token)
    assert response.status_code == 400
    data = response.json()
    assert data["errors"][0].startswith(f"Inlägg 2: {field}")
    assert data["valid_items"] == [1]
    assert "Inget sparades" in data["detail"]
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"items": [' + DEEP + "]}",
        '{"items": [{"platform_id": ' + DEEP + "}]}",
        '{"items": [{"text": ' + "[" * 500 + "]" * 500 + "}]}",
        '{"account": ' + "[" * 500 + "]" * 500 + "}",
        '{"source": ' + "[" * 500 + "]" * 500 + "}",
        '{"platform_id": 1' + "0" * 5000 + "}",
    ],
)
def test_json_nested_too_deep_or_too_long_gets_400_not_500(
    anonymous_client, active_account, token, body
):
    response = post_api(anonymous_client, body, token)
    assert response.status_code == 400
    assert response.json()["errors"]
    assert not Item.objects.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('{"items": [{"platform_id": "a"}, ' + DEEP + "]}", "Inlägg 2: "),
        ('{"items": [{"platform_id": ' + DEEP + "}]}", "Inlägg 1: platform_id är för djupt"),
        ('{"account": "x", "text": ' + DEEP + "}", "Inlägg 1: text är för djupt"),
    ],
)
def test_json_nested_too_deep_names_the_item_and_field(
    anonymous_client, active_account, token, body, expected
):
    response = post_api(anonymous_client, body, token)
    assert response.status_code == 400
    assert response.json()["errors"][0].startswith(expected)
    assert "djupt nästlat" in response.json()["errors"][0]


def test_a_body_over_the_limit_gets_a_json_413_naming_the_limit(
    anonymous_client, active_account, token, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    body = {"items": [api_item(active_account, text="x" * 3000)]}
    response = post_api(anonymous_client, body, token)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "2000" in response.json()["errors"][0]
    assert response.json()["limit_bytes"] == 2000
    assert not Item.objects.exists()


def test_a_late_older_version_through_the_endpoint_does_not_overwrite_a_newer_one(
    anonymous_client, active_account, token
):
    newer = api_item(active_account, text="Ny", changed_at="2026-01-12T12:00:00Z")
    older = api_item(active_account, text="Gammal", changed_at="2026-01-12T11:00:00Z")
    post_api(anonymous_client, api_item(active_account), token)
    assert post_api(anonymous_client, newer, token).json()["changed"] == 1
    assert post_api(anonymous_client, older, token).json()["changed"] == 0
    item = Item.objects.get()
    assert item.text == "Ny"
    assert list(item.versions.values_list("text", flat=True)) == ["Fin bild!", "Ny"]


@pytest.mark.parametrize("value", [0, False, 1764320395, 1.5])
def test_a_number_is_not_taken_for_a_missing_or_valid_time(
    anonymous_client, active_account, token, value
):
    response = post_api(anonymous_client, api_item(active_account, published_at=value), token)
    assert response.status_code == 400
    assert "published_at" in response.json()["errors"][0]
    assert not Item.objects.exists()


def test_a_change_time_in_the_future_is_refused(anonymous_client, active_account, token):
    response = post_api(
        anonymous_client, api_item(active_account, changed_at="2999-01-01T00:00:00Z"), token
    )
    assert response.status_code == 400
    assert "changed_at" in response.json()["errors"][0]


@pytest.mark.parametrize(
    ("content", "where", "field"),
    [
        (CSV_OK.replace("c2,", "c" * 201 + ","), "Rad 3", "platform_id"),
        (CSV_OK.replace("Bertil", "B" * 201), "Rad 3", "author_name"),
        (CSV_OK.replace("Anna", "An\x00na"), "Rad 2", "author_name"),
        (
            json.dumps([{"platform_id": "j1", "kind": "comment", "text": [[["x"]]]}]),
            "Inlägg 1",
            "text",
        ),
        ("[" + DEEP + "]", "Inlägg 1", "djupt"),
        ('[{"text": "x"}, {"text": ' + DEEP + "}]", "Inlägg 2", "text är för djupt"),
        ('{"platform_id": "x"}\n' + DEEP + "\n", "Rad 2", "djupt"),
        ('{"platform_id": "x"}\n{"text": ' + DEEP + "}\n", "Rad 2", "text är för djupt"),
    ],
)
def test_the_upload_names_the_bad_row_and_field(
    owner_client, active_account, content, where, field
):
    response = upload(owner_client, active_account, content)
    assert response.status_code == 400
    errors = " ".join(response.context["errors"])
    assert where in errors and field in errors
    assert not Item.objects.exists()


def test_the_import_command_names_the_bad_line_and_field(tmp_path, active_account):
    path = tmp_path / "items.csv"
    path.write_text(CSV_OK.replace("Bertil", "B" * 201), encoding="utf-8")
    with pytest.raises(CommandError, match="Rad 3: author_name"):
        call_command("import_items", str(path), account=str(active_account.pk))
    assert not Item.objects.exists()


# --- CSV as Swedish Excel writes it ----------------------------------------------------------

CSV_SEMICOLON = (
    "platform_id;kind;author_name;text;published_at\r\n"
    "s1;comment;Anna;Hej, när öppnar simhallen?;2026-01-12T09:30:00+01:00\r\n"
    's2;comment;Bertil;"Trasig lampa; Storgatan";2026-01-12T10:00:00+01:00\r\n'
)


@pytest.mark.parametrize("bom", ["", "\ufeff"])
def test_a_semicolon_csv_from_excel_is_imported_and_the_separator_is_named(
    owner_client, active_account, bom
):
    response = owner_client.post(
        IMPORT,
        {
            "account": active_account.pk,
            "file": SimpleUploadedFile("excel.csv", (bom + CSV_SEMICOLON).encode("utf-8")),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Item.objects.get(platform_id="s1").text == "Hej, när öppnar simhallen?"
    assert Item.objects.get(platform_id="s2").text == "Trasig lampa; Storgatan"
    assert "semikolon" in response.content.decode()


def test_a_comma_csv_with_bom_is_imported_and_the_separator_is_named(owner_client, active_account):
    response = owner_client.post(
        IMPORT,
        {
            "account": active_account.pk,
            "file": SimpleUploadedFile("items.csv", ("\ufeff" + CSV_OK).encode("utf-8")),
        },
        follow=True,
    )
    assert Item.objects.count() == 2
    assert "kommatecken" in response.content.decode()


def test_a_refused_csv_says_which_separator_it_was_read_with(owner_client, active_account):
    bad = CSV_SEMICOLON.replace("2026-01-12T10:00:00+01:00", "igår")
    response = upload(owner_client, active_account, bad)
    assert response.status_code == 400
    assert "semikolon" in response.content.decode()
    assert "Rad 3" in " ".join(response.context["errors"])


def test_the_import_command_reads_semicolons_and_says_so(tmp_path, active_account):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + CSV_SEMICOLON).encode("utf-8"))
    out = io.StringIO()
    call_command("import_items", str(path), account=active_account.url, stdout=out)
    assert Item.objects.count() == 2
    assert "semikolon" in out.getvalue()


def test_the_endpoint_finds_the_account_by_any_form_of_its_address(
    anonymous_client, active_account, token
):
    # The registry stores the canonical form; a connector may send the mobile one, with a
    # trailing slash and a tracking parameter.
    assert active_account.url.startswith("https://www.")
    mobile = active_account.url.replace("https://www.", "https://m.") + "/?utm_source=app"
    response = post_api(anonymous_client, {**api_item(active_account), "account": mobile}, token)
    assert response.status_code == 200, response.content
    assert Item.objects.get().account == active_account


def test_the_command_finds_the_account_by_another_form_of_its_address(active_account, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "items.csv"
    path.write_text(
        "platform_id,kind,author_name,text,published_at\n"
        "c1,comment,Anna,Hej,2026-01-12T09:30:00Z\n",
        encoding="utf-8",
    )
    address = active_account.url.replace("https://www.", "https://m.") + "/"
    call_command("import_items", str(path), account=address)
    assert Item.objects.get().account == active_account
