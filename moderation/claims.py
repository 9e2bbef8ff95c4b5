"""Claiming items: "someone is already on this" shown before anyone starts, not after (R11).

Opening an item's triage claims it for ``CLAIM_MINUTES``; colleagues see who and since when in
the queue and on the item, and may take it over deliberately, which is recorded. A claim is a
courtesy between colleagues, not a lock: the single outcome per item is still guaranteed by
``services.triage_item``'s conditional update.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .models import ActionKind, Claim, Item, ModerationAction

CLAIM_MINUTES = 15
# A claim renewed this recently is not renewed again: reloading the item's page then writes
# nothing (each write also makes the item's page and the queue be rendered afresh).
RENEWED_RECENTLY = dt.timedelta(minutes=1)


class ClaimRefused(Exception):
    """The claim was not made; ``message`` says why, in words for the person."""

    message = _("The item could not be claimed.")

    def __str__(self) -> str:
        return str(self.message)


class ItemNotOpen(ClaimRefused):
    message = _("This item is already handled, so there is nothing to claim.")


class ClaimedByOther(ClaimRefused):
    """Someone else holds a live claim; take it over with ``take_over=True``."""

    def __init__(self, claim: Claim):
        super().__init__()
        self.claim = claim
        self.message = _("%(name)s is already handling this item since %(time)s.") % {
            "name": claim_holder_name(claim.user),
            "time": timezone.localtime(claim.claimed_at).strftime("%H:%M"),
        }


def claim_holder_name(user: User) -> str:
    """The name colleagues know: the first name, else the full name, else the username."""
    return user.first_name.strip() or user.get_full_name() or user.get_username()


def item_claim(*, item: Item, user: User, take_over: bool = False) -> Claim:
    """Claim the item for ``user`` for the next ``CLAIM_MINUTES`` minutes.

    The person's own live claim is renewed (unless renewed within ``RENEWED_RECENTLY``) and
    keeps its start time; an expired claim is
    replaced; someone else's live claim is refused with ``ClaimedByOther`` unless ``take_over``
    is given, and a take-over is recorded as an append-only action naming whose claim it was.
    A handled item cannot be claimed (``ItemNotOpen``).
    """
    fresh = (
        Claim.objects.select_related("user")
        .filter(
            item_id=item.pk,
            user=user,
            expires_at__gt=timezone.now() + dt.timedelta(minutes=CLAIM_MINUTES) - RENEWED_RECENTLY,
        )
        .first()
    )
    if fresh is not None:
        # Only an open item has claims: the outcome deletes them in its transaction.
        return fresh
    try:
        with transaction.atomic():
            return _claim_locked(item=item, user=user, take_over=take_over)
    except IntegrityError:
        # Two first claims raced past the lock (SQLite has no row locks); the other one won.
        claim = Claim.objects.select_related("user").get(item_id=item.pk)
        if claim.user_id == user.pk:
            return claim
        raise ClaimedByOther(claim) from None


def _claim_locked(*, item: Item, user: User, take_over: bool) -> Claim:
    locked = Item.objects.select_for_update().only("pk", "status").get(pk=item.pk)
    if not locked.is_open:
        raise ItemNotOpen
    now = timezone.now()
    expires = now + dt.timedelta(minutes=CLAIM_MINUTES)
    claim = Claim.objects.select_related("user").filter(item_id=item.pk).first()
    if claim is None:
        return Claim.objects.create(item_id=item.pk, user=user, claimed_at=now, expires_at=expires)
    if claim.user_id == user.pk and claim.is_live(now):
        claim.expires_at = expires
        claim.save(update_fields=["expires_at"])
        return claim
    if claim.user_id != user.pk and claim.is_live(now):
        if not take_over:
            raise ClaimedByOther(claim)
        ModerationAction.objects.create(
            item_id=item.pk,
            kind=ActionKind.CLAIM_TAKEN_OVER,
            actor=user,
            created_at=now,
            details={
                "from_user_id": claim.user_id,
                "from_user": claim_holder_name(claim.user),
                "claimed_at": claim.claimed_at.isoformat(),
            },
        )
    claim.user = user
    claim.claimed_at = now
    claim.expires_at = expires
    claim.save(update_fields=["user", "claimed_at", "expires_at"])
    return claim


def item_release(*, item: Item, user: User) -> bool:
    """Give up the person's claim on the item; True when there was one to give up. Someone
    else's claim is left alone."""
    deleted, _rows = Claim.objects.filter(item_id=item.pk, user=user).delete()
    return bool(deleted)


def claim_for(item: Item, now: dt.datetime | None = None) -> Claim | None:
    """The live claim on an open item, with its person, or None."""
    if not item.is_open:
        return None
    return (
        Claim.objects.select_related("user")
        .filter(item_id=item.pk, expires_at__gt=now or timezone.now())
        .first()
    )


def with_claims(items: QuerySet[Item], now: dt.datetime | None = None) -> QuerySet[Item]:
    """Annotate each item with its live claim: ``claimed_by_id``, ``claimed_by_first_name``,
    ``claimed_by_username`` and ``claimed_at`` (all None when unclaimed). Subqueries, so a
    page of items adds no query; ``claimed_by_name`` on the template side is
    ``claimed_by_first_name|default:claimed_by_username``."""
    live = Claim.objects.filter(item_id=OuterRef("pk"), expires_at__gt=now or timezone.now())
    return items.annotate(
        claimed_by_id=Subquery(live.values("user_id")[:1]),
        claimed_by_first_name=Subquery(live.values("user__first_name")[:1]),
        claimed_by_username=Subquery(live.values("user__username")[:1]),
        claimed_at=Subquery(live.values("claimed_at")[:1]),
    )
