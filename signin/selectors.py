from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import UserSession


def live_sessions_of(user) -> QuerySet[UserSession]:
    """The person's sessions that have not expired, newest first."""
    return UserSession.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        "-started_at", "-pk"
    )
