"""The ID token is checked strictly: signature, issuer, audience, expiry and nonce. The provider
is played with keys these tests control (`responses` answers its token, keys and userinfo
endpoints); everything on our side runs for real."""

import json
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User

ISSUER = "https://login.example.se/haparanda"
CLIENT_ID = "haparanda-social"
KID = "key-1"


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


PROVIDER_KEY = _key()
FORGER_KEY = _key()


@pytest.fixture
def provider(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_OP_ISSUER = ISSUER
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/keys"
    cache.clear()
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PROVIDER_KEY.public_key()))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(f"{ISSUER}/keys", json={"keys": [{**jwk, "kid": KID, "alg": "RS256"}]})
        mock.get(
            f"{ISSUER}/userinfo",
            json={"sub": "u-1", "email": "anna.andersson@haparanda.se", "employee_id": "E1001"},
        )
        yield mock


def _sign_in_with(mock, client: Client, **overrides):
    """Start a sign-in here, then come back with an ID token made from ``overrides``."""
    authorize = client.get(reverse("oidc_login"))["Location"]
    query = parse_qs(urlsplit(authorize).query)
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "sub": "u-1",
        "iat": now,
        "exp": now + 300,
        "nonce": query["nonce"][0],
        "email": "anna.andersson@haparanda.se",
        "employee_id": "E1001",
    }
    key = overrides.pop("key", PROVIDER_KEY)
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})
    mock.post(
        f"{ISSUER}/token", json={"id_token": token, "access_token": "at", "token_type": "Bearer"}
    )
    return client.get(reverse("oidc_callback"), {"code": "c", "state": query["state"][0]})


@pytest.mark.django_db
def test_a_well_formed_token_signs_in(provider):
    client = Client()
    response = _sign_in_with(provider, client)
    assert response.status_code == 302
    assert client.get(reverse("accounts:dashboard")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"aud": "another-app"}, "utfärdad för en annan tjänst"),
        ({"iss": "https://login.example.se/elsewhere"}, "inte litar på"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "har gått ut"),
        ({"key": FORGER_KEY}, "signatur kunde inte bekräftas"),
        ({"nonce": "not-the-one-we-sent"}, "engångsvärdet stämde inte"),
        ({"nonce": None}, "engångsvärdet stämde inte"),
        ({"exp": None}, "gav inget giltigt svar"),
    ],
    ids=["audience", "issuer", "expired", "signature", "nonce", "no-nonce", "no-expiry"],
)
def test_a_bad_token_is_refused_with_a_clear_message(provider, overrides, message):
    client = Client()

    response = _sign_in_with(provider, client, **overrides)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302
    assert not User.objects.filter(employee_id="E1001").exists()


@pytest.mark.django_db
def test_an_unreachable_provider_is_explained(provider):
    provider.post(f"{ISSUER}/token", status=503)
    client = Client()
    authorize = client.get(reverse("oidc_login"))["Location"]
    state = parse_qs(urlsplit(authorize).query)["state"][0]

    response = client.get(reverse("oidc_callback"), {"code": "c", "state": state})

    assert response.status_code == 400
    assert "gick inte att nå eller avvisade" in response.content.decode()


@pytest.mark.django_db
def test_without_single_sign_on_its_addresses_do_not_exist(anonymous_client, settings):
    settings.OIDC_ENABLED = False
    assert anonymous_client.get(reverse("oidc_login")).status_code == 404
    assert anonymous_client.get(reverse("oidc_callback")).status_code == 404
    assert "stads konto" not in anonymous_client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_a_deactivated_employee_is_refused(provider):
    User.objects.create(username="anna", employee_id="E1001", is_active=False)
    client = Client()

    response = _sign_in_with(provider, client)

    assert response.status_code == 403
    assert "inte aktiv här" in response.content.decode()
    assert client.get(reverse("accounts:dashboard")).status_code == 302


@pytest.mark.django_db
def test_a_taken_user_name_does_not_stop_a_new_employee(provider):
    User.objects.create(username="anna.andersson@haparanda.se", employee_id="E9999")
    client = Client()

    assert _sign_in_with(provider, client).status_code == 302
    assert User.objects.get(employee_id="E1001").username == "anna.andersson@haparanda.se-2"


@pytest.mark.django_db
def test_the_id_token_alone_is_enough_without_userinfo(provider, settings):
    settings.OIDC_USE_USERINFO = False
    client = Client()

    response = _sign_in_with(provider, client, given_name="Anna", family_name="Andersson")

    assert response.status_code == 302
    assert not [call for call in provider.calls if call.request.url.endswith("/userinfo")]
    assert User.objects.get(employee_id="E1001").get_full_name() == "Anna Andersson"


@pytest.mark.django_db
def test_a_refusal_at_the_provider_is_explained(provider):
    client = Client()
    authorize = client.get(reverse("oidc_login"))["Location"]
    state = parse_qs(urlsplit(authorize).query)["state"][0]

    response = client.get(reverse("oidc_callback"), {"error": "access_denied", "state": state})

    assert response.status_code == 400
    assert "avbröts eller nekades hos inloggningstjänsten" in response.content.decode()
    # The answer cannot be used afterwards either.
    assert state not in client.session.get("oidc_states", {})


@pytest.mark.django_db
def test_an_unreadable_discovery_document_is_explained(provider, settings):
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = ""
    provider.get(f"{ISSUER}/.well-known/openid-configuration", status=500)

    response = Client().get(reverse("oidc_login"))

    assert response.status_code == 400
    assert "gick inte att nå" in response.content.decode()


@pytest.mark.django_db
def test_a_sign_in_brings_the_staff_directory_in_step(provider):
    from accounts.models import DirectoryEntry
    from tests.factories import make_department

    user = User.objects.create(username="anna", employee_id="E1001", email="gammal@haparanda.se")
    entry = DirectoryEntry.objects.create(
        employee_id="E1001",
        name="Anna Andersson",
        email="gammal@haparanda.se",
        department=make_department(),
        user=user,
    )

    assert _sign_in_with(provider, Client()).status_code == 302

    entry.refresh_from_db()
    assert entry.email == "anna.andersson@haparanda.se"
    assert User.objects.get(pk=user.pk).email == "anna.andersson@haparanda.se"


@pytest.mark.django_db
def test_the_directory_import_finds_the_person_who_signed_in_first(provider):
    from accounts.directory import directory_import
    from accounts.models import DirectoryEntry
    from tests.factories import make_department

    assert _sign_in_with(provider, Client()).status_code == 302
    signed_in = User.objects.get(employee_id="E1001")
    department = make_department()

    directory_import(
        raw=(
            "anställningsnummer;namn;e-post;avdelning;chef\n"
            # A new address in HR's file: only the employee id ties her to her sign-in.
            f"E1001;Anna Andersson;a.andersson@haparanda.se;{department.name};\n"
        ).encode(),
        source="command",
    )

    assert DirectoryEntry.objects.get(employee_id="E1001").user == signed_in
    assert User.objects.filter(employee_id="E1001").count() == 1
