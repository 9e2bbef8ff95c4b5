"""Bulk outcomes from the queue (issue 9): one path and outcome for many items, each item still
with its own triage record, evidence and outbound action."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation.bulk import BULK_LIMIT
from moderation.claims import claim_for, item_claim
from moderation.models import (
    ActionKind,
    Evidence,
    Item,
    ItemStatus,
    ModerationAction,
    OutboundAction,
    OutboundKind,
)
from moderation.response_model import LegalGround

from .conftest import make_item

BULK = reverse("moderation:queue_bulk")


@pytest.fixture
def praise(active_account, response_model):
    return [make_item(active_account, text=f"Tack för ett fint evenemang {n}!") for n in range(3)]


def post(client, items, action, **fields):
    data = {"atgard": action, "objekt": [str(i.pk) for i in items], **fields}
    return client.post(BULK, data)


def records():
    return (
        ModerationAction.objects.count(),
        Evidence.objects.count(),
        OutboundAction.objects.count(),
        Item.objects.filter(status=ItemStatus.HANDLED).count(),
    )


def test_let_stand_gives_each_item_its_own_record_with_the_full_path(owner_client, praise):
    response = post(owner_client, praise, "let_stand", motivering="Beröm")
    assert response.status_code == 200
    assert response.context["result"].done == 3
    for item in praise:
        item.refresh_from_db()
        assert item.status == ItemStatus.HANDLED and item.outcome == "let_stand"
        triage = item.actions.get(kind=ActionKind.TRIAGED)
        assert [step["answer"] for step in triage.path][-2:] == ["ja", "nej"]
        assert triage.path[0]["node"] == "lag"
        assert triage.reason == "Beröm"
    assert "klara: 3, överhoppade: 0, misslyckade: 0" in response.content.decode()


def test_thank_signs_one_reply_for_each_item_and_plans_its_posting(owner_client, owner, praise):
    response = post(owner_client, praise, "thank", svar="Tack för att du var med!")
    assert response.context["result"].done == 3
    for item in praise:
        triage = item.actions.get(kind=ActionKind.TRIAGED)
        assert triage.outcome == "thank"
        assert triage.reply_text.startswith("Tack för att du var med!")
        assert triage.reply_text.endswith("/Olle, Haparanda stad")
        assert item.outbound_actions.get().kind == OutboundKind.REPLY


def test_remove_takes_each_items_own_evidence_before_removing(owner_client, active_account):
    spam = [
        make_item(active_account, text=f"KÖP BILLIGA KLOCKOR {n} www.spam.example")
        for n in range(3)
    ]
    response = post(owner_client, spam, "remove", grund=LegalGround.COPYRIGHT, motivering="Reklam")
    assert response.context["result"].done == 3
    for item in spam:
        item.refresh_from_db()
        assert item.removed_at is not None
        evidence = Evidence.objects.get(item=item)
        assert evidence.verifies()
        assert "BILLIGA KLOCKOR" in evidence.data_json
        removed = item.actions.get(kind=ActionKind.REMOVED)
        assert removed.evidence == evidence
        assert removed.details["legal_ground"] == LegalGround.COPYRIGHT
        assert removed.details["visitor_notice"].startswith("Hej Anna!")
        # The removal and the signed notice to the visitor are each a platform action.
        kinds = {a.kind for a in item.outbound_actions.all()}
        assert kinds == {OutboundKind.DELETE, OutboundKind.NOTICE}


def test_removal_for_breaking_the_accounts_rules_follows_the_rules_path(owner_client, praise):
    response = post(owner_client, praise[:1], "remove", grund=LegalGround.ACCOUNT_RULES)
    assert response.context["result"].done == 1
    triage = praise[0].actions.get(kind=ActionKind.TRIAGED)
    assert [step["answer"] for step in triage.path] == ["regler"]
    removed = praise[0].actions.get(kind=ActionKind.REMOVED)
    assert removed.details["legal_ground"] == LegalGround.ACCOUNT_RULES


def test_a_bulk_cannot_move_reports_to_case_handling(owner_client, praise):
    before = records()
    response = post(owner_client, praise, "remove", grund=LegalGround.CASE_HANDLING)
    assert response.status_code == 400
    assert records() == before


def test_removal_for_personal_data_follows_the_models_personal_data_path(owner_client, praise):
    post(owner_client, praise[:1], "remove", grund=LegalGround.PERSONAL_DATA)
    triage = praise[0].actions.get(kind=ActionKind.TRIAGED)
    assert [step["node"] for step in triage.path] == ["lag", "personuppgifter"]


def test_monitor_does_not_report_a_troll(owner_client, praise, mailoutbox):
    post(owner_client, praise, "monitor")
    triage = praise[0].actions.get(kind=ActionKind.TRIAGED)
    assert triage.outcome == "monitor"
    assert triage.path[-1]["answer"] == "raljant"
    assert mail.outbox == []


def test_running_the_same_bulk_twice_changes_nothing(owner_client, praise):
    post(owner_client, praise, "thank", svar="Tack!")
    before = records()
    response = post(owner_client, praise, "thank", svar="Tack!")
    assert response.status_code == 200
    result = response.context["result"]
    assert (result.done, result.skipped) == (0, 3)
    assert records() == before


def test_each_item_is_reported_and_one_problem_does_not_stop_the_others(
    deputy_client, administrator, praise, owners_other_account
):
    # The deputy has no role on the owner's other account, so its item is not theirs.
    foreign = make_item(owners_other_account)
    item_claim(item=praise[1], user=administrator)
    response = post(deputy_client, [praise[0], praise[1], foreign, praise[2]], "let_stand")
    rows = {row.item_id: row for row in response.context["result"].results}
    assert rows[praise[0].pk].status == "done"
    assert rows[praise[1].pk].status == "skipped"
    assert rows[praise[1].pk].message == "Adam hanterar det."
    assert rows[foreign.pk].status == "failed"
    assert rows[foreign.pk].message == "Finns inte i din kö."
    assert rows[praise[2].pk].status == "done"
    foreign.refresh_from_db()
    praise[1].refresh_from_db()
    assert foreign.status == praise[1].status == ItemStatus.NEW
    assert "Adam hanterar det." in response.content.decode()


def test_bulk_releases_the_persons_own_claims(owner_client, owner, praise):
    item_claim(item=praise[0], user=owner)
    post(owner_client, praise, "let_stand")
    praise[0].refresh_from_db()
    assert claim_for(praise[0]) is None


def test_a_bulk_of_501_is_refused_and_changes_nothing(owner_client, active_account, praise):
    before = records()
    ids = [str(praise[0].pk)] + [str(n) for n in range(10_000, 10_000 + BULK_LIMIT)]
    response = owner_client.post(BULK, {"atgard": "let_stand", "objekt": ids})
    assert response.status_code == 400
    assert "Välj högst 500 objekt åt gången; du valde 501." in response.content.decode()
    assert records() == before


def test_the_whole_filter_is_refused_above_the_limit(owner_client, active_account, praise):
    from .test_queue_page import bulk_items

    bulk_items(active_account, BULK_LIMIT + 1 - len(praise))
    before = records()
    response = owner_client.post(BULK, {"atgard": "let_stand", "omfang": "filtret", "filter": ""})
    assert response.status_code == 400
    assert "du valde 501" in response.content.decode()
    assert records() == before


def test_the_whole_filter_acts_on_the_filtered_items_only(owner_client, active_account, praise):
    spam = make_item(active_account, text="Billiga solglasögon på www.spam.example")
    response = owner_client.post(
        BULK,
        {
            "atgard": "remove",
            "grund": LegalGround.COPYRIGHT,
            "omfang": "filtret",
            "filter": "q=solglasogon",
        },
    )
    assert response.context["result"].done == 1
    spam.refresh_from_db()
    assert spam.removed_at is not None
    assert all(Item.objects.get(pk=p.pk).status == ItemStatus.NEW for p in praise)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"atgard": "thank", "svar": "  "}, "Skriv svaret som ska publiceras."),
        ({"atgard": "remove"}, "Välj grunden för borttagningen."),
        ({"atgard": "remove", "grund": "tycker_illa_om"}, "tycker_illa_om är inte ett av dem"),
        ({"atgard": "radera_allt"}, "Välj ett giltigt alternativ; radera_allt är inte ett av dem."),
        ({"atgard": ""}, "Välj vad som ska göras med objekten."),
        ({"atgard": "let_stand", "objekt": ["1;DROP"]}, "Urvalet kunde inte läsas"),
        ({"atgard": "let_stand", "objekt": []}, "Välj minst ett objekt."),
    ],
)
def test_bad_bulk_input_gets_a_clear_message_and_changes_nothing(
    owner_client, praise, fields, message
):
    before = records()
    data = {"objekt": [str(i.pk) for i in praise], **fields}
    response = owner_client.post(BULK, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert records() == before


def test_an_outsider_cannot_act_on_anyone_elses_items(outsider_client, praise):
    before = records()
    response = post(outsider_client, praise, "let_stand")
    assert {row.status for row in response.context["result"].results} == {"failed"}
    assert records() == before


def test_bulk_is_post_only(owner_client):
    assert owner_client.get(BULK).status_code == 405


def _removal_queries(client, items):
    with CaptureQueriesContext(connection) as queries:
        response = post(client, items, "remove", grund=LegalGround.ACCOUNT_RULES)
    assert response.context["result"].done == len(items)
    return len(queries)


def test_a_batch_writes_each_kind_of_record_once_whatever_its_size(
    owner_client, active_account, response_model
):
    """Issue 9: 500 items within ten seconds. A batch of thirty costs as many queries as a batch
    of two: one lock, one update, one insert per kind of record (triage, evidence, removal,
    platform action), one read-back of the evidence to verify it."""
    few = [make_item(active_account, text=f"Köp klockor {n}") for n in range(2)]
    many = [make_item(active_account, text=f"Köp väskor {n}") for n in range(30)]
    assert _removal_queries(owner_client, few) == _removal_queries(owner_client, many)
    for item in many:
        removal = item.actions.get(kind=ActionKind.REMOVED)
        assert removal.evidence.item_id == item.pk and removal.evidence.verifies()
        assert removal.details["visitor_notice"].endswith("/Olle, Haparanda stad")
        assert item.actions.get(kind=ActionKind.TRIAGED).path
        assert set(item.outbound_actions.values_list("kind", flat=True)) == {
            OutboundKind.DELETE,
            OutboundKind.NOTICE,
        }


def test_a_failing_item_in_a_batch_leaves_the_rest_of_the_batch_done(
    owner_client, active_account, response_model
):
    spam = [make_item(active_account, text=f"Köp klockor {n}") for n in range(4)]
    # An item already marked removed cannot be removed again: the batch is undone and done
    # one item at a time, so the others are removed and this one alone is reported.
    Item.objects.filter(pk=spam[2].pk).update(removed_at=timezone.now())
    response = post(owner_client, spam, "remove", grund=LegalGround.ACCOUNT_RULES)
    rows = {row.item_id: row.status for row in response.context["result"].results}
    assert rows == {
        spam[0].pk: "done",
        spam[1].pk: "done",
        spam[2].pk: "skipped",
        spam[3].pk: "done",
    }
    assert not spam[2].actions.filter(kind=ActionKind.TRIAGED).exists()
    assert Evidence.objects.filter(item__in=spam).count() == 3
    assert ModerationAction.objects.filter(item__in=spam, kind=ActionKind.REMOVED).count() == 3
