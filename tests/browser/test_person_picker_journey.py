"""Issue 12: an applicant finds a colleague by name in the person picker, with type-ahead in a
real browser and with JavaScript switched off."""

import pytest

from .conftest import axe_violations, describe, login

pytestmark = pytest.mark.browser


def test_the_applicant_finds_the_deputy_by_typing_a_name(page, browser, base_url):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, base_url, "lena.fritid")
    page.goto(f"{base_url}/konton/anmalan/ny/")
    deputy = page.locator("#id_deputy")
    assert deputy.locator("option").count() == 1  # only the prompt: nobody is listed unasked
    page.locator("#id_deputy__q").press_sequentially("Eriks", delay=30)
    deputy.locator("option", has_text="Disa Eriksson").wait_for(state="attached")
    deputy.select_option(label="Disa Eriksson (Informatör)")
    assert deputy.input_value() != ""
    assert not [e for e in errors if "Content Security Policy" in e], errors
    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)


def test_the_picker_works_without_javascript(browser, base_url):
    context = browser.new_context(locale="sv-SE", java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, base_url, "lena.fritid")
        page.goto(f"{base_url}/konton/anmalan/ny/")
        page.locator("#id_deputy__q").fill("Eriks")
        page.locator("#id_deputy__q").locator("xpath=..").get_by_role("button", name="Sök").click()
        page.wait_for_load_state("domcontentloaded")
        page.locator("#id_deputy").select_option(label="Disa Eriksson (Informatör)")
        assert page.locator("#id_deputy__q").input_value() == "Eriks"
    finally:
        context.close()
