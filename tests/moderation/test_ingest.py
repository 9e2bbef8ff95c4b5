"""R10, R16: ingest is idempotent by (account, platform id); edits and the author's deletion
become versions; personal data is flagged."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from moderation.models import ActionKind, Item, ItemSource, ItemStatus, VersionChange
from moderation.response_model import LegalGround
from moderation.services import ingest_item, triage_item

from .conftest import make_item


def test_the_same_item_twice_is_stored_once(active_account):
    published = timezone.now() - dt.timedelta(hours=1)
    first = ingest_item(
        account=active_account,
        platform_id="fb_1",
        kind="comment",
        author_name="Anna",
        text="Hej",
        published_at=published,
        source=ItemSource.API,
    )
    again = ingest_item(
        account=active_account,
        platform_id="fb_1",
        kind="comment",
        author_name="Anna",
        text="Hej",
        published_at=published,
        source=ItemSource.API,
    )
    assert first.created and not again.created and not again.changed
    assert Item.objects.count() == 1
    assert again.item.versions.count() == 1
    assert again.item.actions.filter(kind=ActionKind.RECEIVED).count() == 1


def test_an_edit_makes_a_new_version_and_keeps_the_old_text(active_account):
    item = make_item(active_account, platform_id="fb_2", text="Första")
    result = ingest_item(
        account=active_account,
        platform_id="fb_2",
        kind="comment",
        author_name="Anna",
        text="Andra",
        published_at=item.published_at,
        source=ItemSource.API,
    )
    assert result.changed
    item.refresh_from_db()
    assert item.text == "Andra"
    assert [(v.change, v.text) for v in item.versions.order_by("number")] == [
        (VersionChange.CREATED, "Första"),
        (VersionChange.EDITED, "Andra"),
    ]


def test_a_deletion_by_the_author_is_a_version_and_keeps_the_item(active_account):
    item = make_item(active_account, platform_id="fb_3", text="Något jag ångrar")
    ingest_item(
        account=active_account,
        platform_id="fb_3",
        kind="comment",
        author_name="Anna",
        text="Något jag ångrar",
        published_at=item.published_at,
        source=ItemSource.API,
        deleted=True,
    )
    item.refresh_from_db()
    assert item.deleted_by_author_at is not None
    assert item.text == "Något jag ångrar"
    assert item.versions.order_by("number").last().change == VersionChange.DELETED


def test_the_same_platform_id_on_two_accounts_is_two_items(active_account, owners_other_account):
    make_item(active_account, platform_id="same")
    make_item(owners_other_account, platform_id="same")
    assert Item.objects.filter(platform_id="same").count() == 2


def test_personal_data_is_flagged_with_the_reason(active_account):
    item = make_item(active_account, text="Mitt personnummer är 19121212-1212")
    assert item.has_personal_data
    assert item.flags == [{"kind": "personnummer", "masked": "19121212-****"}]


def test_an_edit_that_removes_a_personnummer_keeps_the_flag(active_account):
    item = make_item(active_account, platform_id="fb_4", text="19121212-1212")
    ingest_item(
        account=active_account,
        platform_id="fb_4",
        kind="comment",
        author_name="Anna",
        text="borttaget",
        published_at=item.published_at,
        source=ItemSource.API,
    )
    item.refresh_from_db()
    assert item.has_personal_data


def test_what_the_municipality_wrote_needs_no_triage(active_account):
    item = make_item(active_account, by_municipality=True, author_name="Haparanda stad")
    assert item.status == ItemStatus.HANDLED


def test_a_reply_is_linked_to_its_parent(active_account):
    parent = make_item(active_account, platform_id="post_1", kind="post")
    reply = make_item(active_account, parent_platform_id="post_1")
    assert reply.parent == parent


def test_it_refuses_an_unknown_kind(active_account):
    with pytest.raises(ValidationError):
        make_item(active_account, kind="story")


def test_versions_and_actions_are_append_only(item):
    version = item.versions.get()
    with pytest.raises(TypeError):
        version.save()
    with pytest.raises(TypeError):
        item.actions.all().delete()


def test_a_handled_item_edited_to_hold_personal_data_comes_back_to_the_queue(
    active_account, owner, response_model
):
    from moderation.services import triage_item

    item = make_item(active_account, platform_id="fb_5", text="Tack för hjälpen!")
    triage_item(
        item=item,
        actor=owner,
        response_model=response_model,
        answers=["nej"] * 6 + ["ja", "nej"],
    )
    first_handled = Item.objects.get(pk=item.pk).handled_at
    ingest_item(
        account=active_account,
        platform_id="fb_5",
        kind="comment",
        author_name="Anna",
        text="Tack! Mitt personnummer är 19121212-1212",
        published_at=item.published_at,
        source=ItemSource.API,
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.NEW
    assert item.actions.filter(kind=ActionKind.REOPENED).exists()
    triage_item(
        item=item,
        actor=owner,
        response_model=response_model,
        answers=["nej", "ja"],
        legal_ground="personuppgifter",
        visitor_notice="Borttaget.",
    )
    item.refresh_from_db()
    assert item.is_removed
    assert item.handled_at == first_handled


# --- History must be true: changes ordered by the platform's time, not by arrival -------------


def _deliver(account, text, *, changed_at=None, deleted=False, published_at=None):
    return ingest_item(
        account=account,
        platform_id="fb_hist",
        kind="comment",
        author_name="Anna",
        text=text,
        published_at=published_at or PUBLISHED,
        source=ItemSource.FACEBOOK,
        changed_at=changed_at,
        deleted=deleted,
    )


PUBLISHED = dt.datetime(2026, 1, 12, 9, 0, tzinfo=dt.UTC)
# The default model's path to "let stand".
LET_STAND = ["nej"] * 6 + ["ja", "nej"]


def _history(account):
    item = Item.objects.get(account=account, platform_id="fb_hist")
    return item.text, [(v.change, v.text) for v in item.versions.order_by("number")]


def test_a_stale_add_after_an_edit_keeps_the_edit_and_records_no_version(active_account):
    _deliver(active_account, "A", changed_at=PUBLISHED)
    _deliver(active_account, "B", changed_at=PUBLISHED + dt.timedelta(minutes=5))
    result = _deliver(active_account, "A", changed_at=PUBLISHED)
    assert not result.changed
    assert _history(active_account) == (
        "B",
        [(VersionChange.CREATED, "A"), (VersionChange.EDITED, "B")],
    )


def test_an_edit_seen_first_is_not_overwritten_by_its_older_add(active_account):
    _deliver(active_account, "B", changed_at=PUBLISHED + dt.timedelta(minutes=5))
    _deliver(active_account, "A", changed_at=PUBLISHED)
    assert _history(active_account) == ("B", [(VersionChange.CREATED, "B")])


def test_edits_out_of_order_end_with_the_newest_text(active_account):
    _deliver(active_account, "A", changed_at=PUBLISHED)
    _deliver(active_account, "C", changed_at=PUBLISHED + dt.timedelta(minutes=9))
    _deliver(active_account, "B", changed_at=PUBLISHED + dt.timedelta(minutes=5))
    _deliver(active_account, "C", changed_at=PUBLISHED + dt.timedelta(minutes=9))
    assert _history(active_account) == (
        "C",
        [(VersionChange.CREATED, "A"), (VersionChange.EDITED, "C")],
    )


def test_a_repeat_in_the_same_second_as_an_edit_is_recognised(active_account):
    _deliver(active_account, "A", changed_at=PUBLISHED)
    _deliver(active_account, "B", changed_at=PUBLISHED)
    _deliver(active_account, "A", changed_at=PUBLISHED)
    text, versions = _history(active_account)
    assert text == "B"
    assert len(versions) == 2


def test_an_edit_back_to_an_earlier_text_in_the_same_second_is_kept(active_account):
    _deliver(active_account, "A", changed_at=PUBLISHED)
    later = PUBLISHED + dt.timedelta(minutes=5)
    _deliver(active_account, "B", changed_at=later)
    result = _deliver(active_account, "A", changed_at=later)
    assert result.changed
    assert _history(active_account) == (
        "A",
        [(VersionChange.CREATED, "A"), (VersionChange.EDITED, "B"), (VersionChange.EDITED, "A")],
    )


def test_a_new_link_in_the_same_second_as_the_latest_version_is_an_edit(active_account):
    for link in ("https://example.com/a", "https://example.com/b"):
        ingest_item(
            account=active_account,
            platform_id="fb_hist",
            kind="comment",
            author_name="Anna",
            text="Se länken",
            link=link,
            published_at=PUBLISHED,
            source=ItemSource.FACEBOOK,
            changed_at=PUBLISHED,
        )
    item = Item.objects.get(platform_id="fb_hist")
    assert item.link == "https://example.com/b"
    assert list(item.versions.order_by("number").values_list("link", flat=True)) == [
        "https://example.com/a",
        "https://example.com/b",
    ]


def test_without_a_platform_time_the_arrival_orders_the_change(active_account):
    _deliver(active_account, "A")
    _deliver(active_account, "B")
    assert _history(active_account)[0] == "B"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("platform_id", "x" * 201),
        ("author_name", "A" * 201),
        ("link", "https://example.com/" + "x" * 1000),
        ("text", "Hej\x00"),
        ("author_name", "\udc80"),
    ],
)
def test_what_the_database_would_refuse_is_refused_naming_the_field(active_account, field, value):
    fields = {
        "account": active_account,
        "platform_id": "fb_x",
        "kind": "comment",
        "author_name": "Anna",
        "text": "Hej",
        "published_at": PUBLISHED,
        "source": ItemSource.API,
        field: value,
    }
    with pytest.raises(ValidationError) as refused:
        ingest_item(**fields)
    assert field in refused.value.message_dict
    assert not Item.objects.exists()


# --- What intake records, field by field ------------------------------------------------------

ARRIVAL = dt.datetime(2026, 1, 12, 10, 15, tzinfo=dt.UTC)


def _ingest(account, **fields):
    values = {
        "account": account,
        "platform_id": "fb_rec",
        "kind": "comment",
        "author_name": "Anna",
        "text": "Hej",
        "published_at": PUBLISHED,
        "source": ItemSource.FACEBOOK,
        **fields,
    }
    return ingest_item(**values)


def _versions(item):
    return [
        (v.number, v.change, v.text, v.link, v.changed_at) for v in item.versions.order_by("number")
    ]


def test_a_new_item_keeps_the_platforms_ids_and_times_and_who_registered_it(active_account, owner):
    with time_machine.travel(ARRIVAL, tick=False):
        result = _ingest(
            active_account,
            platform_id="  fb_rec  ",
            kind="post",
            author_name="Anna Andersson",
            author_platform_id="5550001",
            text="Välkomna till marknaden!",
            link="https://www.facebook.com/haparandakultur/posts/1",
            actor=owner,
        )
    assert (result.created, result.changed) == (True, True)
    item = Item.objects.get()
    assert result.item == item
    assert (item.account, item.platform_id, item.kind) == (active_account, "fb_rec", "post")
    assert (item.author_name, item.author_platform_id) == ("Anna Andersson", "5550001")
    assert (item.text, item.link) == (
        "Välkomna till marknaden!",
        "https://www.facebook.com/haparandakultur/posts/1",
    )
    assert (item.published_at, item.captured_at, item.source) == (
        PUBLISHED,
        ARRIVAL,
        ItemSource.FACEBOOK,
    )
    assert (item.status, item.by_municipality, item.parent) == (ItemStatus.NEW, False, None)
    assert (item.flags, item.has_personal_data, item.deleted_by_author_at) == ([], False, None)
    assert _versions(item) == [
        (
            1,
            VersionChange.CREATED,
            "Välkomna till marknaden!",
            "https://www.facebook.com/haparandakultur/posts/1",
            PUBLISHED,
        )
    ]
    received = item.actions.get()
    assert (received.kind, received.actor) == (ActionKind.RECEIVED, owner)
    assert received.details == {"source": "facebook", "flags": []}


def test_the_received_record_names_the_personal_data_found(active_account):
    item = _ingest(active_account, text="Mejla mig på anna@example.com, pnr 19121212-1212").item
    assert item.has_personal_data
    assert [flag["kind"] for flag in item.flags] == ["personnummer", "email"]
    assert item.actions.get(kind=ActionKind.RECEIVED).details["flags"] == item.flags


def test_an_edit_delivered_before_its_add_dates_the_first_version_by_the_edit(active_account):
    edited_at = PUBLISHED + dt.timedelta(minutes=7)
    item = _ingest(active_account, text="B", changed_at=edited_at).item
    assert _versions(item) == [(1, VersionChange.CREATED, "B", "", edited_at)]
    # A platform time before the publication (a clock skew) does not date the text earlier.
    other = _ingest(
        active_account, platform_id="fb_skew", text="C", changed_at=PUBLISHED - dt.timedelta(1)
    ).item
    assert _versions(other) == [(1, VersionChange.CREATED, "C", "", PUBLISHED)]


def test_a_deletion_seen_first_records_the_text_and_the_deletion(active_account):
    deleted_at = PUBLISHED + dt.timedelta(hours=1)
    link = "https://www.haparanda.se/evenemang"
    result = _ingest(active_account, text="Ångrad", link=link, deleted=True, changed_at=deleted_at)
    assert (result.created, result.changed) == (True, True)
    item = result.item
    assert item.deleted_by_author_at == deleted_at
    # Both versions keep the link the deleted post held.
    assert _versions(item) == [
        (1, VersionChange.CREATED, "Ångrad", link, PUBLISHED),
        (2, VersionChange.DELETED, "Ångrad", link, deleted_at),
    ]


def test_a_reply_is_linked_only_to_a_parent_on_its_own_account(
    active_account, owners_other_account
):
    _ingest(owners_other_account, platform_id="post_9", kind="post")
    orphan = _ingest(active_account, platform_id="c_9", parent_platform_id="post_9").item
    assert orphan.parent is None
    parent = _ingest(active_account, platform_id="post_9", kind="post").item
    reply = _ingest(active_account, platform_id="c_10", parent_platform_id="post_9").item
    assert reply.parent == parent


def test_a_changed_link_alone_is_an_edit(active_account):
    _ingest(active_account, link="https://example.com/a", changed_at=PUBLISHED)
    later = PUBLISHED + dt.timedelta(minutes=3)
    result = _ingest(active_account, link="https://example.com/b", changed_at=later)
    assert (result.created, result.changed) == (False, True)
    item = Item.objects.get()
    assert item.link == "https://example.com/b"
    assert _versions(item) == [
        (1, VersionChange.CREATED, "Hej", "https://example.com/a", PUBLISHED),
        (2, VersionChange.EDITED, "Hej", "https://example.com/b", later),
    ]


def test_an_edit_without_a_platform_time_is_dated_by_its_arrival(active_account):
    _ingest(active_account, text="A")
    with time_machine.travel(ARRIVAL, tick=False):
        _ingest(active_account, text="B")
    assert _versions(Item.objects.get())[-1] == (2, VersionChange.EDITED, "B", "", ARRIVAL)


def test_the_deletion_after_edits_keeps_the_last_text_and_a_second_deletion_changes_nothing(
    active_account,
):
    _ingest(active_account, text="A", link="https://example.com/a", changed_at=PUBLISHED)
    edited_at, deleted_at = PUBLISHED + dt.timedelta(minutes=5), PUBLISHED + dt.timedelta(hours=2)
    _ingest(active_account, text="B", link="https://example.com/b", changed_at=edited_at)
    result = _ingest(
        active_account, text="B", link="https://example.com/b", deleted=True, changed_at=deleted_at
    )
    assert (result.created, result.changed) == (False, True)
    again = _ingest(
        active_account,
        text="B",
        link="https://example.com/b",
        deleted=True,
        changed_at=deleted_at + dt.timedelta(hours=1),
    )
    assert again.changed is False
    item = Item.objects.get()
    assert item.deleted_by_author_at == deleted_at
    assert _versions(item) == [
        (1, VersionChange.CREATED, "A", "https://example.com/a", PUBLISHED),
        (2, VersionChange.EDITED, "B", "https://example.com/b", edited_at),
        (3, VersionChange.DELETED, "B", "https://example.com/b", deleted_at),
    ]


def test_a_text_arriving_after_the_authors_deletion_changes_nothing(active_account):
    deleted_at = PUBLISHED + dt.timedelta(hours=1)
    _ingest(active_account, text="A", deleted=True, changed_at=deleted_at)
    result = _ingest(active_account, text="B", changed_at=deleted_at + dt.timedelta(minutes=1))
    assert result.changed is False
    item = Item.objects.get()
    assert item.text == "A"
    assert [v.change for v in item.versions.order_by("number")] == [
        VersionChange.CREATED,
        VersionChange.DELETED,
    ]


def test_an_edit_adds_what_it_reveals_to_the_flags_and_keeps_the_earlier_ones(active_account):
    _ingest(active_account, text="pnr 19121212-1212", changed_at=PUBLISHED)
    result = _ingest(
        active_account,
        text="pnr 19121212-1212, mejl anna@example.com",
        changed_at=PUBLISHED + dt.timedelta(minutes=1),
    )
    item = result.item
    assert [flag["kind"] for flag in item.flags] == ["personnummer", "email"]
    stored = Item.objects.get()
    assert (stored.flags, stored.has_personal_data) == (item.flags, True)
    # Still open, so nothing needs to bring it back.
    assert not stored.actions.filter(kind=ActionKind.REOPENED).exists()


def test_the_reopening_records_the_version_and_what_was_revealed(
    active_account, owner, response_model
):
    item = _ingest(active_account, text="Tack!", changed_at=PUBLISHED).item
    triage_item(item=item, actor=owner, response_model=response_model, answers=LET_STAND)
    edited = _ingest(
        active_account,
        text="Tack! Ring 070-123 45 67",
        changed_at=PUBLISHED + dt.timedelta(minutes=2),
        actor=owner,
    ).item
    reopened = edited.actions.get(kind=ActionKind.REOPENED)
    assert reopened.actor == owner
    assert reopened.reason == "Personuppgifter tillkom när författaren redigerade inlägget."
    assert reopened.details == {"version": 2, "flags": edited.flags}
    assert [flag["kind"] for flag in edited.flags] == ["phone"]
    assert Item.objects.get().status == ItemStatus.NEW


@pytest.mark.parametrize("how", ["removed", "by_municipality", "already_flagged"])
def test_an_edit_revealing_personal_data_leaves_handled_alone_what_needs_no_new_look(
    active_account, owner, response_model, how
):
    text = "pnr 19121212-1212" if how == "already_flagged" else "Tack!"
    item = _ingest(
        active_account, text=text, changed_at=PUBLISHED, by_municipality=how == "by_municipality"
    ).item
    if how == "removed":
        triage_item(
            item=item,
            actor=owner,
            response_model=response_model,
            answers=["ja"],
            legal_ground=LegalGround.HATE_SPEECH,
            visitor_notice="Borttaget.",
        )
    elif how == "already_flagged":
        triage_item(item=item, actor=owner, response_model=response_model, answers=LET_STAND)
    result = _ingest(
        active_account,
        text=f"{text} pnr 19121212-1212",
        changed_at=PUBLISHED + dt.timedelta(minutes=2),
        by_municipality=how == "by_municipality",
    )
    assert result.changed
    stored = Item.objects.get()
    assert stored.status == ItemStatus.HANDLED
    assert stored.has_personal_data
    assert not stored.actions.filter(kind=ActionKind.REOPENED).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "story"}, "kind", "Okänd typ av inlägg."),
        ({"source": "brevduva"}, "source", "Okänd källa."),
        ({"platform_id": "   "}, "platform_id", "Id på plattformen saknas."),
        ({"author_name": "A" * 201}, "author_name", "Längre än 200 tecken."),
        ({"author_platform_id": "1" * 201}, "author_platform_id", "Längre än 200 tecken."),
        ({"parent_platform_id": "p" * 201}, "parent_platform_id", "Längre än 200 tecken."),
        ({"link": "https://e.se/" + "x" * 988}, "link", "Längre än 1000 tecken."),
        ({"text": "Hej\x00då"}, "text", "Innehåller ett NUL-tecken."),
        (
            {"author_name": "Anna \udc80"},
            "author_name",
            "Innehåller ett ogiltigt tecken (ett ensamt surrogattecken).",
        ),
    ],
)
def test_a_refused_item_says_in_swedish_what_is_wrong_with_which_field(
    active_account, fields, field, message
):
    with pytest.raises(ValidationError) as refused:
        _ingest(active_account, **fields)
    assert refused.value.message_dict == {field: [message]}
    assert not Item.objects.exists()


def test_every_faulty_field_is_named_at_once(active_account):
    with pytest.raises(ValidationError) as refused:
        _ingest(active_account, platform_id="x" * 201, author_name="Anna\x00", text="\udc80")
    assert refused.value.message_dict == {
        "platform_id": ["Längre än 200 tecken."],
        "author_name": ["Innehåller ett NUL-tecken."],
        "text": ["Innehåller ett ogiltigt tecken (ett ensamt surrogattecken)."],
    }


def test_values_exactly_as_long_as_their_columns_are_kept(active_account):
    link = "https://e.se/" + "x" * 987
    item = _ingest(
        active_account,
        platform_id="x" * 200,
        author_name="A" * 200,
        author_platform_id="1" * 200,
        parent_platform_id="p" * 200,
        link=link,
    ).item
    assert (len(item.platform_id), len(item.author_name), item.link) == (200, 200, link)
