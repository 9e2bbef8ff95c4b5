"""Passkeys (WebAuthn) through django-otp-webauthn: which site the passkeys belong to, and the
ceremonies' views with this site's rules added (a new passkey is a change of factors)."""

from __future__ import annotations

from django.conf import settings
from django_otp_webauthn import views as webauthn_views
from django_otp_webauthn.helpers import WebAuthnHelper


def relying_party_id(request) -> str:
    """WEBAUTHN_RP_ID when set; otherwise the host name this request came to, which Django has
    already checked against ALLOWED_HOSTS."""
    return settings.WEBAUTHN_RP_ID or request.get_host().rsplit(":", 1)[0].strip("[]")


class PasskeyHelper(WebAuthnHelper):
    def get_allowed_origins(self) -> list[str]:
        origins = list(settings.OTP_WEBAUTHN_ALLOWED_ORIGINS)
        if not settings.WEBAUTHN_RP_ID:
            origins.append(f"{self.request.scheme}://{self.request.get_host()}")
        return origins


class RegistrationComplete(webauthn_views.CompleteCredentialRegistrationView):
    """A new passkey is kept, the session counts as verified, and the person's other sessions
    end (a change of factors)."""

    def post(self, *args, **kwargs):
        response = super().post(*args, **kwargs)
        if response.status_code == 200:
            from .two_factor import factors_changed

            factors_changed(request=self.request, kind="factor_added", reason="passkey registered")
        return response


class AuthenticationComplete(webauthn_views.CompleteCredentialAuthenticationView):
    """A passkey as the second factor: the person has already given their password."""

    def get_success_url(self):
        from .two_factor import safe_next

        return safe_next(self.request)

    def complete_auth(self, device):
        super().complete_auth(device)
        from .two_factor import second_factor_given

        second_factor_given(request=self.request, device=device)
