"""Issue 9: an owner triages with the keyboard only. Answer keys reveal each next question in
place, a shortcut fills in a whole path to confirm, Ctrl+Enter and Enter record the outcome, the
next item of the queue opens, j/k move between items and ? shows the keys. The triage page has
no serious or critical axe violation and holds at 320 CSS pixels without sideways scrolling."""

import re

import pytest

from .conftest import axe_violations, describe, login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(fresh_demo_url):
    # These journeys answer the seeded demo items, so each gets the demo as seeded.
    return fresh_demo_url


def _answers_shown(page, count):
    page.wait_for_function(
        # The part is in place and settled (htmx has wired up its buttons).
        """n => document.querySelectorAll('#triage .mod-path li').length === n
            && !document.querySelector('#triage.htmx-settling, #triage.htmx-request')""",
        arg=count,
    )


def _focused_id(page):
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def _open_from_the_queue(page, base_url, name):
    page.goto(f"{base_url}/moderering/")
    page.locator("main table").get_by_role("link", name=name).focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", level=1, name=name).wait_for()
    page.wait_for_load_state("load")  # the page's scripts run before keys are pressed


def test_an_owner_triages_with_the_keyboard_only(page, browser, base_url):
    login(page, base_url, "olle.agare")
    # Page loads from the queue to an answered question, counted as the browser sees them.
    loads = []
    page.on("load", lambda _page: loads.append(page.url))
    _open_from_the_queue(page, base_url, "Kommentar från Erik Niemi")
    first_url = page.url
    loads.clear()
    loads.append(first_url)

    # ? opens the help listing the keys; Esc closes it and nothing else happened.
    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Kortkommandon")
    help_dialog.wait_for()
    assert "Nästa objekt i kön" in help_dialog.inner_text()
    assert "Reklam → Ta bort" in help_dialog.inner_text()
    page.keyboard.press("Escape")
    help_dialog.wait_for(state="hidden")

    # Answer keys: each reveals the next question in place (no page load) and takes focus.
    page.evaluate("() => { window.__samePage = true; }")
    for position, key in enumerate(["2", "2", "2", "2", "2", "1", "1"], start=1):
        page.keyboard.press(key)
        _answers_shown(page, position)
    assert page.evaluate("() => window.__samePage === true"), "an answer reloaded the page"
    assert page.url != first_url  # the answers are in the address, so reload and back work
    assert _focused_id(page) == "triage-outcome"
    page.get_by_role("heading", name="Utfall: Svara").wait_for()

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type("Hej Erik! Medborgarservice har öppet 9–15 i mellandagarna.")
    page.keyboard.press("Control+Enter")
    page.get_by_text("Inlägget är hanterat. Här är nästa inlägg i kön.").wait_for()
    page.wait_for_load_state("load")
    assert "Erik Niemi" not in page.get_by_role("heading", level=1).inner_text()
    # Two loads: the item, and after the outcome the next item (was 9 loads, 17–20 clicks);
    # the keys were 7 answers, Tab and Ctrl+Enter besides the reply itself.
    assert len(loads) == 2, loads

    # j and k move to the next and the previous item of the queue.
    second = page.get_by_role("heading", level=1).inner_text()
    page.keyboard.press("j")
    page.wait_for_function("h => document.querySelector('h1').innerText !== h", arg=second)
    page.wait_for_load_state("load")
    page.keyboard.press("k")
    page.get_by_role("heading", level=1, name=second).wait_for()
    page.wait_for_load_state("load")

    # A shortcut fills in every answer; the person sees them and confirms with Enter.
    page.keyboard.press("l")
    _answers_shown(page, 8)
    page.get_by_role("heading", name="Utfall: Låt stå").wait_for()
    path = page.locator("#triage .mod-path").inner_text()
    assert "Är inlägget positivt eller balanserat? Ja" in path
    assert "Vill du svara? Nej" in path
    page.keyboard.press("Enter")
    page.get_by_text(re.compile("^Inlägget är hanterat.")).wait_for()
    assert second not in page.get_by_role("heading", level=1).inner_text()
    screenshot(page, "keyboard-triage")


def test_the_triage_page_is_accessible_and_fits_a_phone(page, browser, base_url):
    login(page, base_url, "olle.agare")
    _open_from_the_queue(page, base_url, "Kommentar från Erik Niemi")
    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)
    # With an outcome form open (the removal path shows the grounds and the account's rules).
    page.keyboard.press("r")
    page.get_by_role("heading", name="Utfall: Ta bort och dokumentera").wait_for()
    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)

    phone = browser.new_context(locale="sv-SE", viewport={"width": 320, "height": 640})
    phone.add_cookies(page.context.cookies())
    small = phone.new_page()
    for url in (page.url, page.url.split("?")[0]):
        small.goto(url)
        width = small.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 320, f"{url} scrolls sideways at 320 px ({width} px)"
    screenshot(small, "triage-phone")
    phone.close()
