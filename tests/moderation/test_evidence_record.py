"""What the evidence of an item holds, field by field (the copy the municipality shows when a
removal is questioned), and what a bulk outcome records for each item: who decided, under which
response model, on what ground and with which notice."""

import datetime as dt
import json

import pytest
import time_machine
from django.core.exceptions import ValidationError

from moderation.claims import item_claim
from moderation.models import (
    ActionKind,
    Claim,
    Evidence,
    Item,
    ItemKind,
    ItemStatus,
    ModerationAction,
    OutboundAction,
    OutboundKind,
)
from moderation.response_model import LegalGround
from moderation.services import (
    ItemAlreadyHandled,
    evidence_take,
    ingest_item,
    triage_item,
    triage_items_alike,
)

from .conftest import make_item
from .test_bulk import post

pytestmark = pytest.mark.django_db


def _iso(value):
    return value.isoformat() if value else None


def test_the_evidence_holds_the_item_its_account_its_parent_and_every_version(
    active_account, owner, response_model
):
    post_item = make_item(active_account, kind=ItemKind.POST, text="Välkomna på marknad!")
    reply = make_item(
        active_account,
        text="Första texten",
        parent_platform_id=post_item.platform_id,
        author_platform_id="u-77",
        link="https://example.com/svar/1",
    )
    ingest_item(
        account=active_account,
        platform_id=reply.platform_id,
        kind=reply.kind,
        author_name=reply.author_name,
        text="Andra texten",
        published_at=reply.published_at,
        source=reply.source,
        link="https://example.com/svar/1",
        author_platform_id="u-77",
        parent_platform_id=post_item.platform_id,
    )
    reply.refresh_from_db()

    evidence = evidence_take(item=reply, actor=owner)

    data = json.loads(evidence.data_json)
    versions = list(reply.versions.order_by("number"))
    assert data == {
        "evidence": {"taken_at": evidence.taken_at.isoformat(), "taken_by": owner.username},
        "account": {
            "id": active_account.pk,
            "url": active_account.url,
            "display_name": active_account.display_name,
            "platform": active_account.platform,
        },
        "item": {
            "id": reply.pk,
            "platform_id": reply.platform_id,
            "kind": "comment",
            "parent_platform_id": post_item.platform_id,
            "author_name": "Anna Andersson",
            "author_platform_id": "u-77",
            "by_municipality": False,
            "text": "Andra texten",
            "link": "https://example.com/svar/1",
            "published_at": reply.published_at.isoformat(),
            "captured_at": _iso(reply.captured_at),
            "deleted_by_author_at": None,
            "source": "api",
            "flags": reply.flags,
        },
        "versions": [
            {
                "number": v.number,
                "change": v.change,
                "text": v.text,
                "link": v.link,
                "changed_at": _iso(v.changed_at),
                "recorded_at": _iso(v.recorded_at),
            }
            for v in versions
        ],
    }
    assert [(v["number"], v["change"], v["text"]) for v in data["versions"]] == [
        (1, "created", "Första texten"),
        (2, "edited", "Andra texten"),
    ]
    assert Evidence.objects.get().verifies()


def test_a_bulk_removal_records_who_decided_under_which_model_and_ground(
    owner_client, owner, active_account, response_model
):
    items = [make_item(active_account, text=f"KÖP KLOCKOR {n} www.spam.example") for n in range(2)]
    response = post(owner_client, items, "remove", grund=LegalGround.COPYRIGHT, motivering="Reklam")
    assert response.context["result"].done == 2
    for item in items:
        item.refresh_from_db()
        assert (item.status, item.handled_by) == (ItemStatus.HANDLED, owner)
        assert item.handled_at is not None
        triage = item.actions.get(kind=ActionKind.TRIAGED)
        assert (triage.actor, triage.response_model) == (owner, response_model)
        assert triage.created_at == item.handled_at
        assert triage.details["legal_ground"] == LegalGround.COPYRIGHT
        assert triage.details["ground_basis"]
        assert triage.details["visitor_notice"].startswith("Hej Anna!")
        removed = item.actions.get(kind=ActionKind.REMOVED)
        assert removed.created_at == item.removed_at
        assert removed.details["visitor_notice"] == triage.details["visitor_notice"]
        assert removed.details["ground_basis"] == triage.details["ground_basis"]
        assert removed.actor == owner
        assert {a.requested_by for a in item.outbound_actions.all()} == {owner}


def test_a_bulk_let_stand_records_no_ground_and_no_notice(
    owner_client, active_account, response_model
):
    items = [make_item(active_account, text=f"Tack för ett fint evenemang {n}!") for n in range(2)]
    response = post(owner_client, items, "let_stand")
    assert response.context["result"].done == 2
    for item in items:
        triage = item.actions.get(kind=ActionKind.TRIAGED)
        assert triage.details == {}
        assert triage.reply_text == ""


# --- The bulk service itself: all or nothing, each item its own records ----------------------

REMOVE_BY_RULES = ["regler"]
LET_STAND = ["nej"] * 6 + ["ja", "nej"]
THANK = ["nej"] * 6 + ["ja", "ja"]
DECIDED = dt.datetime(2026, 3, 10, 13, 45, tzinfo=dt.UTC)
SIGNED = "\n\n/Olle, Haparanda stad"


def _records():
    return (
        ModerationAction.objects.count(),
        Evidence.objects.count(),
        OutboundAction.objects.count(),
        Item.objects.filter(status=ItemStatus.HANDLED).count(),
        Item.objects.filter(removed_at__isnull=False).count(),
        Claim.objects.count(),
    )


@pytest.fixture
def spam(active_account, response_model):
    return [make_item(active_account, text=f"KÖP KLOCKOR {n} www.spam.example") for n in range(3)]


def test_a_bulk_removal_gives_each_item_its_own_notice_evidence_and_removal_record(
    owner, spam, response_model
):
    # The first item was edited: its evidence holds both versions, in order.
    ingest_item(
        account=spam[0].account,
        platform_id=spam[0].platform_id,
        kind=spam[0].kind,
        author_name=spam[0].author_name,
        text="KÖP KLOCKOR nu",
        published_at=spam[0].published_at,
        source=spam[0].source,
    )
    item_claim(item=spam[1], user=owner)
    notices = {item.pk: f"  Borttaget nummer {n}. " for n, item in enumerate(spam)}
    with time_machine.travel(DECIDED, tick=False):
        handled = triage_items_alike(
            items=list(reversed(spam)),
            actor=owner,
            response_model=response_model,
            answers=REMOVE_BY_RULES,
            legal_ground=LegalGround.ACCOUNT_RULES,
            visitor_notices=notices,
            reason="  Reklam ",
        )
    assert [item.pk for item in handled] == sorted(item.pk for item in spam)
    assert Claim.objects.count() == 0
    for n, item in enumerate(spam):
        now = next(h for h in handled if h.pk == item.pk)
        stored = Item.objects.get(pk=item.pk)
        for state in (now, stored):
            assert (state.status, state.outcome, state.handled_by) == (
                ItemStatus.HANDLED,
                "remove",
                owner,
            )
            assert (state.handled_at, state.removed_at) == (DECIDED, DECIDED)
        notice = f"Borttaget nummer {n}." + SIGNED
        triage = item.actions.get(kind=ActionKind.TRIAGED)
        assert (triage.outcome, triage.actor, triage.created_at) == ("remove", owner, DECIDED)
        assert (triage.response_model, triage.reason, triage.reply_text) == (
            response_model,
            "Reklam",
            "",
        )
        assert [step["answer"] for step in triage.path] == REMOVE_BY_RULES
        assert triage.details == {
            "legal_ground": LegalGround.ACCOUNT_RULES,
            "ground_basis": "rules",
            "visitor_notice": notice,
        }
        evidence = Evidence.objects.get(item=item)
        assert (evidence.taken_by, evidence.taken_at) == (owner, DECIDED)
        data = json.loads(evidence.data_json)
        assert data["item"]["text"] == stored.text
        assert [v["number"] for v in data["versions"]] == list(
            item.versions.order_by("number").values_list("number", flat=True)
        )
        removed = item.actions.get(kind=ActionKind.REMOVED)
        assert (removed.actor, removed.created_at, removed.reason, removed.evidence) == (
            owner,
            DECIDED,
            "Reklam",
            evidence,
        )
        assert removed.details == {
            "legal_ground": LegalGround.ACCOUNT_RULES,
            "ground_basis": "rules",
            "visitor_notice": notice,
            "data_sha256": evidence.data_sha256,
            "html_sha256": evidence.html_sha256,
        }
        # On the platform: the deletion, and the notice to the visitor, asked for by the owner.
        assert {
            (o.kind, o.text, o.requested_by, o.moderation_action)
            for o in item.outbound_actions.all()
        } == {
            (OutboundKind.DELETE, "", owner, triage),
            (OutboundKind.NOTICE, notice, owner, triage),
        }
    assert len(json.loads(Evidence.objects.get(item=spam[0]).data_json)["versions"]) == 2


def test_a_bulk_thank_signs_the_one_reply_and_keeps_the_first_handling_time(
    owner, active_account, response_model
):
    items = [make_item(active_account, text=f"Tack {n}!") for n in range(2)]
    # The first item was handled before and came back: its first handling still counts.
    first_handled = DECIDED - dt.timedelta(days=2)
    with time_machine.travel(first_handled, tick=False):
        triage_item(item=items[0], actor=owner, response_model=response_model, answers=LET_STAND)
    Item.objects.filter(pk=items[0].pk).update(status=ItemStatus.NEW)
    with time_machine.travel(DECIDED, tick=False):
        handled = triage_items_alike(
            items=items,
            actor=owner,
            response_model=response_model,
            answers=THANK,
            reply_text="  Tack för att du var med!  ",
        )
    assert [item.handled_at for item in handled] == [first_handled, DECIDED]
    assert [Item.objects.get(pk=item.pk).handled_at for item in items] == [
        first_handled,
        DECIDED,
    ]
    for item in items:
        triage = item.actions.filter(kind=ActionKind.TRIAGED).latest("pk")
        assert triage.outcome == "thank"
        assert triage.reply_text == "Tack för att du var med!" + SIGNED
        assert (triage.details, triage.reason) == ({}, "")
        assert not item.actions.filter(kind=ActionKind.REMOVED).exists()
    assert Evidence.objects.count() == 0


@pytest.mark.parametrize(
    ("answers", "fields", "message"),
    [
        (["kanske"], {}, "Svaren stämmer inte med responsmodellen."),
        (["nej", "nej"], {}, "Det finns fler frågor att besvara i responsmodellen."),
        # One reply cannot answer many questions: answering is done item by item.
        (["nej"] * 5 + ["ja", "ja"], {"reply_text": "Svar"}, "Det finns fler frågor att"),
        (THANK, {"reply_text": "   "}, "Skriv svaret som ska publiceras."),
        (REMOVE_BY_RULES, {"legal_ground": "tycker_illa_om"}, "Välj grunden för borttagningen."),
        (
            REMOVE_BY_RULES,
            {"legal_ground": LegalGround.CASE_HANDLING},
            "Välj grunden för borttagningen.",
        ),
        (REMOVE_BY_RULES, {"legal_ground": LegalGround.ACCOUNT_RULES, "visitor_notices": {}}, ""),
    ],
)
def test_a_bulk_is_refused_in_swedish_before_anything_changes(
    owner, spam, response_model, answers, fields, message
):
    fields = dict(fields)
    if "visitor_notices" in fields:
        # Every item but the last has its notice.
        fields["visitor_notices"] = {item.pk: "Borttaget." for item in spam[:-1]}
        message = "Välj grunden för borttagningen."
    elif "legal_ground" in fields:
        # Each item has its notice: the ground alone is refused.
        fields["visitor_notices"] = {item.pk: "Borttaget." for item in spam}
    before = _records()
    with pytest.raises(ValidationError) as refused:
        triage_items_alike(
            items=spam, actor=owner, response_model=response_model, answers=answers, **fields
        )
    assert refused.value.messages[0].startswith(message)
    assert len(refused.value.messages) == 1
    if "reply_text" in fields and answers == THANK:
        # Named as the reply's field, as the one-by-one form names it.
        assert refused.value.message_dict == {"reply_text": [message]}
    assert _records() == before


@pytest.mark.parametrize("how", ["handled", "removed"])
def test_a_bulk_with_one_item_no_longer_to_act_on_saves_nothing(
    owner, deputy, spam, response_model, how
):
    if how == "handled":
        triage_item(item=spam[1], actor=deputy, response_model=response_model, answers=LET_STAND)
    else:
        # Removed on the platform's side already while still in the queue.
        Item.objects.filter(pk=spam[1].pk).update(removed_at=DECIDED)
    item_claim(item=spam[0], user=owner)
    before = _records()
    with pytest.raises(ItemAlreadyHandled):
        triage_items_alike(
            items=spam,
            actor=owner,
            response_model=response_model,
            answers=REMOVE_BY_RULES,
            legal_ground=LegalGround.ACCOUNT_RULES,
            visitor_notices={item.pk: "Borttaget." for item in spam},
        )
    assert _records() == before
    assert Item.objects.get(pk=spam[0].pk).status == ItemStatus.NEW


def test_the_evidence_names_each_attachment_by_its_stored_hash(owner, item):
    from connectors.models import Attachment, AttachmentKind, AttachmentStatus

    # As the connector records them (setup only): an image it stored and a link preview.
    Attachment.objects.create(
        item=item,
        key="link",
        position=1,
        kind=AttachmentKind.LINK,
        source_url="https://www.haparanda.se/felanmalan",
        title="Felanmälan – Haparanda stad",
        status=AttachmentStatus.NOTHING_TO_FETCH,
    )
    Attachment.objects.create(
        item=item,
        key="photo",
        position=0,
        kind=AttachmentKind.IMAGE,
        source_url="https://scontent.example/photo.jpg",
        status=AttachmentStatus.STORED,
        sha256="ab" * 32,
        size=2048,
        mime_type="image/jpeg",
    )
    evidence = evidence_take(item=item, actor=owner)
    assert json.loads(evidence.data_json)["attachments"] == [
        {
            "kind": "image",
            "url": "https://scontent.example/photo.jpg",
            "title": "",
            "status": "stored",
            "sha256": "ab" * 32,
            "size": 2048,
            "mime_type": "image/jpeg",
        },
        {
            "kind": "link",
            "url": "https://www.haparanda.se/felanmalan",
            "title": "Felanmälan – Haparanda stad",
            "status": "nothing",
            "sha256": "",
            "size": None,
            "mime_type": "",
        },
    ]
    # The readable copy lists them too, in the same order, each stored file with its hash.
    html = evidence.html
    assert "<h2>Bilagor</h2>" in html
    photo = html.index("image: https://scontent.example/photo.jpg")
    assert html.index(f"SHA-256 {'ab' * 32}, 2048 byte, image/jpeg") > photo
    link = html.index("link: https://www.haparanda.se/felanmalan (Felanmälan – Haparanda stad)")
    assert link > photo
    assert "Status: nothing</p>" in html
    assert evidence.verifies()


def test_the_evidence_of_a_post_its_author_deleted_says_when(active_account, owner):
    post_item = make_item(active_account, kind=ItemKind.POST, text="Ångrat inlägg")
    deleted_at = post_item.published_at + dt.timedelta(minutes=30)
    ingest_item(
        account=active_account,
        platform_id=post_item.platform_id,
        kind=post_item.kind,
        author_name=post_item.author_name,
        text=post_item.text,
        published_at=post_item.published_at,
        source=post_item.source,
        deleted=True,
        changed_at=deleted_at,
    )
    post_item.refresh_from_db()
    evidence = evidence_take(item=post_item, actor=owner)
    data = json.loads(evidence.data_json)
    assert data["item"]["parent_platform_id"] is None
    assert data["item"]["deleted_by_author_at"] == deleted_at.isoformat()
    assert [(v["change"], v["changed_at"]) for v in data["versions"]] == [
        ("created", post_item.published_at.isoformat()),
        ("deleted", deleted_at.isoformat()),
    ]
    assert "attachments" not in data
    assert "Bilagor" not in evidence.html


def test_the_evidence_json_is_canonical_so_anyone_can_recompute_its_hash(owner, active_account):
    item = make_item(active_account, text="Åsa på Storgatan: ”tack”")
    evidence = evidence_take(item=item, actor=owner)
    # Sorted keys, no insignificant space, letters as UTF-8 rather than escapes.
    canonical = json.dumps(
        json.loads(evidence.data_json), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert evidence.data_json == canonical
    assert "Åsa på Storgatan: ”tack”" in evidence.data_json
