"""Reads for the public face of the registry (R7, R24).

The public sees only accounts that are or were official (``PUBLIC_STATUSES``) and only the fields
listed in ``PUBLIC_FIELDS``: never the people behind an account, the credential custody, the plan
or the hours set aside. Everything the public pages, feeds and the lookup show goes through here,
so that what is public is decided in one place.

An account that is closing is still official until it is closed, so the public sees it as active.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from .models import PUBLIC_STATUSES, AccountStatus, Department, SocialAccount
from .platforms import ParsedProfile

# The stable schema of the machine-readable list: the JSON keys and the CSV columns, in order.
# Add new keys at the end; never rename or remove one, consumers depend on them.
PUBLIC_FIELDS = (
    "id",
    "display_name",
    "platform",
    "platform_name",
    "handle",
    "url",
    "department",
    "department_slug",
    "status",
    "purpose",
    "public_contact",
    "starts_on",
    "ends_on",
    "closed_on",
    "public_page_url",
)

PUBLIC_ACTIVE = "active"
PUBLIC_CLOSED = "closed"

# Letters that Swedish sorts after z, in this order (å, ä, ö; æ and ø as ä and ö).
_AFTER_Z = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"}


def swedish_sort_key(text: str) -> str:
    """A key that sorts names as a Swedish reader expects: case-insensitive, å ä ö after z,
    other accents with their base letter (é with e). Databases differ in collation, and the
    embedded SQLite sorts by code point, so the public list is sorted in Python."""
    out = []
    for char in text.casefold():
        if char in _AFTER_Z:
            out.append(_AFTER_Z[char])
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        out.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(out)


def public_status(account: SocialAccount) -> str:
    return PUBLIC_CLOSED if account.status == AccountStatus.CLOSED else PUBLIC_ACTIVE


def closed_on(account: SocialAccount):
    """The local date the account was closed, or None (also for a closed account whose time of
    closing was never recorded)."""
    if account.status != AccountStatus.CLOSED or account.closed_at is None:
        return None
    return timezone.localdate(account.closed_at)


def public_accounts_queryset():
    return SocialAccount.objects.public().select_related("department")


def public_departments() -> list[Department]:
    """Every department, with ``public_count`` (its accounts in public statuses), sorted.

    One query. The filter offers the departments that have public accounts, but accepts any
    department, so that a feed filtered by a department without accounts is empty, not an error.
    """
    departments = Department.objects.annotate(
        public_count=Count("accounts", filter=Q(accounts__status__in=PUBLIC_STATUSES))
    )
    return sorted(departments, key=lambda d: (swedish_sort_key(d.name), d.pk))


@dataclass(frozen=True)
class PublicList:
    active: list[SocialAccount]
    closed: list[SocialAccount]

    @property
    def all(self) -> list[SocialAccount]:
        return [*self.active, *self.closed]


def _sort_key(account: SocialAccount) -> tuple:
    return (
        swedish_sort_key(account.department.name),
        swedish_sort_key(account.display_name),
        account.pk,
    )


def public_account_list(
    *, department: Department | None = None, platform: str | None = None
) -> PublicList:
    """The official accounts (active and closing) and the closed ones, each sorted by
    department and name. One query whatever the number of accounts."""
    qs = public_accounts_queryset()
    if department is not None:
        qs = qs.filter(department=department)
    if platform:
        qs = qs.filter(platform=platform)
    accounts = sorted(qs, key=_sort_key)
    active = [a for a in accounts if public_status(a) == PUBLIC_ACTIVE]
    closed = [a for a in accounts if public_status(a) == PUBLIC_CLOSED]
    return PublicList(active=active, closed=closed)


def public_account(pk: int) -> SocialAccount | None:
    return public_accounts_queryset().filter(pk=pk).first()


def public_account_for_profile(profile: ParsedProfile) -> SocialAccount | None:
    """The official (or formerly official) account at this canonical address, if any.

    Accounts that were never approved (draft, submitted, rejected, changes requested) are not
    official and are not revealed: the lookup answers as if they did not exist.
    """
    return public_accounts_queryset().filter(url=profile.url).first()


def public_record(account: SocialAccount, *, page_url: str) -> dict[str, Any]:
    """The account as the machine-readable list publishes it, keyed by ``PUBLIC_FIELDS``."""
    closed = closed_on(account)
    record = {
        "id": account.pk,
        "display_name": account.display_name,
        "platform": account.platform,
        "platform_name": str(account.get_platform_display()),
        "handle": account.handle,
        "url": account.url,
        "department": account.department.name,
        "department_slug": account.department.slug,
        "status": public_status(account),
        "purpose": account.purpose,
        "public_contact": account.public_contact,
        "starts_on": account.starts_on.isoformat() if account.starts_on else None,
        "ends_on": account.ends_on.isoformat() if account.ends_on else None,
        "closed_on": closed.isoformat() if closed else None,
        "public_page_url": page_url,
    }
    return record


def absolute_public_url(account: SocialAccount) -> str:
    return settings.SITE_URL + account.get_public_url()
