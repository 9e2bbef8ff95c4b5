"""The public pages in each of their four languages: no serious accessibility violation, and the
language switch works from the keyboard (issue #17)."""

import pytest

from .conftest import axe_violations, describe

pytestmark = pytest.mark.browser

PUBLIC_PATHS = [
    "/offentlig/",
    "/offentlig/kontrollera/?url=https://www.facebook.com/haparandastad",
    "/offentlig/kontrollera/?url=inte+en+adress",
    "/offentlig/inbaddning/",
    "/offentlig/tillganglighet/",
]


@pytest.mark.parametrize("prefix", ["", "/en", "/fi", "/fit"])
def test_public_pages_have_no_serious_accessibility_violations_in_each_language(
    browser, base_url, page, prefix
):
    page.goto(f"{base_url}{prefix}/offentlig/")
    account_page = page.locator("main table a[href*='/offentlig/konton/']").first
    paths = [prefix + path for path in PUBLIC_PATHS] + [account_page.get_attribute("href")]
    for path in paths:
        violations = axe_violations(browser, base_url + path)
        assert violations == [], f"{path}: {describe(violations)}"


def test_the_language_switch_is_reached_and_used_from_the_keyboard(page, base_url):
    page.goto(f"{base_url}/offentlig/")
    link = page.get_by_role("link", name="suomi")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "suomi":
            break
    else:
        pytest.fail("the link to the Finnish page is not reached with Tab")
    assert link.get_attribute("hreflang") == "fi"
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name="Viralliset sosiaalisen median tilit").wait_for()
    assert page.locator("html").get_attribute("lang") == "fi"
    page.get_by_role("link", name="meänkieli").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/fit/offentlig/")
    assert page.locator("html").get_attribute("lang") == "fit"
    # Until the Meänkieli catalogue is filled in, the page says what is still in Finnish.
    page.get_by_role("heading", level=2, name="Ei vielä meänkielellä").wait_for()
