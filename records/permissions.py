"""Who may find which records and who handles which request (R21, R24).

Every records view gets its items and requests through these helpers; an outsider gets 404, so
ids reveal nothing. The communicator sees everything the municipality holds, closed accounts
included; others see the items of the accounts they act for (``moderation.permissions``), and a
private message only when they may see that account's messages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.permissions import is_communicator
from moderation.models import Item, ItemKind
from moderation.permissions import accounts_acted_for, accounts_with_messages_for

from .models import RecordsRequest


def can_see_messages(user, account) -> bool:
    """Whether this person may read the account's private messages: the one rule of
    ``moderation.permissions.accounts_with_messages_for``, closed accounts included for the
    communicator."""
    if is_communicator(user):
        return True
    return accounts_with_messages_for(user).filter(pk=account.pk).exists()


def records_for_user(user) -> QuerySet[Item]:
    """Every item this person may find in the records search."""
    if is_communicator(user):
        return Item.objects.all()
    if not (user.is_authenticated and user.is_active):
        return Item.objects.none()
    acted_for = Item.objects.filter(account__in=accounts_acted_for(user))
    return acted_for.filter(
        ~Q(kind=ItemKind.MESSAGE) | Q(account__in=accounts_with_messages_for(user))
    )


def get_record_for_user(user, pk) -> Item:
    """An item the person may find, or one in a request they handle (a decision maker who acts
    for no account still reads what they decide on)."""
    from .models import RequestItem

    in_their_requests = RequestItem.objects.filter(
        request__in=requests_for_user(user), removed_at__isnull=True
    ).values("item_id")
    visible = Item.objects.filter(
        Q(pk__in=records_for_user(user).values("pk")) | Q(pk__in=in_their_requests)
    )
    return get_object_or_404(
        visible.select_related("account", "account__department", "parent"), pk=pk
    )


def can_search_records(user) -> bool:
    """The communicator, and anyone who acts for an account now."""
    if is_communicator(user):
        return True
    if not (user.is_authenticated and user.is_active):
        return False
    return accounts_acted_for(user).exists()


def requests_for_user(user) -> QuerySet[RecordsRequest]:
    """The communicator handles every request; others the ones they registered or decide."""
    qs = RecordsRequest.objects.all()
    if is_communicator(user):
        return qs
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    return qs.filter(Q(registered_by=user) | Q(decision_maker=user))


def get_request_for_user(user, pk) -> RecordsRequest:
    return get_object_or_404(
        requests_for_user(user).select_related("decision_maker", "registered_by", "delivered_by"),
        pk=pk,
    )


def can_decide(user, request: RecordsRequest) -> bool:
    """Secrecy reviews and the delivery are decided by the communicator or the request's named
    decision maker, no one else."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_communicator(user) or request.decision_maker_id == user.pk


def get_request_to_decide(user, pk) -> RecordsRequest:
    """A request the person may see (else 404) and decide on (else 403)."""
    request = get_request_for_user(user, pk)
    if not can_decide(user, request):
        raise PermissionDenied
    return request
