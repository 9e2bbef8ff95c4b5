"""Who may see and download an account's snapshots.

The communicator and the account's current owner (R19–R21). Others who can see the account in
the registry get 403; everyone else gets 404 from ``get_account_for_user``, so the archive does
not reveal which accounts exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import AccountRole, Role, SocialAccount
from accounts.permissions import can_manage_account, get_account_for_user, is_communicator

from .models import Snapshot


def can_see_archive(user, account: SocialAccount) -> bool:
    return bool(user.is_authenticated and user.is_active) and can_manage_account(user, account)


def get_archive_account_for_user(user, pk) -> SocialAccount:
    account = get_account_for_user(user, pk)
    if not can_see_archive(user, account):
        raise PermissionDenied
    return account


def get_snapshot_for_user(user, package_id) -> Snapshot:
    try:
        snapshot = Snapshot.objects.select_related("account").get(package_id=package_id)
    except Snapshot.DoesNotExist as exc:
        raise Http404 from exc
    # Through the registry's helper, so an outsider learns nothing about the account.
    get_archive_account_for_user(user, snapshot.account_id)
    return snapshot


def archive_accounts_for(user) -> QuerySet[SocialAccount]:
    """The accounts whose archive the user may see: all for the communicator, else those owned."""
    if is_communicator(user):
        return SocialAccount.objects.all()
    if not (user.is_authenticated and user.is_active):
        return SocialAccount.objects.none()
    owned = AccountRole.objects.current().filter(user=user, role=Role.OWNER).values("account_id")
    return SocialAccount.objects.filter(Q(pk__in=owned))


def may_see_any_archive(user) -> bool:
    """The communicator, or the current owner of some account."""
    return is_communicator(user) or archive_accounts_for(user).exists()
