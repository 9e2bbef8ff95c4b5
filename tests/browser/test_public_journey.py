"""Journey 3: a member of the public finds an official account and checks addresses (R7, R26)."""

import pytest

from .conftest import axe_violations, describe, screenshot

pytestmark = pytest.mark.browser


def test_the_public_finds_an_account_and_verifies_addresses(page, base_url):
    page.goto(f"{base_url}/offentlig/")
    assert page.locator("html").get_attribute("lang") == "sv"
    page.get_by_role("heading", level=1).wait_for()

    # Filter to the library's department and open the account.
    page.get_by_label("Förvaltning").select_option(label="Kultur- och fritidsförvaltningen")
    page.get_by_role("button", name="Visa konton").click()
    page.get_by_role("link", name="Haparanda bibliotek", exact=True).click()

    page.get_by_role("heading", level=1, name="Haparanda bibliotek").wait_for()
    body = page.locator("main").inner_text()
    assert "allmän handling" in body  # the visitor information (R6)
    assert "bibliotek@haparanda.se" in body  # the public contact
    assert "Keskitalo" not in body  # never staff names

    # An official address, pasted in another form than the registry's.
    page.get_by_role("link", name="Kontrollera ett konto").first.click()
    page.get_by_label("Kontots adress").fill("https://m.facebook.com/HaparandaBibliotek/?ref=x")
    page.get_by_role("button", name="Kontrollera adressen").click()
    page.get_by_role("heading", name="Ja, det här är ett officiellt konto").wait_for()

    # An address that only looks official.
    page.get_by_label("Kontots adress").fill("https://www.facebook.com/haparanda.stad.officiell")
    page.get_by_role("button", name="Kontrollera adressen").click()
    page.get_by_role("heading", name="Nej, det här är inte ett officiellt konto").wait_for()
    screenshot(page, "journey-public")


@pytest.mark.parametrize(
    "path",
    [
        "/offentlig/",
        "/offentlig/?department=kultur",
        "/offentlig/kontrollera/?url=https://www.facebook.com/haparandastad",
        "/offentlig/kontrollera/?url=inte+en+adress",
        "/offentlig/inbaddning/",
        "/en/offentlig/",
        "/logga-in/",
    ],
)
def test_public_pages_have_no_serious_accessibility_violations(browser, base_url, path):
    violations = axe_violations(browser, base_url + path)
    assert violations == [], describe(violations)


def test_every_public_account_page_is_accessible(browser, base_url, page):
    page.goto(f"{base_url}/offentlig/")
    links = page.locator("main table a[href*='/offentlig/konton/']")
    hrefs = sorted({links.nth(i).get_attribute("href") for i in range(links.count())})
    assert hrefs
    for href in hrefs[:4]:
        violations = axe_violations(browser, base_url + href)
        assert violations == [], f"{href}: {describe(violations)}"
