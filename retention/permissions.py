"""Who may see and do what in retention (R22, R24).

Any signed-in member of staff may read the rules in force and their history: they say how long
the records of their accounts are kept. Everything else — changing rules, proposals, approval,
the culling log and legal holds — is the communicator's alone; others get 403, anonymous
visitors the login page.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.permissions import communicator_required, is_communicator

from . import kinds
from .models import CullingProposal, LegalHold

__all__ = [
    "communicator_required",
    "get_hold_for_user",
    "get_kind_for_user",
    "get_proposal_for_user",
    "is_communicator",
    "may_change_rules",
]


def may_change_rules(user) -> bool:
    return is_communicator(user)


def get_kind_for_user(user, code: str) -> str:
    """A known information type's code; any signed-in staff member may read its rule."""
    from django.http import Http404

    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied
    if code not in kinds.all_codes():
        raise Http404
    return code


def get_proposal_for_user(user, pk) -> CullingProposal:
    if not is_communicator(user):
        raise PermissionDenied
    return get_object_or_404(CullingProposal.objects.select_related("created_by"), pk=pk)


def get_hold_for_user(user, pk) -> LegalHold:
    if not is_communicator(user):
        raise PermissionDenied
    return get_object_or_404(
        LegalHold.objects.select_related("account", "placed_by", "release__released_by"), pk=pk
    )
