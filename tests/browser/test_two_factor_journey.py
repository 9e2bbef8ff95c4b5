"""Two factors in a real browser: the communicator signs in with password and a code from her
authenticator app, adds a passkey held by Chromium's virtual authenticator (DevTools protocol,
WebAuthn domain), signs out, and signs in again with password and the passkey.

Always against the in-process live server on http://localhost: browsers offer passkeys only on
https:// origins and localhost."""

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from accounts.models import User
from signin.models import SignInEvent

from .conftest import DEMO_PASSWORD, axe_violations, describe, login, logout, screenshot

pytestmark = pytest.mark.browser


def _virtual_authenticator(page) -> str:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    result = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return result["authenticatorId"]


def test_the_communicator_adds_a_passkey_and_signs_in_with_it(page, browser, fresh_demo_url):
    site = fresh_demo_url
    assert site.startswith("http://localhost:")
    _virtual_authenticator(page)

    # Password, then the code from the demo's authenticator app.
    login(page, site, "karin.kommunikator")
    assert "/konton/" in page.url, page.url

    page.goto(f"{site}/mina-inloggningar/tva-steg/lagg-till/")
    assert axe_violations(browser, page.url, cookies=page.context.cookies()) == []
    page.get_by_role("button", name="Lägg till en passkey").click()
    # Added: the page goes on to Mina faktorer.
    page.wait_for_url("**/mina-inloggningar/faktorer/")
    karin = User.objects.get(username="karin.kommunikator")
    assert WebAuthnCredential.objects.filter(user=karin, confirmed=True).count() == 1
    assert "Passkey" in page.content()
    screenshot(page, "two-factor-factors")
    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)
    logout(page)

    # Password again; this time the passkey is the second factor.
    page.goto(f"{site}/logga-in/")
    page.get_by_label("Användarnamn").fill("karin.kommunikator")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/mina-inloggningar/tva-steg/**")
    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)
    page.get_by_role("button", name="Använd en passkey").click()
    page.wait_for_url("**/konton/")
    assert page.get_by_role("heading", level=1).count() >= 1
    assert SignInEvent.objects.filter(
        user=karin, kind=SignInEvent.Kind.SECOND_FACTOR, reason="WebAuthnCredential"
    ).exists()
