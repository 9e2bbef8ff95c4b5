"""The one place that holds a half-signed-in person back (issue 12).

After the password, a person who has a factor is asked for it, and a person who must have two
factors but has none is sent to add one; until then every page but the sign-in steps themselves
and the public pages answers with a redirect (or 403 to a form post or htmx). A session whose
second factor is given costs no query here: the gate reads the mark django-otp's login helper
left in the session.
"""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

from .two_factor import has_factors, must_use_two_factors, session_has_two_factors

# What a half-signed-in person may still reach: the steps of the second factor, signing out,
# the passkey ceremonies' endpoints, and what the public sees anyway.
OPEN_URL_NAMES = {
    "login",
    "logout",
    "signin:two_factor_verify",
    "signin:two_factor_enrol",
    "otp_webauthn:credential-registration-begin",
    "otp_webauthn:credential-registration-complete",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
    "otp_webauthn:js-i18n-catalog",
    "oidc_login",
    "oidc_callback",
    "healthz",
    "set_language",
}
OPEN_NAMESPACES = {"public"}
SESSION_FREE_UNTIL = "signin_second_step_free_until"
RECHECK_SECONDS = 300


def _is_open(path: str) -> bool:
    if path.startswith((f"/{settings.STATIC_URL.lstrip('/')}", f"/{settings.MEDIA_URL}")):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return True  # the 404 page reveals nothing
    return match.view_name in OPEN_URL_NAMES or bool(set(match.namespaces) & OPEN_NAMESPACES)


def second_step_needed(request) -> str | None:
    """What the session must still do: "verify" (give a factor), "enrol" (add one first), or
    None (go on)."""
    user = request.user
    if not user.is_authenticated or session_has_two_factors(request):
        return None
    if request.session.get(SESSION_FREE_UNTIL, 0) > time.time():
        return None
    if has_factors(user):
        return "verify"
    if must_use_two_factors(user):
        return "enrol"
    # Someone with no factor and no role that needs one: asked again in a few minutes, so that
    # a role given meanwhile is noticed without four queries on every page.
    request.session[SESSION_FREE_UNTIL] = time.time() + RECHECK_SECONDS
    return None


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's middleware, reading the verifying device only when asked.

    django-otp reads the device on every request of a verified session, to notice one removed
    meanwhile. Here a factor changes only through services that end every other session it
    verified and unmark the current one (signin.two_factor), so django-otp's mark in the
    session is enough for the gate below and the pages keep their query budgets;
    ``user.is_verified()`` and ``user.otp_device`` still read and check the device the first time
    they are used in a request.
    """

    def _verify_user_sync(self, request, user):
        self._init_user_fields(user)
        if user.is_authenticated and request.session.get(DEVICE_ID_SESSION_KEY):
            user.is_verified = functools.partial(self._read_device, request, user)
        return user

    def _read_device(self, request, user) -> bool:
        if not getattr(user, "_otp_device_read", False):
            user._otp_device_read = True
            persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
            device = self._device_from_persistent_id(persistent_id) if persistent_id else None
            user.otp_device = self._finalize_device(request, user, device)
        return user.otp_device is not None


def on_user_logged_in(sender, request, user, **kwargs):
    """Decide at the password whether this session will be asked for a second factor, so that
    the first page after it costs no more than any other."""
    if request is not None and hasattr(request, "session"):
        request.user = user
        second_step_needed(request)


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = None
        if getattr(request, "user", None) is not None and not _is_open(request.path_info):
            step = second_step_needed(request)
        if step is None:
            return self.get_response(request)
        if request.method != "GET" or request.headers.get("HX-Request"):
            return HttpResponseForbidden()
        target = "signin:two_factor_verify" if step == "verify" else "signin:two_factor_enrol"
        return redirect(f"{_url(target)}?{urlencode({'next': request.get_full_path()})}")


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
