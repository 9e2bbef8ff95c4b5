"""Writes for sign-in: noting each signed-in session, and ending sessions (R24)."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .client_address import client_address
from .models import Method, SignInEvent, UserSession

# Set in the session by the single sign-on backend before Django's login() runs.
SESSION_METHOD = "signin_method"
SESSION_AMR = "signin_amr"
SESSION_ACR = "signin_acr"
# True when the identity provider said two factors were used (signin.two_factor reads it).
SESSION_TWO_FACTORS = "signin_two_factors"


def counts_as_two_factors(*, amr, acr: str) -> bool:
    amr_values = set(amr if isinstance(amr, list) else [amr] if amr else [])
    return bool(
        amr_values & set(settings.OIDC_TWO_FACTOR_AMR)
        or (acr and acr in settings.OIDC_TWO_FACTOR_ACR)
    )


def session_started(*, request, user) -> UserSession:
    """Note the new session and record the sign-in (with the provider's amr/acr, if any)."""
    session = request.session
    if session.session_key is None:
        session.save()
    method = session.get(SESSION_METHOD, Method.PASSWORD)
    amr = session.get(SESSION_AMR) or []
    acr = session.get(SESSION_ACR) or ""
    address = client_address(request)
    two_factors = method == Method.OIDC and counts_as_two_factors(amr=amr, acr=acr)
    session[SESSION_TWO_FACTORS] = two_factors
    with transaction.atomic():
        # Expired rows are of no use to anyone; each sign-in tidies its own person's.
        UserSession.objects.filter(user=user, expires_at__lte=timezone.now()).delete()
        row, _created = UserSession.objects.update_or_create(
            session_key=session.session_key,
            defaults={
                "user": user,
                "method": method,
                "expires_at": timezone.now() + timedelta(seconds=session.get_expiry_age()),
                "address": address,
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            },
        )
        SignInEvent.objects.create(
            user=user,
            actor=user,
            kind=SignInEvent.Kind.SIGNED_IN,
            method=method,
            address=address,
            amr=amr if isinstance(amr, list) else [amr],
            acr=acr,
            two_factors=two_factors,
        )
    return row


def session_signed_out(*, request, user) -> None:
    key = request.session.session_key
    with transaction.atomic():
        UserSession.objects.filter(user=user, session_key=key).delete()
        SignInEvent.objects.create(
            user=user,
            actor=user,
            kind=SignInEvent.Kind.SIGNED_OUT,
            address=client_address(request),
        )


def _delete_from_store(session_key: str) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store(session_key=session_key).delete()


def session_end(*, user_session: UserSession, actor, current_key: str | None, reason: str) -> bool:
    """End one of the actor's own sessions (not the one in use: that is signing out).

    Returns False when it had already ended (another tab, an expiry) or is the current one.
    """
    with transaction.atomic():
        row = (
            UserSession.objects.select_for_update()
            .filter(pk=user_session.pk, user=actor)
            .exclude(session_key=current_key or "")
            .first()
        )
        if row is None:
            return False
        _delete_from_store(row.session_key)
        row.delete()
        SignInEvent.objects.create(
            user=actor, actor=actor, kind=SignInEvent.Kind.ENDED, reason=reason, method=row.method
        )
    return True


def sessions_end_others(*, actor, current_key: str | None, reason: str) -> int:
    """End every session of the actor's but the current one; returns how many ended."""
    ended = 0
    for row in UserSession.objects.filter(user=actor).exclude(session_key=current_key or ""):
        ended += session_end(user_session=row, actor=actor, current_key=current_key, reason=reason)
    return ended


def on_user_logged_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_started(request=request, user=user)


def on_user_logged_out(sender, request, user, **kwargs):
    if user is not None and request is not None and hasattr(request, "session"):
        session_signed_out(request=request, user=user)
