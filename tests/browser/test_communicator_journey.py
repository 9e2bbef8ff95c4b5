"""Journey 1: the communicator approves a new account only once every manager has confirmed the
assignment (R3), and the account then appears on the public list (R7)."""

import re

import pytest

from .conftest import login, logout, screenshot

pytestmark = pytest.mark.browser

APPLICATION = "Fritidsgården Chillzone"


def _open_application(page, base_url):
    page.goto(f"{base_url}/konton/")
    pending = page.get_by_role("region", name="Anmälningar som väntar på ditt beslut")
    pending.get_by_role("link", name=APPLICATION).click()
    page.get_by_role("heading", level=1, name=re.compile(APPLICATION)).wait_for()


def test_the_communicator_approves_after_the_manager_confirms(page, base_url):
    login(page, base_url, "karin.kommunikator")
    _open_application(page, base_url)

    # Approval is refused, and the page says exactly what is missing.
    page.get_by_label("Kommentar").fill("Ser bra ut.")
    page.get_by_role("button", name="Godkänn").click()
    missing = "Maria Niemi har inte bekräftat uppdraget för Lena Wikström som kontoansvarig."
    page.get_by_text(missing).first.wait_for()
    logout(page)

    # The manager confirms the assignment of her employee.
    login(page, base_url, "maria.chef")
    page.goto(f"{base_url}/konton/")
    page.get_by_role("link", name=re.compile(r"Bekräfta eller avböj.*Lena Wikström")).click()
    page.get_by_label("Referens (valfritt)").fill("KFN 2026/118")
    page.get_by_role("button", name="Bekräfta", exact=True).click()
    page.get_by_text("Du har bekräftat uppdraget.").wait_for()
    logout(page)

    # Now the communicator can approve.
    login(page, base_url, "karin.kommunikator")
    _open_application(page, base_url)
    page.get_by_label("Kommentar").fill("Anmälan är komplett och uppdragen bekräftade.")
    page.get_by_role("button", name="Godkänn").click()
    page.get_by_text("Kontot är godkänt och aktivt.").wait_for()
    history = page.locator("main").inner_text()
    assert "Uppdraget bekräftat av chef" in history and "Godkänd" in history

    # The public sees it.
    page.goto(f"{base_url}/offentlig/")
    page.get_by_role("link", name=APPLICATION, exact=True).wait_for()
    screenshot(page, "journey-communicator")
