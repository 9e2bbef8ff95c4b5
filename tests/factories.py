"""Builders for test data. They write through the ORM for setup only; behaviour under test is
always exercised through HTTP or the services."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from django.utils import timezone

from accounts.models import (
    AccountRole,
    AccountStatus,
    AssignmentStatus,
    Department,
    Goal,
    Platform,
    Role,
    SocialAccount,
    User,
)
from accounts.visitor_info import standard_visitor_information

_seq = itertools.count(1)


def make_user(username: str | None = None, **fields) -> User:
    username = username or f"user{next(_seq)}"
    first, _, last = username.partition(".")
    fields.setdefault("first_name", first.capitalize())
    fields.setdefault("last_name", last.capitalize())
    fields.setdefault("email", f"{username}@haparanda.se")
    user = User(username=username, **fields)
    user.set_password("correct-horse-battery")
    user.save()
    return user


def make_department(name: str = "Kultur- och fritidsförvaltningen", slug: str | None = None):
    dept, _ = Department.objects.get_or_create(
        slug=slug or name.split("-")[0].split()[0].lower()[:20], defaults={"name": name}
    )
    return dept


def make_account(
    *,
    created_by: User,
    department: Department | None = None,
    status: str = AccountStatus.DRAFT,
    complete: bool = True,
    **fields,
) -> SocialAccount:
    n = next(_seq)
    department = department or make_department()
    fields.setdefault("platform", Platform.FACEBOOK)
    fields.setdefault("handle", f"haparandakonto{n}")
    fields.setdefault("url", f"https://www.facebook.com/haparandakonto{n}")
    fields.setdefault("display_name", f"Haparanda konto {n}")
    account = SocialAccount(department=department, status=status, created_by=created_by, **fields)
    if complete:
        account.purpose = account.purpose or "Informera om evenemang i Haparanda."
        account.audiences = account.audiences or "Invånare och besökare."
        account.goals = account.goals or [Goal.ACCESSIBLE, Goal.DIALOGUE]
        account.plan = account.plan or "Två inlägg i veckan, bevakning varje vardag."
        account.tonality = account.tonality or "Personlig men inte privat."
        account.answers = account.answers or "Frågor om evenemang och öppettider."
        account.does_not_answer = (
            account.does_not_answer or "Frågor om personuppgifter eller enskilda ärenden."
        )
        account.public_contact = account.public_contact or "kultur@haparanda.se"
        account.credentials_location = (
            account.credentials_location or "I kommunens lösenordshanterare, valvet Kultur."
        )
        account.credentials_access = account.credentials_access or "Kontoansvarig och ersättare."
        account.starts_on = account.starts_on or timezone.localdate()
        for name, text in standard_visitor_information(account).items():
            if not getattr(account, name):
                setattr(account, name, text)
    if status != AccountStatus.DRAFT:
        account.submitted_at = timezone.now()
    if status in (AccountStatus.ACTIVE, AccountStatus.CLOSING, AccountStatus.CLOSED):
        account.approved_at = timezone.now()
    if status == AccountStatus.CLOSED:
        account.closed_at = timezone.now()
    account.save()
    return account


def add_role(
    account: SocialAccount,
    user: User,
    role: str,
    *,
    manager: User,
    confirmed: bool = True,
    appointed_by: User | None = None,
) -> AccountRole:
    return AccountRole.objects.create(
        account=account,
        user=user,
        role=role,
        manager=manager,
        assignment_status=AssignmentStatus.CONFIRMED if confirmed else AssignmentStatus.PENDING,
        assignment_decided_at=timezone.now() if confirmed else None,
        appointed_by=appointed_by,
    )


def make_closed_account(owner, department, *, closed_at: datetime):
    """A summer account that was official in 2024 and is now closed."""
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.CLOSED,
        display_name="Sommarlov i Haparanda",
        url="https://www.facebook.com/sommarlovhaparanda",
        handle="sommarlovhaparanda",
        starts_on=date(2024, 5, 1),
        ends_on=date(2024, 8, 31),
    )
    account.closed_at = timezone.make_aware(closed_at)
    account.save(update_fields=["closed_at"])
    return account


__all__ = [
    "Role",
    "add_role",
    "make_account",
    "make_closed_account",
    "make_department",
    "make_user",
]
