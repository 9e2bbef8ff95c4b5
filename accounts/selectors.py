"""Reads that span relations, already joined so that list pages keep a constant query count."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from .models import (
    PUBLIC_STATUSES,
    AccountDecision,
    AccountRole,
    AccountStatus,
    AssignmentStatus,
    Department,
    SocialAccount,
    User,
)
from .permissions import accounts_visible_to, is_communicator, roles_awaiting_manager


def pending_applications() -> QuerySet[SocialAccount]:
    """Applications awaiting the communicator, oldest first, with the number of manager
    confirmations still missing."""
    return (
        SocialAccount.objects.filter(status=AccountStatus.SUBMITTED)
        .select_related("department", "created_by")
        .annotate(
            missing_confirmations=Count(
                "roles",
                filter=Q(roles__ended_at__isnull=True)
                & ~Q(roles__assignment_status=AssignmentStatus.CONFIRMED),
            )
        )
        .order_by("submitted_at", "pk")
    )


def registry_for(
    user: User, *, department: Department | None = None, status: str | None = None
) -> QuerySet[SocialAccount]:
    """The accounts the user may see, with their people, for the register table."""
    qs = accounts_visible_to(user).with_people()
    if department is not None:
        qs = qs.filter(department=department)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("department__name", "display_name")


def accounts_ending_soon(user: User, *, days: int = 30, today=None) -> QuerySet[SocialAccount]:
    """Active time-limited accounts whose end date is within ``days`` or already passed (R8):
    they are to be closed, with a final archive copy, when the end date comes."""
    today = today or timezone.localdate()
    return (
        accounts_visible_to(user)
        .filter(status=AccountStatus.ACTIVE, ends_on__isnull=False)
        .filter(ends_on__lte=today + datetime.timedelta(days=days))
        .select_related("department")
        .order_by("ends_on", "display_name")
    )


def assignments_awaiting(user: User) -> QuerySet[AccountRole]:
    return roles_awaiting_manager(user)


def department_register(user: User, department: Department) -> QuerySet[SocialAccount]:
    """One förvaltning's register (R1): the communicator sees every account of the department;
    its employees see the official ones and the applications they are part of."""
    qs = SocialAccount.objects.filter(department=department)
    if not is_communicator(user):
        visible = accounts_visible_to(user).values("pk")
        qs = qs.filter(Q(status__in=PUBLIC_STATUSES) | Q(pk__in=visible))
    return qs.with_people().order_by("display_name")


def account_history(account: SocialAccount) -> QuerySet[AccountDecision]:
    return account.decisions.select_related("actor").order_by("created_at", "pk")


def account_roles(account: SocialAccount) -> QuerySet[AccountRole]:
    """Every role the account has had, current ones first."""
    return account.roles.select_related("user", "manager", "appointed_by", "ended_by").order_by(
        F("ended_at").desc(nulls_first=True), "role", "created_at"
    )


def active_users() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def communicator_emails() -> set[str]:
    """The communicators' shared mailbox and every active communicator's own address."""
    shared = {settings.COMMUNICATOR_EMAIL} if settings.COMMUNICATOR_EMAIL else set()
    return shared | {
        *User.objects.filter(is_communicator=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True),
    }


def account_by_address(
    address: str, accounts: QuerySet[SocialAccount] | None = None
) -> SocialAccount | None:
    """The account an address names, in any of the forms the platform's own pages use (mobile
    host, other case, trailing slash): the address is read as the registry reads it and looked
    up by its canonical form. Used where connectors, imports and commands name an account."""
    from django.core.exceptions import ValidationError

    from .platforms import parse_profile_url

    accounts = SocialAccount.objects.all() if accounts is None else accounts
    try:
        canonical = parse_profile_url(address).url
    except ValidationError:
        canonical = address
    return accounts.filter(url__in={canonical, address}).order_by("pk").first()


def roles_needing_a_new_person() -> QuerySet[AccountRole]:
    """Current roles on live accounts and applications held by someone the staff directory no
    longer lists: they cannot sign in, so the account needs a new person (R4)."""
    return (
        AccountRole.objects.current()
        .filter(user__is_active=False)
        .exclude(account__status__in=(AccountStatus.REJECTED, AccountStatus.CLOSED))
        .select_related("account", "user")
        .order_by("account__display_name", "role", "pk")
    )


def directory_imports() -> QuerySet:
    from .models import DirectoryImport

    return DirectoryImport.objects.select_related("actor").order_by("-created_at", "-pk")


PEOPLE_SHOWN = 20


def people_matching(
    queryset: QuerySet[User], query: str, *, include=None, limit: int = PEOPLE_SHOWN
) -> QuerySet[User]:
    """The people a person picker offers: those whose name matches every word of ``query``, and
    the one already chosen (``include``). One query, whatever the number of staff."""
    words = query.split()[:5]
    condition = Q(pk__in=[])
    if words:
        condition = Q()
        for word in words:
            condition &= (
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(username__icontains=word)
            )
    if include is not None and str(include).isdigit():
        condition |= Q(pk=int(include))
    return queryset.filter(condition).order_by("first_name", "last_name", "username")[:limit]
