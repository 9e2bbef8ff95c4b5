"""Single sign-on with the municipality's identity provider (OpenID Connect, e.g. Entra ID).

mozilla-django-oidc runs the authorization code flow with PKCE, state and nonce. This module adds
what it leaves out or to us: endpoints from the issuer's discovery document, a strict check of the
ID token (signature, issuer, audience, expiry, nonce), users found by employee id and kept up to
date from the claims, and a refusal reason the callback can explain in Swedish.
"""

from __future__ import annotations

import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.db import transaction
from django.utils.http import urlencode
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import absolutify, import_from_settings

from accounts.directory import directory_update_from_claims
from accounts.models import Department

from .models import Method
from .services import SESSION_ACR, SESSION_AMR, SESSION_METHOD

log = logging.getLogger(__name__)

_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_END_SESSION_ENDPOINT": "end_session_endpoint",
}


class SignInRefused(SuspiciousOperation):
    """A sign-in the provider's answer does not support; ``reason`` names why for the person."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


def discovery() -> dict:
    """The issuer's discovery document, cached for an hour (endpoints rarely move)."""
    issuer = settings.OIDC_OP_ISSUER
    if not issuer:
        return {}
    key = f"oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        response = requests.get(
            f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
        )
        response.raise_for_status()
        document = response.json()
        if document.get("issuer", "").rstrip("/") != issuer:
            raise ImproperlyConfigured("OIDC_ISSUER does not match the discovery document.")
        cache.set(key, document, 3600)
    return document


def oidc_setting(attr, *args):
    """A setting, with the provider's endpoints read from discovery when not set explicitly."""
    value = import_from_settings(attr, *args)
    if not value and attr in _DISCOVERED:
        return discovery().get(_DISCOVERED[attr], "")
    return value


class MunicipalityOIDCBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args, **kwargs):
        # Constructed for every authenticate() call, local sign-in too: resolve nothing then.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if not settings.OIDC_ENABLED or request is None or "code_verifier" not in kwargs:
            return None
        super().__init__()
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        """Signature by the provider's key, our issuer and audience, not expired, our nonce."""
        if not token:
            raise SignInRefused("token")
        try:
            key = self.retrieve_matching_jwk(token)
        except (jwt.PyJWTError, KeyError, SuspiciousOperation) as error:
            raise SignInRefused("signature", str(error)) from error
        issuer = settings.OIDC_OP_ISSUER or discovery().get("issuer") or None
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
                leeway=30,
            )
        except jwt.ExpiredSignatureError as error:
            raise SignInRefused("expired", str(error)) from error
        except jwt.InvalidAudienceError as error:
            raise SignInRefused("audience", str(error)) from error
        except jwt.InvalidIssuerError as error:
            raise SignInRefused("issuer", str(error)) from error
        except jwt.MissingRequiredClaimError as error:
            raise SignInRefused("token", str(error)) from error
        except jwt.PyJWTError as error:
            raise SignInRefused("signature", str(error)) from error
        if kwargs.get("nonce") is None or payload.get("nonce") != kwargs["nonce"]:
            raise SignInRefused("nonce")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        claims = dict(payload)
        if settings.OIDC_USE_USERINFO and self.OIDC_OP_USER_ENDPOINT and access_token:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SignInRefused("claims", "userinfo is about someone else")
            claims.update(userinfo)
        # How the person proved who they are: the ID token's word, else the userinfo's.
        session = self.request.session
        session[SESSION_AMR] = payload.get("amr") or claims.get("amr") or []
        session[SESSION_ACR] = str(payload.get("acr") or claims.get("acr") or "")
        return claims

    def store_tokens(self, access_token, id_token):
        super().store_tokens(access_token, id_token)
        self.request.session[SESSION_METHOD] = Method.OIDC.value

    # --- Users from claims ---------------------------------------------------------------------

    def verify_claims(self, claims) -> bool:
        return bool(self._employee_id(claims) or claims.get("email"))

    @staticmethod
    def _employee_id(claims) -> str:
        return str(claims.get(settings.OIDC_EMPLOYEE_ID_CLAIM) or "").strip()[:64]

    def filter_users_by_claims(self, claims):
        employee_id = self._employee_id(claims)
        if employee_id:
            users = self.UserModel.objects.filter(employee_id=employee_id)
            if users.exists():
                return users
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        # Someone known here by e-mail before single sign-on: linked on the first sign-in, unless
        # they already carry another employee id.
        users = self.UserModel.objects.filter(email__iexact=email)
        if employee_id:
            users = users.filter(employee_id__isnull=True) | users.filter(employee_id="")
        return users

    def create_user(self, claims):
        base = ((claims.get("email") or "").strip() or self._employee_id(claims)).lower()[:140]
        username, n = base, 1
        while self.UserModel.objects.filter(username=username).exists():
            n += 1
            username = f"{base}-{n}"
        with transaction.atomic():
            user = self.UserModel(username=username)
            user.set_unusable_password()
            return self.update_user(user, claims)

    def update_user(self, user, claims):
        user.first_name = str(claims.get("given_name") or user.first_name)[:150]
        user.last_name = str(claims.get("family_name") or user.last_name)[:150]
        if not (claims.get("given_name") or claims.get("family_name")) and claims.get("name"):
            first, _space, last = str(claims["name"]).partition(" ")
            user.first_name, user.last_name = first[:150], last[:150]
        user.email = str(claims.get("email") or user.email)[:254]
        user.employee_id = self._employee_id(claims) or user.employee_id
        department = str(claims.get(settings.OIDC_DEPARTMENT_CLAIM) or "").strip()
        if department:
            # Only a department the registry knows; an unknown name leaves it as it was.
            known = Department.objects.filter(name__iexact=department).first()
            if known is not None:
                user.department = known
        user.save()
        # The staff directory follows what the provider says (name, e-mail, department); an
        # inconsistency there is the HR file's to settle and does not stop the sign-in.
        try:
            directory_update_from_claims(user=user, claims=claims)
        except ValidationError as exc:
            log.warning("Staff directory not updated at sign-in for %s: %s", user.pk, exc)
        user.refresh_from_db()
        return user


def provider_logout_url(request) -> str:
    """Where sign-out continues: the provider's end_session_endpoint for a single sign-on
    session (so the person is signed out there too), else our own page."""
    from django.shortcuts import resolve_url

    here = absolutify(request, resolve_url(settings.LOGOUT_REDIRECT_URL))
    id_token = request.session.get("oidc_id_token")
    if not (settings.OIDC_ENABLED and id_token):
        return here
    try:
        endpoint = oidc_setting("OIDC_OP_END_SESSION_ENDPOINT", "")
    except (requests.RequestException, ImproperlyConfigured):
        log.warning("The provider's end_session_endpoint could not be read.")
        endpoint = ""
    if not endpoint:
        return here
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": here,
            "client_id": settings.OIDC_RP_CLIENT_ID,
        }
    )
    return f"{endpoint}?{query}"
