from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from .models import UserSession

_DATABASE_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def live_sessions_of(user) -> QuerySet[UserSession]:
    """The person's sessions that have not expired, newest first.

    With sessions in the database, a row whose session is gone (a key cycled by a new sign-in in
    the same browser, a session cleared by ``clearsessions``) is left out in the same query.
    """
    now = timezone.now()
    rows = UserSession.objects.filter(user=user, expires_at__gt=now)
    if settings.SESSION_ENGINE in _DATABASE_ENGINES:
        rows = rows.filter(
            session_key__in=Session.objects.filter(expire_date__gt=now).values("session_key")
        )
    return rows.order_by("-started_at", "-pk")
