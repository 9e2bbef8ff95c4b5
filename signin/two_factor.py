"""Two factors for local sign-in (issue 12): who must give one, and every write that adds, uses,
removes or resets a factor.

The factors are django-otp devices: one-time codes from an authenticator app (TOTPDevice),
recovery codes that work once each (StaticDevice) and passkeys (django-otp-webauthn's
WebAuthnCredential). A session has given its second factor when django-otp's own login helper
has marked it (``request.user.is_verified()``), or when the identity provider said two factors
were used (``SESSION_TWO_FACTORS``, set at sign-in from its amr/acr claims).

Every change of factors ends the person's other sessions: whoever held one of them with a stolen
password or a removed device is out.
"""

from __future__ import annotations

import re

import django_otp
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import AccountRole, Role

from . import services
from .client_address import client_address
from .models import FactorReset, SignInEvent, UserSession
from .services import SESSION_TWO_FACTORS

RECOVERY_DEVICE_NAME = "recovery"
TOTP_PATTERN = re.compile(r"^\d{6}$")
ROLES_NEEDING_TWO_FACTORS = (Role.OWNER, Role.DEPUTY, Role.ADMINISTRATOR)


# --- Reads ------------------------------------------------------------------------------------


def must_use_two_factors(user) -> bool:
    """The communicator, an administrator of this site, and anyone holding an owner, deputy or
    administrator role on an account (pending or confirmed) must give two factors."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    if user.is_communicator or user.is_superuser:
        return True
    return (
        AccountRole.objects.current().filter(user=user, role__in=ROLES_NEEDING_TWO_FACTORS).exists()
    )


def has_factors(user) -> bool:
    return user_has_device(user, confirmed=True)


def session_has_two_factors(request) -> bool:
    """The provider's word at sign-in, or django-otp's mark from ``django_otp.login``."""
    return session_has_two_factors_in(request.session)


def session_has_two_factors_in(session) -> bool:
    """``session_has_two_factors`` for a session's data (a mapping) read without a request."""
    return bool(session.get(SESSION_TWO_FACTORS) or session.get(DEVICE_ID_SESSION_KEY))


def factors_of(user) -> dict:
    """The person's factors for their own page: apps, passkeys and how many recovery codes are
    left."""
    recovery = StaticDevice.objects.filter(
        user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
    ).first()
    return {
        "apps": list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")),
        "passkeys": list(WebAuthnCredential.objects.filter(user=user).order_by("pk")),
        "recovery_left": recovery.token_set.count() if recovery else 0,
    }


def safe_next(request) -> str:
    """Where to go after the second factor: the page asked for, if it is on this site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


# --- Writes -----------------------------------------------------------------------------------


def _record(*, user, actor, kind: str, reason: str = "", request=None) -> None:
    SignInEvent.objects.create(
        user=user,
        actor=actor,
        kind=kind,
        reason=reason[:300],
        address=client_address(request) if request is not None else None,
    )


def factors_changed(*, request, kind: str, reason: str) -> int:
    """Record a change of the signed-in person's own factors and end their other sessions."""
    user = request.user
    with transaction.atomic():
        _record(user=user, actor=user, kind=kind, reason=reason, request=request)
        return services.sessions_end_others(
            actor=user,
            current_key=request.session.session_key,
            reason=f"factors changed: {reason}",
        )


def second_factor_given(*, request, device) -> None:
    """Mark the session verified with django-otp's own helper and record it."""
    django_otp.login(request, device)
    _record(
        user=request.user,
        actor=request.user,
        kind=SignInEvent.Kind.SECOND_FACTOR,
        reason=type(device).__name__,
        request=request,
    )


def verify_code(*, request, code: str) -> bool:
    """A code from the app (six digits) or a recovery code. Wrong, replayed or throttled codes
    answer False; the device counts the failure and makes the next try wait."""
    code = (code or "").replace(" ", "").strip()
    user = request.user
    if TOTP_PATTERN.match(code):
        candidates = TOTPDevice.objects.filter(user=user, confirmed=True)
    elif 6 <= len(code) <= 16 and code.isalnum():
        candidates = StaticDevice.objects.filter(user=user, confirmed=True)
        code = code.lower()
    else:
        return False
    for device in candidates:
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            second_factor_given(request=request, device=verified)
            return True
    return False


def totp_start(*, user) -> TOTPDevice:
    """A new app, not yet confirmed: it counts only once the person has typed a code from it.
    An earlier unconfirmed one (a page left half-way) is replaced."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def totp_confirm(*, request, device: TOTPDevice, code: str) -> bool:
    """Confirm the new app with a code from it; the session counts as verified by it."""
    code = (code or "").replace(" ", "").strip()
    if not TOTP_PATTERN.match(code):
        return False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or device.user_id != request.user.pk or not device.verify_token(code):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        if not session_has_two_factors(request):
            second_factor_given(request=request, device=device)
        factors_changed(request=request, kind=SignInEvent.Kind.FACTOR_ADDED, reason="app added")
    return True


def recovery_codes_new(*, request) -> list[str]:
    """New recovery codes; the old ones stop working. Shown once, to be printed or stored."""
    user = request.user
    with transaction.atomic():
        device, _created = StaticDevice.objects.select_for_update().get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _i in range(settings.TWO_FACTOR_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        factors_changed(
            request=request, kind=SignInEvent.Kind.RECOVERY_CODES, reason="new recovery codes"
        )
    return codes


def factor_remove(*, request, device) -> None:
    """Remove one of the person's own factors (the caller got it through get_own_factor)."""
    with transaction.atomic():
        reason = f"{type(device).__name__} removed"
        if request.session.get(DEVICE_ID_SESSION_KEY) == device.persistent_id:
            # This session was verified by the factor going away: it must give another.
            del request.session[DEVICE_ID_SESSION_KEY]
        device.delete()
        factors_changed(request=request, kind=SignInEvent.Kind.FACTOR_REMOVED, reason=reason)


def factors_reset(*, actor, person, reason: str) -> FactorReset:
    """The communicator removes every factor a person has (a lost phone, a broken key).

    A recorded decision (who, when, whom, why); every session of the person ends, and at the
    next sign-in they are sent to enrol again.
    """
    if not actor.is_communicator:
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the factors are reset."), code="reason")
    if person.pk == actor.pk:
        raise ValidationError(
            _("Nobody resets their own factors: another communicator does it."), code="self"
        )
    with transaction.atomic():
        removed = {}
        for device in devices_for_user(person, confirmed=None):
            key = type(device).__name__
            removed[key] = removed.get(key, 0) + 1
            device.delete()
        decision = FactorReset.objects.create(
            person=person, actor=actor, reason=reason[:2000], removed=removed
        )
        _record(user=person, actor=actor, kind=SignInEvent.Kind.FACTORS_RESET, reason=reason)
        for row in UserSession.objects.filter(user=person):
            services.session_end(
                user_session=row, actor=person, current_key=None, reason="factors reset"
            )
    return decision
