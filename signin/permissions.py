"""Whose sessions a person may see and end: only their own. Anyone else's is 404, so nothing
reveals that it exists."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import UserSession


def get_own_session(user, pk: int) -> UserSession:
    return get_object_or_404(UserSession, pk=pk, user=user)
