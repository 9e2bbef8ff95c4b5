"""Issue 12: the communicator uploads the staff directory; a malformed file is refused with its
line and changes nothing, a good one reports what changed. The page is accessible."""

from types import SimpleNamespace

import pytest

from accounts.demo import DEPARTMENTS, demo_directory_file

from .conftest import axe_violations, describe, login

pytestmark = pytest.mark.browser


def _demo_file() -> bytes:
    return demo_directory_file({slug: SimpleNamespace(name=name) for slug, name in DEPARTMENTS})


def test_the_communicator_uploads_the_staff_directory(page, browser, base_url):
    login(page, base_url, "karin.kommunikator")
    page.goto(f"{base_url}/konton/")
    page.get_by_role("link", name="Personalkatalog").click()
    page.get_by_role("heading", level=1, name="Personalkatalog").wait_for()

    field = page.get_by_label("Personalkatalogen som CSV-fil")
    bad = _demo_file() + b"ny.person;Ny Person;ny@haparanda.se;Fritid;ingen.chef\n"
    field.set_input_files({"name": "hr.csv", "mimeType": "text/csv", "buffer": bad})
    page.get_by_role("button", name="Läs in filen").click()
    page.get_by_role("alert").get_by_text("Rad 12: Förvaltningen Fritid är okänd.").wait_for()

    field = page.get_by_label("Personalkatalogen som CSV-fil")
    good = _demo_file().replace(b"otto.utomstaende;", b"otto.ny;")
    field.set_input_files({"name": "hr.csv", "mimeType": "text/csv", "buffer": good})
    page.get_by_role("button", name="Läs in filen").click()
    page.get_by_text("Personalkatalogen är inläst: 1 tillagda, 0 ändrade, 1 borttagna.").wait_for()
    assert "Borttagna: Otto Lampinen" in page.locator("main").inner_text()

    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)
