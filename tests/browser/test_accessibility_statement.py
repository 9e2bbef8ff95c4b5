"""The accessibility statement (tillgänglighetsredogörelse) is reached from the footer of a public
page and is itself accessible (lag 2018:1937)."""

import pytest

from .conftest import axe_violations, describe, screenshot

pytestmark = pytest.mark.browser


def test_the_statement_is_linked_from_the_footer(page, base_url):
    page.goto(f"{base_url}/offentlig/")
    page.get_by_role("contentinfo").get_by_role("link", name="Tillgänglighetsredogörelse").click()
    page.get_by_role("heading", level=1, name="Tillgänglighetsredogörelse").wait_for()
    link = page.get_by_role("link", name="göra en anmälan till Myndigheten för digital förvaltning")
    assert link.get_attribute("href") == "https://www.digg.se/tdosanmalan"
    screenshot(page, "accessibility-statement")


@pytest.mark.parametrize("path", ["/offentlig/tillganglighet/", "/en/offentlig/tillganglighet/"])
def test_the_statement_has_no_serious_accessibility_violations(browser, base_url, path):
    violations = axe_violations(browser, base_url + path)
    assert violations == [], describe(violations)
