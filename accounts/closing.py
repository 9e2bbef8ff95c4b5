"""The seam between closing an account and archiving it (R8, R19).

Closing takes a final archive snapshot first. ``account_close`` moves the account to ``closing``
and then calls the hook named by the setting ``ACCOUNTS_CLOSURE_HOOK`` (a dotted path; by
default ``request_closure_snapshot`` below). The hook must arrange for ``account_mark_closed`` to
be called once the account may be closed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

DEFAULT_CLOSURE_HOOK = "accounts.closing.request_closure_snapshot"


def request_closure_snapshot(account, *, requested_by=None) -> None:
    """Ask for the closure snapshot of ``account``; close the account when it is complete.

    This default, used until the archiving app exists, has no snapshot to wait for: it closes the
    account as soon as the transaction that started the closing has committed.

    The archiving app replaces it (``ACCOUNTS_CLOSURE_HOOK = "archiving.…"``) by a function with
    the same signature that requests a closure snapshot of the account and calls
    ``accounts.services.account_mark_closed`` only when that snapshot is complete.
    """
    from .models import AccountDecision, DecisionKind
    from .services import account_mark_closed

    account_pk = account.pk

    def _close() -> None:
        from .models import SocialAccount

        actor = requested_by
        if actor is None:
            started = (
                AccountDecision.objects.filter(
                    account_id=account_pk, kind=DecisionKind.CLOSING_STARTED
                )
                .select_related("actor")
                .last()
            )
            actor = started.actor
        account_mark_closed(account=SocialAccount.objects.get(pk=account_pk), actor=actor)

    transaction.on_commit(_close)


def get_closure_hook():
    return import_string(getattr(settings, "ACCOUNTS_CLOSURE_HOOK", DEFAULT_CLOSURE_HOOK))
