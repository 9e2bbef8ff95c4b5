"""Whose sessions a person may see and end: only their own. Anyone else's is 404, so nothing
reveals that it exists."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from .models import UserSession


def get_own_session(user, pk: int) -> UserSession:
    return get_object_or_404(UserSession, pk=pk, user=user)


def get_own_factor(user, kind: str, pk: int):
    """One of the person's own factors: an app ("app") or a passkey ("passkey")."""
    from django.http import Http404
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from django_otp_webauthn.models import WebAuthnCredential

    models = {"app": TOTPDevice, "passkey": WebAuthnCredential}
    if kind not in models:
        raise Http404
    return get_object_or_404(models[kind], pk=pk, user=user)


def get_own_new_app(user, raw_pk):
    """The person's own app still waiting for its first code, or None (a stale or forged form)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not str(raw_pk or "").isdigit():
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=False, pk=int(raw_pk)).first()


def get_person_for_reset(actor, pk: int):
    """Only the communicator resets factors, and never their own; anyone else gets 404."""
    from django.contrib.auth import get_user_model
    from django.http import Http404

    if not actor.is_communicator or actor.pk == pk:
        raise Http404
    return get_object_or_404(get_user_model(), pk=pk)
