"""R10, R16: ingest is idempotent by (account, platform id); edits and the author's deletion
become versions; personal data is flagged."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from moderation.models import ActionKind, Item, ItemSource, ItemStatus, VersionChange
from moderation.services import ingest_item

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
