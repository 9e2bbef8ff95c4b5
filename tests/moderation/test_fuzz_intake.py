"""Fuzz the ways items come in: the ingest endpoint, the CSV upload and both signed webhooks get
generated input, ordinary and hostile (NUL, lone surrogates, over-long values, markup, JSON of
every shape, bytes that are not UTF-8). None may answer with a server error, and what was
accepted is stored exactly once: sending the same input again changes nothing.

Every example shares the test's database transaction, so each one keeps its own work small.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.meta import sign
from moderation.models import Item, ItemVersion, RawEvent, RawEventStatus
from moderation.services import ingest_token_create
from tests.connectors.conftest import APP_SECRET, IG_ID, PAGE_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def post_webhook(
    client, settings, owners_other_account, active_account, django_capture_on_commit_callbacks
):
    """Both Meta hooks configured as in the connector tests; POST a signed body and run its
    processing at once, as a worker would."""
    from moderation.models import ConnectorConfig, ConnectorPlatform

    settings.META_APP_SECRET = APP_SECRET
    ConnectorConfig.objects.create(
        account=owners_other_account, platform=ConnectorPlatform.FACEBOOK, external_id=PAGE_ID
    )
    ConnectorConfig.objects.create(
        account=active_account, platform=ConnectorPlatform.INSTAGRAM, external_id=IG_ID
    )

    def post(body: bytes, *, platform: str):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse(f"moderation:webhook_{platform}"),
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=sign(body, APP_SECRET),
            )

    return post


@pytest.fixture(autouse=True)
def _quiet_warnings():
    """Thousands of refused inputs each log a warning; only errors (a 500) are worth printing,
    and writing the rest costs a good part of the run."""
    loggers = [logging.getLogger(name) for name in ("django.request", "connectors")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


API = reverse("moderation:ingest_api")
IMPORT = reverse("moderation:item_import")


def fuzz(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


HOSTILE = [
    "",
    " ",
    "\x00",
    "Hej\x00då",
    "\ud800",
    "a\udfffb",
    "A" * 201,
    "https://example.com/" + "x" * 1000,
    "<script>alert(1)</script>",
    "' OR 1=1; --",
    "\u202eevil\u202c",
    "zero\u200bwidth",
    "🙂" * 40,
    "line\r\nbreak",
    "NaN",
    "1e999",
    "-1",
    "2026-13-45T25:61:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-12:00",
    "javascript:alert(1)",
    "ja",
    "nej",
    "comment",
    "{}",
    "[[[[[[]]]]]]",
]


def _nested(depth: int):
    value = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


# Values of the wrong shape where text is expected; fixed, because generating them anew for
# every field costs more than the requests themselves.
ODD_JSON = [
    None,
    True,
    0,
    -1,
    1.5,
    float("nan"),
    float("inf"),
    10**30,
    [],
    {},
    ["x"],
    {"a": "b"},
    _nested(5),
    _nested(400),
]
text = st.one_of(st.text(max_size=20), st.sampled_from(HOSTILE))
odd = st.one_of(text, st.sampled_from(ODD_JSON))
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=4,
)
platform_id = st.from_regex(r"[a-z0-9_]{1,10}", fullmatch=True)
valid_time = st.datetimes(
    min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2025, 12, 31)
).map(lambda d: d.replace(tzinfo=dt.UTC).isoformat())


def field_value(valid):
    # Mostly valid, so that much is accepted and its storage can be checked.
    return st.one_of(valid, valid, valid, odd)


# The fixture account's address; strategies are built once, as building them per example costs
# more than running it.
ACCOUNT_URL = "https://www.instagram.com/haparandakultur"
api_item = st.fixed_dictionaries(
    {
        "platform_id": field_value(platform_id),
        "kind": field_value(st.sampled_from(["post", "comment", "reply", "message"])),
        "author_name": field_value(st.text(min_size=1, max_size=30)),
        "published_at": field_value(valid_time),
    },
    optional={
        "account": st.one_of(st.just(ACCOUNT_URL), st.just(ACCOUNT_URL), odd),
        "text": field_value(st.text(max_size=80)),
        "link": field_value(st.just("https://www.facebook.com/haparanda/posts/1")),
        "changed_at": field_value(valid_time),
        "deleted": field_value(st.booleans()),
        "by_municipality": field_value(st.booleans()),
        "author_platform_id": field_value(platform_id),
        "parent_platform_id": field_value(platform_id),
        "surprise": odd,
    },
)


def _distinct_ids(items) -> bool:
    ids = [str(i.get("platform_id")).strip() for i in items if isinstance(i, dict)]
    return len(ids) == len(set(ids))


def encode(value, ascii_only: bool) -> bytes:
    # Without ASCII escapes a lone surrogate becomes bytes that are not UTF-8: hostile too.
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")


item_lists = st.lists(api_item, min_size=1, max_size=3)
sources = st.one_of(st.sampled_from(["api", "instagram"]), text)


@st.composite
def api_body(draw) -> bytes:
    shape = draw(st.sampled_from(["one", "batch", "batch", "json", "bytes"]))
    if shape == "bytes":
        return draw(st.binary(max_size=200))
    if shape == "json":
        return encode(draw(json_value), draw(st.booleans()))
    if shape == "one":
        item = draw(api_item)
        item.setdefault("account", ACCOUNT_URL)
        return encode(item, draw(st.booleans()))
    items = draw(item_lists)
    body = {"account": ACCOUNT_URL, "items": items}
    if draw(st.booleans()):
        body["source"] = draw(sources)
    return encode(body, draw(st.booleans()))


@pytest.fixture
def token(db):
    return ingest_token_create(name="fuzz")[1]


def _post_api(client, body: bytes, token: str):
    return client.post(
        API, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def test_the_ingest_endpoint_never_fails_and_stores_what_it_accepts_once(
    anonymous_client, active_account, token
):
    assert active_account.url == ACCOUNT_URL

    @fuzz(2000)
    @given(body=api_body())
    def check(body):
        before = Item.objects.count()
        response = _post_api(anonymous_client, body, token)
        assert response.status_code in (200, 400), response.content[:500]
        data = response.json()
        if response.status_code == 400:
            assert data["errors"] and all(isinstance(e, str) for e in data["errors"])
            assert Item.objects.count() == before
            return
        assert Item.objects.count() == before + data["created"]
        for entry in data["items"]:
            assert Item.objects.filter(pk=entry["id"], platform_id=entry["platform_id"]).exists()
        payload = json.loads(body)
        if _distinct_ids(payload.get("items", [payload])):
            versions = ItemVersion.objects.count()
            again = _post_api(anonymous_client, body, token).json()
            assert again["created"] == 0 and again["changed"] == 0
            assert ItemVersion.objects.count() == versions

    check()


csv_rows = st.lists(
    st.fixed_dictionaries(
        {
            "platform_id": field_value(platform_id),
            "kind": field_value(st.sampled_from(["post", "comment"])),
            "author_name": field_value(st.text(min_size=1, max_size=20)),
            "text": field_value(st.text(max_size=60)),
            "published_at": field_value(valid_time),
            "link": text,
            "changed_at": field_value(valid_time),
            "deleted": field_value(st.sampled_from(["ja", "nej", "true", ""])),
            "okänd": text,
        }
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda row: str(row["platform_id"]).strip(),
)
CSV_COLUMNS = ["platform_id", "kind", "author_name", "text", "published_at"]


@st.composite
def csv_file(draw) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    delimiter = draw(st.sampled_from([",", ";"]))
    columns = list(CSV_COLUMNS)
    if draw(st.booleans()):
        columns.append(draw(st.sampled_from(["link", "changed_at", "deleted", "okänd"])))
    rows = draw(csv_rows)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([str(row[name]) for name in columns])
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + out.getvalue()).encode("utf-8", errors="surrogatepass")


def test_the_csv_upload_never_fails_and_imports_once(owner_client, active_account):
    def upload(content: bytes):
        return owner_client.post(
            IMPORT,
            {"account": active_account.pk, "file": SimpleUploadedFile("fuzz.csv", content)},
        )

    @fuzz(300)
    @given(content=csv_file())
    def check(content):
        before = Item.objects.count(), ItemVersion.objects.count()
        response = upload(content)
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert response.context["errors"] or response.context["form"].errors
            assert (Item.objects.count(), ItemVersion.objects.count()) == before
            return
        after = Item.objects.count(), ItemVersion.objects.count()
        assert upload(content).status_code == 302
        assert (Item.objects.count(), ItemVersion.objects.count()) == after

    check()


COMMENT_IDS = ["c_1", "c_2", "c_3"]
meta_timestamp = st.one_of(
    st.integers(1_700_000_000, 1_770_000_000),
    st.integers(1_700_000_000, 1_770_000_000),
    st.integers(),
    st.floats(),
    text,
    st.none(),
)
facebook_change = st.fixed_dictionaries(
    {
        "field": st.one_of(st.just("feed"), st.just("feed"), text),
        "value": st.fixed_dictionaries(
            {
                "item": st.one_of(st.sampled_from(["comment", "post", "reaction"]), text),
                "verb": st.one_of(st.sampled_from(["add", "edited", "remove"]), text),
                "comment_id": st.one_of(st.sampled_from(COMMENT_IDS), odd),
                "post_id": st.one_of(st.just("p_1"), text),
                "message": field_value(st.text(max_size=60)),
                "created_time": meta_timestamp,
            },
            optional={
                "parent_id": st.one_of(st.just("p_1"), text),
                "from": st.one_of(st.fixed_dictionaries({"id": text, "name": text}), odd),
            },
        ),
    }
)
instagram_change = st.fixed_dictionaries(
    {
        "field": st.one_of(st.just("comments"), st.just("comments"), text),
        "value": st.fixed_dictionaries(
            {
                "id": st.one_of(st.sampled_from(COMMENT_IDS), odd),
                "text": field_value(st.text(max_size=60)),
            },
            optional={
                "from": st.fixed_dictionaries({"id": text, "username": text}),
                "media": st.fixed_dictionaries({"id": st.just("m_1")}),
                "parent_id": st.one_of(st.sampled_from(COMMENT_IDS), text),
            },
        ),
    }
)
HOOKS = {
    "facebook": ("page", PAGE_ID, st.lists(facebook_change, min_size=1, max_size=3)),
    "instagram": ("instagram", IG_ID, st.lists(instagram_change, min_size=1, max_size=3)),
}
garbage = st.one_of(st.binary(max_size=200), st.builds(encode, json_value, st.booleans()))


@st.composite
def delivery(draw, platform: str) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(garbage)
    obj, own_id, changes = HOOKS[platform]
    entry = {
        "id": draw(st.one_of(st.just(own_id), st.just(own_id), st.just(own_id), text)),
        "time": draw(meta_timestamp),
        "changes": draw(changes),
    }
    body = {"object": draw(st.one_of(st.just(obj), st.just(obj), text)), "entry": [entry]}
    return encode(body, draw(st.booleans()))


def _check_webhook(post_webhook, platform: str, body: bytes, replay: bool) -> None:
    digest = hashlib.sha256(body).hexdigest()
    response = post_webhook(body, platform=platform)
    assert response.status_code == 200
    event = RawEvent.objects.get(body_sha256=digest)
    assert bytes(event.raw_body) == body
    # Processed, or failed with its error for the failures page: never left "received".
    assert event.status != RawEventStatus.RECEIVED
    assert event.status == RawEventStatus.PROCESSED or event.error
    # Checked in Python: SQLite ends a LIKE pattern at a NUL, so the database cannot tell.
    assert not any("\x00" in t for t in Item.objects.values_list("text", flat=True))
    if not replay:
        return
    state = Item.objects.count(), ItemVersion.objects.count()
    assert post_webhook(body, platform=platform).status_code == 200
    assert RawEvent.objects.filter(body_sha256=digest).count() == 1
    assert (Item.objects.count(), ItemVersion.objects.count()) == state


def test_the_facebook_webhook_never_fails_and_stores_a_delivery_once(post_webhook):
    @fuzz(700)
    @given(body=delivery("facebook"), replay=st.booleans())
    def check(body, replay):
        _check_webhook(post_webhook, "facebook", body, replay)

    check()


def test_the_instagram_webhook_never_fails_and_stores_a_delivery_once(post_webhook):
    @fuzz(700)
    @given(body=delivery("instagram"), replay=st.booleans())
    def check(body, replay):
        _check_webhook(post_webhook, "instagram", body, replay)

    check()


def test_a_fuzzed_signature_is_never_accepted(client, post_webhook):
    @fuzz(1300)
    @given(body=st.binary(max_size=100), signature=st.one_of(text, st.just("sha256=")))
    def check(body, signature):
        if signature == sign(body, APP_SECRET):
            return
        response = client.post(
            reverse("moderation:webhook_facebook"),
            data=body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=signature,
        )
        assert response.status_code == 403

    check()
    assert not RawEvent.objects.exists()
