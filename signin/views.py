"""Sign-in pages: local password, single sign-on, sign-out, and "Mina inloggningar"."""

from __future__ import annotations

import logging
from base64 import b32encode

import qrcode
import qrcode.image.svg
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
    OIDCLogoutView,
)

from accounts.demo import DEMO_DEVICE_NAME
from haparanda_social.paging import paginate

from . import services, two_factor
from .forms import CodeForm, ConfirmAppForm, FindPersonForm, ResetForm
from .models import FactorReset
from .oidc import SignInRefused, oidc_setting
from .permissions import get_own_factor, get_own_new_app, get_own_session, get_person_for_reset
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

    def form_valid(self, form):
        # A password sign-in starts its own account of how the person proved who they are:
        # nothing a single sign-on or an earlier second factor left in this browser counts.
        for key in (
            services.SESSION_METHOD,
            services.SESSION_AMR,
            services.SESSION_ACR,
            services.SESSION_TWO_FACTORS,
            DEVICE_ID_SESSION_KEY,
        ):
            self.request.session.pop(key, None)
        return super().form_valid(form)

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


# --- Two factors ---------------------------------------------------------------------------------


def _qr_svg(text: str) -> str:
    """The enrolment QR code as inline SVG, drawn here: the secret never leaves the site."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def _demo_code(user) -> dict | None:
    """In demo mode only: the demo user's secret and current code, so anyone can try the demo."""
    if not settings.DEMO_MODE:
        return None
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME, confirmed=True).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return {"secret": b32encode(device.bin_key).decode(), "code": f"{totp.token():06d}"}


@login_required
def two_factor_verify(request):
    """After the password: a code from the app, a recovery code, or a passkey."""
    if two_factor.session_has_two_factors(request):
        return redirect(two_factor.safe_next(request))
    if not two_factor.has_factors(request.user):
        return redirect(f"{reverse('signin:two_factor_enrol')}?{request.GET.urlencode()}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.verify_code(request=request, code=form.cleaned_data["code"]):
            return redirect(two_factor.safe_next(request))
        form.add_error(
            "code",
            _(
                "The code is wrong, already used or too old. Wait a moment and try the code "
                "the app shows now."
            ),
        )
    factors = two_factor.factors_of(request.user)
    return render(
        request,
        "signin/two_factor_verify.html",
        {
            "form": form,
            "has_passkeys": bool(factors["passkeys"]),
            "next": two_factor.safe_next(request),
            "demo": _demo_code(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
def two_factor_enrol(request):
    """Add an authenticator app (QR code) or a passkey. A person who must have two factors and
    has none lands here after the password; one who has factors must give one first."""
    if two_factor.has_factors(request.user) and not two_factor.session_has_two_factors(request):
        return redirect(f"{reverse('signin:two_factor_verify')}?{request.GET.urlencode()}")
    device = get_own_new_app(request.user, request.POST.get("device"))
    form = ConfirmAppForm(request.POST or None)
    if request.method == "POST":
        if device is None:
            messages.error(request, _("The page was out of date. Scan the new QR code."))
            return redirect("signin:two_factor_enrol")
        if form.is_valid():
            if two_factor.totp_confirm(
                request=request, device=device, code=form.cleaned_data["code"]
            ):
                messages.success(request, _("The app is added. Keep recovery codes too."))
                return redirect("signin:factors")
            form.add_error("code", _("The code did not match. Try the code the app shows now."))
    else:
        device = two_factor.totp_start(user=request.user)
    return render(
        request,
        "signin/two_factor_enrol.html",
        {
            "form": form,
            "device": device,
            "qr_svg": _qr_svg(device.config_url),
            "secret": b32encode(device.bin_key).decode(),
            "required": two_factor.must_use_two_factors(request.user),
            "verified": two_factor.session_has_two_factors(request),
        },
        status=400 if form.errors else 200,
    )


@login_required
def factors(request):
    """My factors: apps, passkeys, recovery codes; add or remove."""
    return render(
        request,
        "signin/factors.html",
        {
            **two_factor.factors_of(request.user),
            "required": two_factor.must_use_two_factors(request.user),
        },
    )


@login_required
@require_POST
def factor_remove(request, kind, pk):
    device = get_own_factor(request.user, kind, pk)
    two_factor.factor_remove(request=request, device=device)
    messages.success(request, _("The factor is removed. Your other sessions have ended."))
    return redirect("signin:factors")


@login_required
@require_POST
def two_factor_recovery_codes(request):
    codes = two_factor.recovery_codes_new(request=request)
    return render(request, "signin/recovery_codes.html", {"codes": codes})


@login_required
def factors_reset_find(request):
    """The communicator finds the person whose factors to reset."""
    if not request.user.is_communicator:
        raise Http404
    form = FindPersonForm(request.GET or None)
    if form.is_valid():
        who = form.cleaned_data["who"].strip()
        person = (
            get_user_model()
            .objects.filter(Q(username__iexact=who) | Q(email__iexact=who))
            .exclude(pk=request.user.pk)
            .first()
        )
        if person is not None:
            return redirect("signin:factors_reset", pk=person.pk)
        form.add_error("who", _("Nobody here has that user name or e-mail address."))
    return render(request, "signin/factors_reset_find.html", {"form": form})


@login_required
def factors_reset(request, pk):
    """The communicator's recorded decision to remove every factor a person has."""
    person = get_person_for_reset(request.user, pk)
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.factors_reset(
                actor=request.user, person=person, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error)
        else:
            messages.success(
                request,
                _("The factors of %(name)s are reset; they enrol again at their next sign-in.")
                % {"name": person.get_full_name() or person.username},
            )
            return redirect("signin:factors_reset_find")
    page, page_query = paginate(
        request, FactorReset.objects.filter(person=person).select_related("actor")
    )
    return render(
        request,
        "signin/factors_reset.html",
        {
            "form": form,
            "person": person,
            "factors": two_factor.factors_of(person),
            "page_obj": page,
            "page_query": page_query,
        },
        status=400 if form.errors else 200,
    )
