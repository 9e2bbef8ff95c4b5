"""Single sign-on against a real OpenID Provider (oidc-provider from npm) on 127.0.0.1."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.models import User
from signin.models import Method, SignInEvent, UserSession

from .provider import sign_in_at_provider


def _start(client: Client, next_url: str = "") -> str:
    response = client.get(reverse("oidc_login") + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    return response["Location"]


def _callback_path(url: str) -> str:
    parts = urlsplit(url)
    assert parts.netloc == "testserver", url
    return f"{parts.path}?{parts.query}"


@pytest.mark.django_db
def test_the_login_page_offers_the_municipalitys_account(oidc_provider, anonymous_client):
    page = anonymous_client.get(reverse("login")).content.decode()
    assert "Logga in med Haparanda stads konto" in page
    assert reverse("oidc_login") in page


@pytest.mark.django_db
def test_signing_in_creates_the_employee_from_the_claims(oidc_provider, department):
    client = Client()
    authorize = _start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"]

    back = sign_in_at_provider(authorize, oidc_provider)
    response = client.get(_callback_path(back))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    user = User.objects.get(employee_id="E1001")
    assert (user.first_name, user.last_name, user.email) == (
        "Anna",
        "Andersson",
        "anna.andersson@haparanda.se",
    )
    assert user.department == department
    assert not user.has_usable_password()
    event = SignInEvent.objects.get(user=user, kind=SignInEvent.Kind.SIGNED_IN)
    assert event.method == Method.OIDC
    assert "mfa" in event.amr and event.two_factors
    assert UserSession.objects.get(user=user).method == Method.OIDC


@pytest.mark.django_db
def test_a_known_employee_is_updated_not_duplicated(oidc_provider, department):
    existing = User.objects.create(
        username="anna.a", email="Anna.Andersson@haparanda.se", first_name="Ann"
    )
    client = Client()
    back = sign_in_at_provider(_start(client), oidc_provider)
    client.get(_callback_path(back))

    existing.refresh_from_db()
    assert existing.employee_id == "E1001"
    assert existing.first_name == "Anna"
    assert User.objects.filter(email__iexact="anna.andersson@haparanda.se").count() == 1


@pytest.mark.django_db
def test_a_replayed_answer_is_refused(oidc_provider):
    client = Client()
    back = _callback_path(sign_in_at_provider(_start(client), oidc_provider))
    assert client.get(back).status_code == 302
    client.post(reverse("logout"))

    for replayer in (client, Client()):
        response = replayer.get(back)
        assert response.status_code == 400
        assert "det kan redan ha använts" in response.content.decode()
        assert replayer.get(reverse("accounts:dashboard")).status_code == 302


@pytest.mark.django_db
def test_a_forged_state_is_refused(oidc_provider):
    client = Client()
    back = sign_in_at_provider(_start(client), oidc_provider)
    forged = back.replace("state=", "state=x")

    response = client.get(_callback_path(forged))

    assert response.status_code == 400
    assert "hörde inte till någon inloggning" in response.content.decode()
    assert not User.objects.filter(employee_id="E1001").exists()


@pytest.mark.django_db
def test_a_token_from_an_unexpected_issuer_is_refused(oidc_provider, settings):
    # Endpoints set explicitly (no discovery), and an issuer the provider is not.
    document = requests.get(f"{oidc_provider}/.well-known/openid-configuration", timeout=5).json()
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = document["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = document["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
    settings.OIDC_OP_ISSUER = "https://login.example.org/other-tenant"
    client = Client()

    response = client.get(_callback_path(sign_in_at_provider(_start(client), oidc_provider)))

    assert response.status_code == 400
    assert "inloggningstjänst som den här webbplatsen inte litar på" in response.content.decode()
    assert not User.objects.filter(employee_id="E1001").exists()


@pytest.mark.django_db
def test_signing_out_continues_at_the_provider(oidc_provider):
    client = Client()
    client.get(_callback_path(sign_in_at_provider(_start(client), oidc_provider)))

    response = client.post(reverse("logout"))

    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}" == oidc_provider
    query = parse_qs(location.query)
    assert query["id_token_hint"]
    assert query["post_logout_redirect_uri"] == ["http://testserver/offentlig/"]
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    # The provider accepts the request (it shows its sign-out confirmation).
    assert requests.get(response["Location"], timeout=5).status_code == 200


@pytest.mark.django_db
def test_local_sign_in_can_be_switched_off(oidc_provider, settings, owner):
    settings.LOCAL_LOGIN_ENABLED = False
    client = Client()

    page = client.get(reverse("login")).content.decode()
    response = client.post(
        reverse("login"), {"username": owner.username, "password": "correct-horse-battery"}
    )

    assert 'name="password"' not in page
    assert "Logga in med Haparanda stads konto" in page
    assert response.status_code == 405
    assert client.get(reverse("accounts:dashboard")).status_code == 302
