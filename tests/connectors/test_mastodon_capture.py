"""Mastodon against its documented API: direct mentions as messages, content warnings, links
and attachments kept, edits through the edit history, the backfill of older notifications,
rate limits (Retry-After, X-RateLimit-*) and malformed Link headers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import responses
import time_machine
from responses import matchers

from connectors import mastodon
from connectors.capture import capture_state
from connectors.models import CaptureState, PolledEndpoint, PolledPage
from connectors.services import mastodon_poll
from moderation.models import (
    ConnectorConfig,
    Item,
    ItemKind,
    ItemVersion,
    RawEvent,
    RawEventStatus,
    VersionChange,
)

from .conftest import MASTODON_BASE, MASTODON_ID, MASTODON_TOKEN, fixture_bytes, fixture_json

pytestmark = pytest.mark.django_db

URL = f"{MASTODON_BASE}/api/v1/notifications"
FIRST = {"types[]": ["mention", "update"], "limit": "30"}
NOW = dt.datetime(2026, 11, 30, 13, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def link(**rels: str) -> str:
    return ", ".join(f'<{URL}?{query}>; rel="{rel}"' for rel, query in rels.items())


def add_page(body: bytes, *, params: dict, headers: dict | None = None, status: int = 200):
    responses.add(
        responses.GET,
        URL,
        body=body,
        status=status,
        content_type="application/json",
        headers=headers or {},
        match=[matchers.query_param_matcher(params)],
    )


def add_history(status_id: str, name: str = "mastodon_status_history.json"):
    responses.add(
        responses.GET,
        f"{MASTODON_BASE}/api/v1/statuses/{status_id}/history",
        body=fixture_bytes(name),
        content_type="application/json",
    )


# --- What a status becomes --------------------------------------------------------------------


def test_a_direct_mention_is_a_private_message():
    direct = fixture_json("mastodon_notifications_rich.json")[2]["status"]
    change = mastodon.status_change(direct, own_account_id=MASTODON_ID, now=NOW)
    assert change.kind == ItemKind.MESSAGE
    assert change.author_name == "@erik@mastodon.example"


def test_content_warning_links_and_attachments_are_kept():
    status = fixture_json("mastodon_notifications_rich.json")[1]["status"]
    change = mastodon.status_change(status, own_account_id=MASTODON_ID, now=NOW)
    assert change.text == (
        "[Innehållsvarning: Klagomål på snöröjningen]\n"
        "@haparanda Bilden visar snövallen.\n"
        # A shortened address is shown whole; a named link keeps its address after the name.
        "Se https://www.haparanda.se/snorojning och plogkartan "
        "(https://karta.haparanda.se/plog?omrade=3)"
    )
    photo, card = change.attachments
    assert photo.kind == "image"
    assert photo.url.endswith("/original/57859aede991da25.jpeg")
    assert photo.description == "Snövall över trottoaren vid Storgatan"
    assert photo.platform_id == "22345792"
    assert card.kind == "link"
    assert card.url == "https://www.haparanda.se/snorojning"
    assert card.title == "Snöröjning – Haparanda stad"
    assert card.preview_url.endswith("snorojning.jpg")


def test_markup_in_status_text_is_kept_as_text_not_markup():
    status = {
        "id": "1",
        "created_at": "2026-11-28T10:00:00Z",
        "content": '<p>&lt;script&gt;alert(1)&lt;/script&gt; <a href="javascript:x">klick</a></p>',
        "account": {"id": "2", "acct": "x"},
    }
    change = mastodon.status_change(status, own_account_id=MASTODON_ID, now=NOW)
    # A link that is not http(s) keeps only its text.
    assert change.text == "<script>alert(1)</script> klick"


@responses.activate
def test_the_poll_stores_messages_warnings_and_every_version_of_an_edit(mastodon_config):
    add_page(fixture_bytes("mastodon_notifications_rich.json"), params=FIRST)
    add_history("113600000000000023")
    mastodon_poll(config=mastodon_config)

    message = Item.objects.get(platform_id="113600000000000021")
    assert message.kind == ItemKind.MESSAGE
    warned = Item.objects.get(platform_id="113600000000000022")
    assert warned.text.startswith("[Innehållsvarning: Klagomål på snöröjningen]\n")
    edited = Item.objects.get(platform_id="113600000000000023")
    versions = list(edited.versions.order_by("number"))
    assert [v.change for v in versions] == [
        VersionChange.CREATED,
        VersionChange.EDITED,
        VersionChange.EDITED,
    ]
    assert [v.changed_at.strftime("%H:%M") for v in versions] == ["12:00", "12:05", "12:10"]
    assert versions[0].text == "@haparanda Tack för svaret, men det är inte plogat än."
    assert edited.text == "@haparanda Tack för svaret, nu är det plogat!"
    history = PolledPage.objects.get(endpoint=PolledEndpoint.HISTORY)
    assert history.status_id == "113600000000000023"
    assert history.raw_event.body == fixture_bytes("mastodon_status_history.json").decode()


@responses.activate
def test_a_replayed_edit_changes_nothing(mastodon_config):
    for _ in range(2):
        ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(cursor="")
        mastodon_config.refresh_from_db()
        add_page(fixture_bytes("mastodon_notifications_rich.json"), params=FIRST)
        add_history("113600000000000023")
        mastodon_poll(config=mastodon_config)
    assert Item.objects.count() == 3
    assert ItemVersion.objects.count() == 5
    # The second time the edit is already recorded: its history is not asked for again.
    assert sum("/history" in c.request.url for c in responses.calls) == 1


@responses.activate
def test_a_later_edit_of_a_known_status_is_a_new_version_at_its_own_time(mastodon_config):
    page = fixture_json("mastodon_notifications_page1.json")
    add_page(json.dumps(page).encode(), params=FIRST)
    mastodon_poll(config=mastodon_config)
    status = dict(page[1]["status"])
    status["content"] = "<p>@haparanda När plogas Västra Esplanaden? Nu är det akut.</p>"
    status["edited_at"] = "2026-11-28T10:30:00.000Z"
    update = [{"id": "34975900", "type": "update", "created_at": "2026-11-28T10:30:00Z"}]
    update[0]["status"] = status
    add_page(json.dumps(update).encode(), params={**FIRST, "min_id": "34975861"})
    responses.add(
        responses.GET,
        f"{MASTODON_BASE}/api/v1/statuses/{status['id']}/history",
        json=[
            {"content": page[1]["status"]["content"], "created_at": status["created_at"]},
            {"content": status["content"], "created_at": status["edited_at"]},
        ],
    )
    mastodon_poll(config=mastodon_config)
    item = Item.objects.get(platform_id=status["id"])
    assert item.text == "@haparanda När plogas Västra Esplanaden? Nu är det akut."
    latest = item.versions.order_by("-number").first()
    assert latest.change == VersionChange.EDITED
    assert latest.changed_at == dt.datetime(2026, 11, 28, 10, 30, tzinfo=dt.UTC)
    assert item.versions.count() == 2


@responses.activate
def test_an_unreadable_history_still_records_the_latest_version(mastodon_config):
    add_page(fixture_bytes("mastodon_notifications_rich.json"), params=FIRST)
    responses.add(
        responses.GET,
        f"{MASTODON_BASE}/api/v1/statuses/113600000000000023/history",
        json={"error": "Record not found"},
        status=404,
    )
    mastodon_poll(config=mastodon_config)
    edited = Item.objects.get(platform_id="113600000000000023")
    assert edited.text == "@haparanda Tack för svaret, nu är det plogat!"
    assert edited.versions.get().changed_at == dt.datetime(2026, 11, 28, 12, 10, tzinfo=dt.UTC)


# --- Backfill -----------------------------------------------------------------------------------


def older_page(first_id: int, count: int = 2) -> bytes:
    page = []
    for n in range(count):
        nid = first_id - n
        page.append(
            {
                "id": str(nid),
                "type": "mention",
                "created_at": "2026-11-20T10:00:00Z",
                "status": {
                    "id": f"s{nid}",
                    "created_at": "2026-11-20T10:00:00Z",
                    "visibility": "public",
                    "content": f"<p>@haparanda äldre {nid}</p>",
                    "account": {"id": "7", "acct": "gammal@example.org"},
                },
            }
        )
    return json.dumps(page).encode()


@responses.activate
def test_the_first_connection_backfills_older_pages_a_few_per_run_and_resumes(
    mastodon_config, settings
):
    settings.MASTODON_BACKFILL_PAGES = 2
    add_page(
        fixture_bytes("mastodon_notifications_page1.json"),
        params=FIRST,
        headers={"Link": link(next="max_id=34975860", prev="min_id=34975861")},
    )
    add_page(b"[]", params={"min_id": "34975861"})
    add_page(
        older_page(100), params={"max_id": "34975860"}, headers={"Link": link(next="max_id=99")}
    )
    add_page(older_page(98), params={"max_id": "99"}, headers={"Link": link(next="max_id=97")})
    add_page(older_page(96), params={"max_id": "97"}, headers={"Link": link(next="max_id=95")})
    add_page(b"[]", params={"max_id": "95"})

    mastodon_poll(config=mastodon_config)
    state = CaptureState.objects.get(config=mastodon_config)
    assert state.backfill_pages == 2
    assert state.backfill_next_url == f"{URL}?max_id=97"
    assert state.backfill_completed_at is None
    assert Item.objects.count() == 2 + 4
    mastodon_config.refresh_from_db()
    # Not silently capped: the communicator sees the backfill is still being read.
    assert mastodon_config.cursor == "34975861"

    add_page(b"[]", params={**FIRST, "min_id": "34975861"})
    mastodon_poll(config=mastodon_config)
    state.refresh_from_db()
    assert state.backfill_pages == 3
    assert state.backfill_next_url == ""
    assert state.backfill_completed_at == NOW
    assert Item.objects.count() == 2 + 6
    assert RawEvent.objects.exclude(status=RawEventStatus.PROCESSED).count() == 0

    # Once complete, polling asks only for what is newer.
    calls = len(responses.calls)
    add_page(b"[]", params={**FIRST, "min_id": "34975861"})
    mastodon_poll(config=mastodon_config)
    assert len(responses.calls) == calls + 1


@responses.activate
def test_after_an_outage_the_poll_catches_up_from_the_cursor_across_runs(
    mastodon_config, monkeypatch
):
    monkeypatch.setattr(mastodon, "MAX_PAGES", 2)
    state = capture_state(mastodon_config)
    CaptureState.objects.filter(pk=state.pk).update(backfill_started_at=NOW)
    ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(cursor="90")
    mastodon_config.refresh_from_db()
    # Six mentions arrived while the server could not be reached: three pages of two.
    add_page(
        older_page(92), params={**FIRST, "min_id": "90"}, headers={"Link": link(prev="min_id=92")}
    )
    add_page(older_page(94), params={"min_id": "92"}, headers={"Link": link(prev="min_id=94")})
    mastodon_poll(config=mastodon_config)
    mastodon_config.refresh_from_db()
    assert mastodon_config.cursor == "94"
    assert "the rest follow on the next poll" in mastodon_config.last_error
    add_page(
        older_page(96), params={**FIRST, "min_id": "94"}, headers={"Link": link(prev="min_id=96")}
    )
    add_page(b"[]", params={"min_id": "96"})
    mastodon_poll(config=mastodon_config)
    mastodon_config.refresh_from_db()
    assert mastodon_config.cursor == "96"
    assert mastodon_config.last_error == ""
    assert Item.objects.count() == 6


# --- Rate limits --------------------------------------------------------------------------------


@responses.activate
def test_a_429_storm_is_waited_out_not_hammered(mastodon_config):
    ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(cursor="34975861")
    mastodon_config.refresh_from_db()
    responses.add(
        responses.GET,
        URL,
        json={"error": "Too many requests"},
        status=429,
        headers={"Retry-After": "120", "X-RateLimit-Remaining": "0"},
    )
    # Beat polls every two minutes for ten minutes; the server refuses every time it is asked.
    moment = NOW
    for _ in range(5):
        with time_machine.travel(moment, tick=False):
            assert mastodon_poll(config=mastodon_config) == 0
        moment += dt.timedelta(seconds=60)
    # Asked once, then once more after each Retry-After: never within the wait.
    assert len(responses.calls) == 3
    state = CaptureState.objects.get(config=mastodon_config)
    assert state.next_call_at > NOW
    mastodon_config.refresh_from_db()
    assert mastodon_config.cursor == "34975861"
    assert "429" in mastodon_config.last_error or "rate limited" in mastodon_config.last_error
    assert MASTODON_TOKEN not in mastodon_config.last_error
    assert not RawEvent.objects.exists()

    # When the server answers again, nothing was lost: polling goes on from the cursor.
    responses.replace(responses.GET, URL, body=fixture_bytes("mastodon_notifications_page2.json"))
    with time_machine.travel(state.next_call_at + dt.timedelta(seconds=1), tick=False):
        assert mastodon_poll(config=mastodon_config) == 1
    assert Item.objects.filter(platform_id="113500000000000014").exists()


@responses.activate
def test_a_429_with_an_http_date_retry_after_waits_until_then(mastodon_config):
    later = NOW + dt.timedelta(minutes=30)
    responses.add(
        responses.GET,
        URL,
        status=429,
        headers={"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")},
    )
    mastodon_poll(config=mastodon_config)
    assert CaptureState.objects.get(config=mastodon_config).next_call_at == later


@responses.activate
def test_a_low_remaining_rate_limit_waits_for_the_reset(mastodon_config):
    reset = NOW + dt.timedelta(minutes=4)
    add_page(
        fixture_bytes("mastodon_notifications_page1.json"),
        params=FIRST,
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "3",
            "X-RateLimit-Reset": reset.isoformat().replace("+00:00", ".000Z"),
            "Link": link(prev="min_id=34975861"),
        },
    )
    mastodon_poll(config=mastodon_config)
    # The page it got is kept; the newer page waits for the reset.
    assert len(responses.calls) == 1
    assert Item.objects.count() == 2
    state = CaptureState.objects.get(config=mastodon_config)
    assert state.next_call_at == reset
    assert state.rate_limit_remaining == 3
    mastodon_poll(config=mastodon_config)
    assert len(responses.calls) == 1


# --- Link headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "this is not a link header",
        f"{URL}?min_id=1; rel=prev",
        f'<{URL}?min_id=1>; rel="prev", garbage',
        f'<{URL}?min_id=1>; title="no rel"',
        '<https://evil.example/api/v1/notifications?min_id=1>; rel="prev"',
    ],
)
def test_a_malformed_link_header_is_refused(header):
    with pytest.raises(mastodon.LinkHeaderError):
        mastodon.parse_link_header(header, api_base=MASTODON_BASE)


def test_a_well_formed_link_header_is_read():
    header = f'<{URL}?max_id=1>; rel="next", <{URL}?min_id=2>; rel="prev"'
    assert mastodon.parse_link_header(header, api_base=MASTODON_BASE) == {
        "next": f"{URL}?max_id=1",
        "prev": f"{URL}?min_id=2",
    }


@responses.activate
def test_a_malformed_link_header_is_recorded_and_nothing_is_lost(mastodon_config):
    add_page(
        fixture_bytes("mastodon_notifications_page1.json"),
        params=FIRST,
        headers={"Link": '<https://evil.example/steal>; rel="next", <nonsense'},
    )
    # The older pages are still read, by the documented max_id of the oldest on the page.
    add_page(b"[]", params={**FIRST, "max_id": "34975860"})
    mastodon_poll(config=mastodon_config)
    assert Item.objects.count() == 2
    assert RawEvent.objects.get().status == RawEventStatus.PROCESSED
    mastodon_config.refresh_from_db()
    assert "Link header" in mastodon_config.last_error
    assert mastodon_config.cursor == "34975861"
    # The token never went to the other server.
    assert all(c.request.url.startswith(MASTODON_BASE) for c in responses.calls)
    assert CaptureState.objects.get(config=mastodon_config).backfill_completed_at == NOW


@responses.activate
def test_a_first_connection_without_notifications_has_nothing_to_backfill(mastodon_config):
    add_page(b"[]", params=FIRST)
    mastodon_poll(config=mastodon_config)
    state = CaptureState.objects.get(config=mastodon_config)
    assert state.backfill_completed_at == NOW
    assert state.backfill_next_url == ""


@responses.activate
def test_an_account_polled_before_backfills_existed_reads_what_is_older_than_its_cursor(
    mastodon_config,
):
    ConnectorConfig.objects.filter(pk=mastodon_config.pk).update(cursor="34975861")
    mastodon_config.refresh_from_db()
    add_page(b"[]", params={**FIRST, "min_id": "34975861"})
    add_page(
        fixture_bytes("mastodon_notifications_page1.json"), params={**FIRST, "max_id": "34975861"}
    )
    mastodon_poll(config=mastodon_config)
    state = CaptureState.objects.get(config=mastodon_config)
    assert state.backfill_pages == 1
    assert state.backfill_completed_at == NOW
    assert Item.objects.count() == 2
