"""Single sign-on in a real browser: an employee signs in with the municipality's account at a
real OpenID Provider (oidc-provider from npm, on 127.0.0.1), lands on the registry, sees the
session in "Mina inloggningar" and signs out here and at the provider.

Always against the in-process live server: the test points the site at its own provider."""

import pytest
from django.urls import reverse

from accounts.models import User
from tests.signin.provider import configure, running_provider

from .conftest import axe_violations, describe, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def sso_site(live_server, settings, department):
    with running_provider(
        redirect_uris=[f"{live_server.url}/oidc/callback/"],
        post_logout_redirect_uris=[live_server.url + reverse("public:account_list")],
    ) as issuer:
        configure(settings, issuer)
        settings.SITE_URL = live_server.url
        yield live_server.url, issuer


def test_an_employee_signs_in_with_the_municipalitys_account(page, browser, sso_site):
    site, issuer = sso_site
    page.goto(f"{site}/logga-in/")
    assert axe_violations(browser, f"{site}/logga-in/") == []
    page.get_by_role("link", name="Logga in med Haparanda stads konto").click()

    # The provider's own (development) login and consent forms.
    page.wait_for_url(f"{issuer}/**")
    page.locator('input[name="login"]').fill("anna.sso")
    page.locator('input[name="password"]').fill("any")
    page.locator('button[type="submit"]').click()
    page.locator('button[type="submit"]', has_text="Continue").click()

    page.wait_for_url(f"{site}/konton/**")
    assert User.objects.get(employee_id="E1001").get_full_name() == "Anna Andersson"
    page.get_by_role("link", name="Anna Andersson").click()
    page.get_by_role("heading", name="Mina inloggningar").wait_for()
    assert page.get_by_text("Den här inloggningen").is_visible()
    assert page.get_by_text("kommunens konto").is_visible()
    screenshot(page, "sso-sessions")
    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)

    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(f"{issuer}/**")
    # The provider asks to confirm signing out there too, then sends the browser back.
    page.locator('button[autofocus], button[type="submit"]').first.click()
    page.wait_for_url(f"{site}/offentlig/**")
    page.goto(f"{site}/konton/")
    assert "/logga-in/" in page.url
