"""What the evidence of an item holds, field by field (the copy the municipality shows when a
removal is questioned), and what a bulk outcome records for each item: who decided, under which
response model, on what ground and with which notice."""

import json

import pytest

from moderation.models import ActionKind, Evidence, ItemKind, ItemStatus
from moderation.response_model import LegalGround
from moderation.services import evidence_take, ingest_item

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
