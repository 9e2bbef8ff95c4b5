"""Sign-in pages: local password, single sign-on, sign-out, and "Mina inloggningar"."""

from __future__ import annotations

import logging

import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from . import services
from .oidc import SignInRefused, oidc_setting
from .permissions import get_own_session
from .selectors import live_sessions_of

log = logging.getLogger(__name__)

SESSIONS_PER_PAGE = 25

REFUSALS = {
    "state": _(
        "The answer from the sign-in service did not belong to a sign-in started here: it may "
        "already have been used, or it took too long. Please sign in again."
    ),
    "nonce": _("The sign-in could not be verified (the one-time value did not match)."),
    "issuer": _("The sign-in came from an identity service this site does not trust."),
    "audience": _("The sign-in was issued for another application, not for this site."),
    "expired": _("The sign-in has expired. Please sign in again."),
    "signature": _("The sign-in's signature could not be verified."),
    "token": _("The sign-in service gave no valid answer."),
    "provider": _("The sign-in service could not be reached or refused the sign-in."),
    "denied": _("The sign-in was cancelled or refused at the sign-in service."),
    "claims": _("The sign-in service did not say who you are (no employee id or e-mail)."),
    "inactive": _("Your user is not active here. Contact the communicator."),
}


def _refused(request, reason: str):
    log.warning("Single sign-on refused: %s", reason)
    return render(
        request,
        "signin/refused.html",
        {"message": REFUSALS.get(reason, REFUSALS["token"])},
        status=403 if reason == "inactive" else 400,
    )


class LoginView(auth_views.LoginView):
    """Local password sign-in (when LOCAL_LOGIN_ENABLED) beside the single sign-on button."""

    def dispatch(self, request, *args, **kwargs):
        if request.method == "POST" and not settings.LOCAL_LOGIN_ENABLED:
            return HttpResponseNotAllowed(["GET"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.OIDC_ENABLED
        context["local_login_enabled"] = settings.LOCAL_LOGIN_ENABLED
        return context


def _require_oidc():
    if not settings.OIDC_ENABLED:
        raise Http404


class OIDCStartView(OIDCAuthenticationRequestView):
    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        _require_oidc()
        return super().dispatch(request, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        # The endpoints are read on each request (from discovery when not set), not at import.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ImproperlyConfigured, ValueError):
            return _refused(request, "provider")
        self.OIDC_RP_CLIENT_ID = self.get_settings("OIDC_RP_CLIENT_ID")
        return super().get(request)


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(oidc_setting)

    def dispatch(self, request, *args, **kwargs):
        _require_oidc()
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        if request.GET.get("error"):
            super().get(request)
            return _refused(request, "denied")
        state = request.GET.get("state")
        if not (state and request.GET.get("code")):
            return _refused(request, "token")
        if state not in request.session.get("oidc_states", {}):
            # Unknown or already used: a replayed or forged answer.
            return _refused(request, "state")
        try:
            return super().get(request)
        except SignInRefused as refusal:
            return _refused(request, refusal.reason)
        except (requests.RequestException, ImproperlyConfigured, ValueError):
            return _refused(request, "provider")
        except SuspiciousOperation:
            return _refused(request, "token")

    def login_failure(self):
        user = getattr(self, "user", None)
        if user is not None and not user.is_active:
            return _refused(self.request, "inactive")
        return _refused(self.request, "claims")


class LogoutView(OIDCLogoutView):
    """Sign out here, and at the provider when the session came from single sign-on."""

    get_settings = staticmethod(oidc_setting)


@login_required
def sessions(request):
    current = request.session.session_key
    page = Paginator(live_sessions_of(request.user), SESSIONS_PER_PAGE).get_page(
        request.GET.get("sida")
    )
    return render(
        request,
        "signin/sessions.html",
        {"page": page, "user_sessions": page.object_list, "current_key": current},
    )


@login_required
@require_POST
def session_end(request, pk):
    row = get_own_session(request.user, pk)
    if row.session_key == request.session.session_key:
        messages.error(request, _("This is the session you are using: sign out instead."))
    elif services.session_end(
        user_session=row,
        actor=request.user,
        current_key=request.session.session_key,
        reason="ended by the person from the list of sessions",
    ):
        messages.success(request, _("The session is ended."))
    return redirect("signin:sessions")


@login_required
@require_POST
def sessions_end_others(request):
    ended = services.sessions_end_others(
        actor=request.user,
        current_key=request.session.session_key,
        reason="ended by the person: all other sessions",
    )
    messages.success(request, _("Other sessions ended: %(count)d.") % {"count": ended})
    return redirect("signin:sessions")
