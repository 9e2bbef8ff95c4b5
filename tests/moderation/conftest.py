"""Moderation fixtures on top of the fixed cast: items on the active account, a second account
of the same owner where the deputy has no role, and the default response model."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from accounts.models import AccountStatus, Role
from moderation.models import ItemKind, ItemSource
from moderation.services import ingest_item, response_model_ensure_default
from tests.factories import add_role, make_account

_ids = itertools.count(1)


def make_item(account, *, text="Hej! När öppnar biblioteket?", hours_ago=2, **fields):
    fields.setdefault("platform_id", f"p{next(_ids)}")
    fields.setdefault("kind", ItemKind.COMMENT)
    fields.setdefault("author_name", "Anna Andersson")
    fields.setdefault("source", ItemSource.API)
    fields.setdefault("published_at", timezone.now() - dt.timedelta(hours=hours_ago))
    return ingest_item(account=account, text=text, **fields).item


@pytest.fixture
def response_model(db):
    return response_model_ensure_default()


@pytest.fixture
def item(active_account):
    return make_item(active_account)


@pytest.fixture
def owners_other_account(owner, administrator, manager, department):
    """Another account of the same owner; the fixture deputy has no role on it."""
    account = make_account(
        created_by=owner,
        department=department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda stad",
        url="https://www.facebook.com/haparandastad",
        handle="haparandastad",
    )
    add_role(account, owner, Role.OWNER, manager=manager)
    add_role(account, administrator, Role.DEPUTY, manager=manager)
    return account
