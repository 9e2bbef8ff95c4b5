"""The passkey ceremonies' endpoints (django-otp-webauthn's, under its own namespace so that its
template tags find them), with this site's registration and second-factor rules."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import views as webauthn_views

from .passkeys import AuthenticationComplete, RegistrationComplete

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registrering/borja/",
        webauthn_views.BeginCredentialRegistrationView.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registrering/slutfor/",
        RegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "inloggning/borja/",
        webauthn_views.BeginCredentialAuthenticationView.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "inloggning/slutfor/",
        AuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn", "signin"]),
        name="js-i18n-catalog",
    ),
]
