"""The platform side, to the end (R13, R18, R32): the owner answers a question in the queue, the
reply waits on "Att göra på plattformen" because the account has no working connector, the
owner posts it by hand, gives its address and marks it done; the list is accessible and works
on a 320 px phone without sideways scrolling."""

import re

import pytest

from .conftest import axe_violations, describe, login, screenshot

pytestmark = pytest.mark.browser

NO, YES = "Nej", "Ja"
AUTHOR = "Erik Niemi"
REPLY = "Hej Erik! Medborgarservice har öppet 9–15 i mellandagarna."
POSTED_AT = "https://www.facebook.com/haparandastad/posts/demo-fb-2?comment_id=9001"


@pytest.fixture
def base_url(fresh_demo_url):
    # These journeys answer the seeded demo items, so each gets the demo as seeded.
    return fresh_demo_url


def _answer_in_the_queue(page, base_url):
    page.goto(f"{base_url}/moderering/")
    page.locator("main").get_by_role(
        "link", name=re.compile(f"från {re.escape(AUTHOR)}$")
    ).first.click()
    for position, answer in enumerate([NO, NO, NO, NO, NO, YES, YES], start=1):
        page.locator("#triage").get_by_role("button", name=answer, exact=True).click()
        # Each answer replaces the triage part in place; wait until it shows this many answers.
        page.wait_for_function(
            """n => document.querySelectorAll('#triage .mod-path li').length === n
                && !document.querySelector('#triage.htmx-settling, #triage.htmx-request')""",
            arg=position,
        )
    page.get_by_label("Svar").fill(REPLY)
    page.get_by_role("button", name="Spara utfallet").click()
    page.get_by_text("Inlägget är hanterat.").wait_for()


def _entry(page):
    return page.locator("li.todo-entry").filter(has_text=REPLY)


def test_the_owner_marks_a_manual_reply_done(page, browser, base_url):
    login(page, base_url, "olle.agare")
    _answer_in_the_queue(page, base_url)

    page.get_by_role("link", name="Att göra på plattformen").first.click()
    page.get_by_role("heading", name="Att göra på plattformen", level=1).wait_for()
    entry = _entry(page)
    entry.wait_for()
    assert "Gäller kommentar från Erik Niemi" in entry.inner_text()
    assert "/Olle, Haparanda stad" in entry.inner_text()  # signed, ready to copy

    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)

    # An address on another platform is refused in Swedish, and what was typed is kept.
    address = entry.get_by_label("Adress till det publicerade svaret")
    address.fill("https://www.instagram.com/p/abc/")
    entry.get_by_role("button", name=re.compile("^Markera som klar")).click()
    entry = _entry(page)
    entry.get_by_text("Adressen finns inte på Facebook, där kontot finns.").wait_for()
    address = entry.get_by_label("Adress till det publicerade svaret")
    assert address.input_value() == "https://www.instagram.com/p/abc/"
    item_url = entry.get_by_role("link", name=re.compile("^visa inlägget")).get_attribute("href")

    address.fill(POSTED_AT)
    entry.get_by_role("button", name=re.compile("^Markera som klar")).click()
    page.get_by_text("Markerad som klar och antecknad i inläggets historik.").wait_for()
    assert _entry(page).count() == 0
    screenshot(page, "todo-after-done")

    # The item's history says it was done on the platform, and by whom.
    page.goto(f"{base_url}{item_url}")
    page.get_by_text("Utfört på plattformen").first.wait_for()


def test_the_to_do_list_fits_a_320_pixel_phone(browser, base_url):
    context = browser.new_context(
        locale="sv-SE", viewport={"width": 320, "height": 640}, device_scale_factor=2
    )
    page = context.new_page()
    try:
        login(page, base_url, "olle.agare")
        page.goto(f"{base_url}/moderering/att-gora/")
        page.locator("li.todo-entry").first.wait_for()
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        screenshot(page, "todo-320px")
        assert widths[0] <= widths[1], widths
        # Each entry's button stays within the screen.
        box = (
            page.locator("li.todo-entry")
            .first.get_by_role("button", name=re.compile("^Markera som klar"))
            .bounding_box()
        )
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320
    finally:
        context.close()
