"""Records fixtures on top of the fixed cast: a small thread on the active account, a message,
an item on another department's account, and an open anonymous request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AccountStatus, Role
from moderation.models import ItemKind
from records.services import request_register
from tests.factories import add_role, make_account, make_user
from tests.moderation.conftest import make_item

# A valid personnummer (test number from Skatteverket's series) and an e-mail address.
PERSONNUMMER = "19121212-1212"
EMAIL = "anna.andersson@example.se"


@pytest.fixture
def thread(active_account):
    """A post, a comment with a personnummer on it, and the municipality's reply."""
    post = make_item(
        active_account,
        text="Välkomna till kulturveckan i Haparanda!",
        kind=ItemKind.POST,
        author_name="Haparanda kultur",
        by_municipality=True,
        hours_ago=30,
    )
    comment = make_item(
        active_account,
        text=f"Kommentarerna här handlar om mig, mitt personnummer är {PERSONNUMMER}.",
        kind=ItemKind.COMMENT,
        parent_platform_id=post.platform_id,
        author_name="Rantakyrö Pekka",
        hours_ago=20,
    )
    reply = make_item(
        active_account,
        text="Tack, vi har tagit bort uppgiften.",
        kind=ItemKind.REPLY,
        parent_platform_id=comment.platform_id,
        author_name="Haparanda kultur",
        by_municipality=True,
        hours_ago=10,
    )
    return post, comment, reply


@pytest.fixture
def message(active_account):
    return make_item(
        active_account,
        text=f"Hej, jag mår dåligt och vill prata. Mejla mig på {EMAIL}.",
        kind=ItemKind.MESSAGE,
        author_name="Lisa Lund",
        hours_ago=5,
    )


@pytest.fixture
def other_account(communicator, other_department):
    owner = make_user("sara.samhall", department=other_department)
    account = make_account(
        created_by=owner,
        department=other_department,
        status=AccountStatus.ACTIVE,
        display_name="Haparanda samhällsbyggnad",
    )
    add_role(account, owner, Role.OWNER, manager=communicator)
    return account


@pytest.fixture
def other_item(other_account):
    return make_item(other_account, text="Snöröjningen på Storgatan är dålig.", hours_ago=3)


@pytest.fixture
def records_request(communicator):
    return request_register(
        actor=communicator,
        received_at=timezone.now() - dt.timedelta(hours=1),
        channel="email",
        asked_for="Alla kommentarer om kulturveckan.",
    )
