"""Claims: colleagues see who is already on an item before they start (issue 9)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from moderation.claims import (
    CLAIM_MINUTES,
    ClaimedByOther,
    ItemNotOpen,
    claim_for,
    item_claim,
    item_release,
    with_claims,
)
from moderation.models import ActionKind, Claim, Item, ItemStatus


def test_a_claim_holds_for_fifteen_minutes(item, owner):
    claim = item_claim(item=item, user=owner)
    assert claim.user == owner
    assert claim.expires_at - claim.claimed_at == dt.timedelta(minutes=CLAIM_MINUTES)
    assert claim_for(item) == claim


def test_a_colleague_is_refused_while_the_claim_lives_and_told_who_and_since_when(
    item, owner, deputy
):
    with time_machine.travel(dt.datetime(2026, 3, 10, 14, 2, tzinfo=dt.UTC), tick=False):
        item_claim(item=item, user=owner)
    later = time_machine.travel(dt.datetime(2026, 3, 10, 14, 10, tzinfo=dt.UTC), tick=False)
    with later, pytest.raises(ClaimedByOther) as refused:
        item_claim(item=item, user=deputy)
    # 14:02 UTC is 15:02 in Haparanda in March.
    assert str(refused.value) == "Olle hanterar redan det här objektet sedan 15:02."
    assert Claim.objects.get(item=item).user == owner


def test_renewing_ones_own_claim_keeps_its_start(item, owner):
    start = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        first = item_claim(item=item, user=owner)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        again = item_claim(item=item, user=owner)
    assert again.pk == first.pk
    assert again.claimed_at == start
    assert again.expires_at == start + dt.timedelta(minutes=10 + CLAIM_MINUTES)


def test_an_expired_claim_gives_way_without_a_take_over_record(item, owner, deputy):
    start = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        item_claim(item=item, user=owner)
    with time_machine.travel(start + dt.timedelta(minutes=CLAIM_MINUTES, seconds=1), tick=False):
        assert claim_for(item) is None
        claim = item_claim(item=item, user=deputy)
    assert claim.user == deputy
    assert not item.actions.filter(kind=ActionKind.CLAIM_TAKEN_OVER).exists()


def test_taking_over_is_deliberate_and_recorded(item, owner, deputy):
    item_claim(item=item, user=owner)
    claim = item_claim(item=item, user=deputy, take_over=True)
    assert claim.user == deputy
    record = item.actions.get(kind=ActionKind.CLAIM_TAKEN_OVER)
    assert record.actor == deputy
    assert record.details["from_user_id"] == owner.pk
    assert record.details["from_user"] == "Olle"


def test_a_handled_item_cannot_be_claimed(item, owner):
    Item.objects.filter(pk=item.pk).update(status=ItemStatus.HANDLED)
    item.refresh_from_db()
    with pytest.raises(ItemNotOpen) as refused:
        item_claim(item=item, user=owner)
    assert "redan hanterat" in str(refused.value)
    assert not Claim.objects.exists()
    assert claim_for(item) is None


def test_release_gives_up_only_ones_own_claim(item, owner, deputy):
    item_claim(item=item, user=owner)
    assert item_release(item=item, user=deputy) is False
    assert claim_for(item).user == owner
    assert item_release(item=item, user=owner) is True
    assert claim_for(item) is None


def test_the_queue_annotation_shows_only_live_claims(active_account, owner):
    from .conftest import make_item

    claimed, expired, free = (make_item(active_account) for _ in range(3))
    item_claim(item=claimed, user=owner)
    Claim.objects.create(
        item=expired,
        user=owner,
        claimed_at=timezone.now() - dt.timedelta(hours=1),
        expires_at=timezone.now() - dt.timedelta(minutes=1),
    )
    rows = {i.pk: i for i in with_claims(Item.objects.all())}
    assert rows[claimed.pk].claimed_by_id == owner.pk
    assert rows[claimed.pk].claimed_by_first_name == "Olle"
    assert rows[expired.pk].claimed_by_id is None
    assert rows[free.pk].claimed_at is None
