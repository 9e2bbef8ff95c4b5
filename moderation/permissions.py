"""Whose queue holds which account (R11, R24). Every moderation view gets its accounts and
items through these helpers; an outsider gets 404, so item ids reveal nothing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Absence, AccountRole, Role, SocialAccount
from accounts.permissions import is_communicator

from .models import Item, ItemKind, OutboundAction
from .workdays import local_today

ACTING_ROLES = (Role.OWNER, Role.DEPUTY, Role.ADMINISTRATOR)


def accounts_acted_for(user, today: dt.date | None = None) -> QuerySet[SocialAccount]:
    """Active accounts whose items this person triages.

    The communicator sees every account. Others see the accounts where they are owner, deputy
    or administrator now, and, while an owner is absent, every account of that owner for a
    person who is deputy on one of them (the deputy covers the absence). Built from subqueries,
    so it adds no query of its own to a page.
    """
    qs = SocialAccount.objects.active()
    if is_communicator(user):
        return qs
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    today = today or local_today()
    current = AccountRole.objects.current()
    mine = current.filter(user=user, role__in=ACTING_ROLES).values("account_id")
    absent_people = Absence.objects.filter(starts_on__lte=today, ends_on__gte=today).values(
        "user_id"
    )
    covered_owners = current.filter(
        role=Role.OWNER,
        user_id__in=absent_people,
        account_id__in=current.filter(user=user, role=Role.DEPUTY).values("account_id"),
    ).values("user_id")
    covered = current.filter(role=Role.OWNER, user_id__in=covered_owners).values("account_id")
    return qs.filter(Q(pk__in=mine) | Q(pk__in=covered))


# Who may read an account's private messages: those who answer for the account, not the
# administrators appointed to post and moderate its public side.
MESSAGE_ROLES = (Role.OWNER, Role.DEPUTY)


def accounts_with_messages_for(user, today: dt.date | None = None) -> QuerySet[SocialAccount]:
    """Active accounts whose private messages this person may read (R24, R31).

    A private message reaches the municipality as a letter would, and may hold more personal
    data than a public comment: the communicator, the account's owner and deputies read them,
    and a deputy covering an absent owner reads the messages of that owner's accounts.
    Administrators, who are appointed to post and moderate in public, do not. Built from
    subqueries like ``accounts_acted_for``, so it adds no query of its own.
    """
    qs = SocialAccount.objects.active()
    if is_communicator(user):
        return qs
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    today = today or local_today()
    current = AccountRole.objects.current()
    mine = current.filter(user=user, role__in=MESSAGE_ROLES).values("account_id")
    absent_people = Absence.objects.filter(starts_on__lte=today, ends_on__gte=today).values(
        "user_id"
    )
    covered_owners = current.filter(
        role=Role.OWNER,
        user_id__in=absent_people,
        account_id__in=current.filter(user=user, role=Role.DEPUTY).values("account_id"),
    ).values("user_id")
    covered = current.filter(role=Role.OWNER, user_id__in=covered_owners).values("account_id")
    return qs.filter(Q(pk__in=mine) | Q(pk__in=covered))


def messages_rule(user, today: dt.date | None = None, prefix: str = "") -> Q:
    """The condition that keeps private messages to those who may read the account's messages,
    for a query on items (``prefix`` "item__" for a query on what belongs to an item)."""
    return ~Q(**{f"{prefix}kind": ItemKind.MESSAGE}) | Q(
        **{f"{prefix}account__in": accounts_with_messages_for(user, today)}
    )


def items_for_user(user) -> QuerySet[Item]:
    """The items this person may see: those of the accounts they act for, except private
    messages, which only those who may read the account's messages see."""
    return Item.objects.filter(account__in=accounts_acted_for(user)).filter(messages_rule(user))


def get_item_for_user(user, pk) -> Item:
    return get_object_or_404(
        items_for_user(user).select_related("account", "account__department", "parent"), pk=pk
    )


def get_account_for_moderator(user, pk) -> SocialAccount:
    return get_object_or_404(accounts_acted_for(user).select_related("department"), pk=pk)


def get_todo_for_user(user, pk) -> OutboundAction:
    """A platform action on an item the person acts for, whatever its state, so that marking
    it done a second time can say who did it; others get 404."""
    return get_object_or_404(
        OutboundAction.objects.filter(item__in=items_for_user(user)).select_related(
            "item__account", "confirmed_by"
        ),
        pk=pk,
    )
