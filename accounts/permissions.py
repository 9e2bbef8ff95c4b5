"""Who may see and change which account (R24).

Every view gets its accounts through these helpers. An outsider gets 404, not 403, so that the
registry does not reveal which applications exist.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from .models import AccountRole, Role, SocialAccount


def is_communicator(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_communicator)


def communicator_required(view):
    """Only the communicator; everyone else, logged in or not, is refused."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not is_communicator(request.user):
            raise PermissionDenied(gettext("Only the communicator may do this."))
        return view(request, *args, **kwargs)

    return wrapper


def accounts_visible_to(user) -> QuerySet[SocialAccount]:
    """The communicator sees every account; others see the accounts they applied for, act for
    (now or earlier), or give an assignment for as a manager."""
    qs = SocialAccount.objects.all()
    if is_communicator(user):
        return qs
    if not (user.is_authenticated and user.is_active):
        return qs.none()
    involved = AccountRole.objects.filter(Q(user=user) | Q(manager=user)).values("account_id")
    return qs.filter(Q(created_by=user) | Q(pk__in=involved))


def get_account_for_user(user, pk) -> SocialAccount:
    return get_object_or_404(accounts_visible_to(user).with_people(), pk=pk)


def can_edit_application(user, account: SocialAccount) -> bool:
    """The applicant and the proposed owner edit an application while it is a draft or sent back."""
    if not account.is_editable:
        return False
    owner = account.owner_role
    return account.created_by_id == user.pk or (owner is not None and owner.user_id == user.pk)


def get_editable_account_for_user(user, pk) -> SocialAccount:
    account = get_account_for_user(user, pk)
    if not can_edit_application(user, account):
        raise Http404
    return account


def can_manage_account(user, account: SocialAccount) -> bool:
    """The communicator and the account's current owner keep the account's details and people."""
    if is_communicator(user):
        return True
    owner = account.owner_role
    return owner is not None and owner.user_id == user.pk


def acts_for_account(user, account: SocialAccount) -> bool:
    """Owner, deputy or administrator now."""
    return any(r.user_id == user.pk for r in account._current_roles())


def roles_awaiting_manager(user) -> QuerySet[AccountRole]:
    """Assignments this manager has been asked to confirm."""
    from .models import AssignmentStatus

    return (
        AccountRole.objects.current()
        .filter(manager=user, assignment_status=AssignmentStatus.PENDING)
        .exclude(account__status__in=("draft", "rejected", "closed"))
        .select_related("account", "account__department", "user")
        .order_by("created_at")
    )


def get_assignment_for_manager(user, pk) -> AccountRole:
    """A role whose assignment this user, as the named manager, decides; anyone else gets 404."""
    if not (user.is_authenticated and user.is_active):
        raise Http404
    return get_object_or_404(
        AccountRole.objects.select_related("account", "account__department", "user", "manager"),
        pk=pk,
        manager=user,
    )


def can_decide_application(user, account: SocialAccount) -> bool:
    """The communicator approves, rejects or sends back a submitted application (R3)."""
    from .models import AccountStatus

    return is_communicator(user) and account.status == AccountStatus.SUBMITTED


def can_register_absence_for(actor, user) -> bool:
    """A person registers their own absence; their manager and the communicator may too."""
    return actor.pk == user.pk or user.manager_id == actor.pk or is_communicator(actor)


def get_absence_for_user(user, pk):
    """An absence this user may change: their own, a report's (as manager), or anyone's for the
    communicator. Anyone else gets 404."""
    from .models import Absence

    if not (user.is_authenticated and user.is_active):
        raise Http404
    absence = get_object_or_404(Absence.objects.select_related("user", "registered_by"), pk=pk)
    if not can_register_absence_for(user, absence.user):
        raise Http404
    return absence


def can_see_department_register(user, department) -> bool:
    return is_communicator(user) or (
        user.is_authenticated and user.is_active and user.department_id == department.pk
    )


__all__ = [
    "Role",
    "accounts_visible_to",
    "acts_for_account",
    "can_decide_application",
    "can_edit_application",
    "can_manage_account",
    "can_register_absence_for",
    "can_see_department_register",
    "communicator_required",
    "get_absence_for_user",
    "get_account_for_user",
    "get_assignment_for_manager",
    "get_editable_account_for_user",
    "is_communicator",
    "roles_awaiting_manager",
]
