"""Journey: a storm of 300 comments after a controversial post (issue 9). The owner imports
them, finds the advertising by searching, removes it all at once on the account's rules, lets
the praise stand in one go, and the queue stays usable and accessible, on a phone as well."""

import datetime as dt
import json
import re

import pytest

from .conftest import axe_violations, describe, login, screenshot

pytestmark = pytest.mark.browser

SPAM, PRAISE, QUESTIONS = 100, 120, 80


def _storm() -> bytes:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for n in range(SPAM):
        rows.append(
            ("reklam", f"Solbutiken {n}", "KÖP billiga solglasögon nu på www.sol-rea.example!")
        )
    for n in range(PRAISE):
        rows.append(("beröm", f"Glad invånare {n}", "Tack för badhuset, hejarop från Nikkala!"))
    for n in range(QUESTIONS):
        rows.append(("fråga", f"Undrande {n}", f"När öppnar badhuset i Rantakyrö igen? ({n})"))
    lines = [
        json.dumps(
            {
                "platform_id": f"storm-{kind}-{n}",
                "kind": "comment",
                "author_name": author,
                "text": text,
                "published_at": (now - dt.timedelta(minutes=n + 1)).isoformat(),
            },
            ensure_ascii=False,
        )
        for n, (kind, author, text) in enumerate(rows)
    ]
    return "\n".join(lines).encode("utf-8")


def _heading_count(page) -> int:
    heading = page.get_by_role("heading", name=re.compile(r"^\d+ ohanterade? inlägg")).inner_text()
    return int(heading.split()[0])


def _search(page, words: str) -> None:
    page.get_by_label("Sök på ord eller namn").fill(words)
    page.get_by_role("button", name="Visa", exact=True).click()
    page.wait_for_load_state("domcontentloaded")


def _bulk_on_the_whole_filter(page, outcome: str, ground: str | None = None) -> str:
    page.locator("summary", has_text="Samma utfall för många objekt").click()
    page.get_by_label("Utfall", exact=True).select_option(label=outcome)
    if ground:
        page.get_by_label("Grund (när du tar bort)").select_option(label=ground)
    page.get_by_label(re.compile(r"^Alla \d+ objekt i filtret$")).check()
    page.get_by_role("button", name="Genomför").click()
    status = page.get_by_role("status").filter(has_text="klara:")
    status.wait_for(timeout=60_000)
    return status.inner_text()


def test_the_owner_weathers_a_storm_of_300_comments(page, browser, base_url):
    login(page, base_url, "olle.agare")
    page.goto(f"{base_url}/moderering/")
    before = _heading_count(page)

    # The storm arrives as an export from the platform.
    page.goto(f"{base_url}/moderering/importera/")
    page.get_by_label("Konto").select_option(index=1)
    page.get_by_label("Fil").set_input_files(
        files=[{"name": "storm.jsonl", "mimeType": "application/json", "buffer": _storm()}]
    )
    page.get_by_role("button", name="Importera").click()
    page.get_by_text("300 nya inlägg").wait_for(timeout=60_000)
    page.goto(f"{base_url}/moderering/")
    assert _heading_count(page) == before + 300
    assert len(page.locator('input[name="objekt"]').all()) == 50  # one page, all reachable

    # Search folds å/ä/ö: "solglasogon" finds "solglasögon"; the counts cover the whole filter.
    _search(page, "solglasogon")
    assert _heading_count(page) == SPAM
    assert "solglas%C3%B6gon" not in page.url and "q=solglasogon" in page.url
    violations = axe_violations(browser, page.url, cookies=page.context.cookies())
    assert violations == [], describe(violations)

    summary = _bulk_on_the_whole_filter(
        page,
        "Ta bort med samma grund",
        ground="Reklam, spam eller annat innehåll som bryter mot kontots publicerade regler "
        "(Haparanda stads riktlinjer för sociala medier och kontots besöksinformation)",
    )
    assert f"klara: {SPAM}, överhoppade: 0, misslyckade: 0" in summary
    page.get_by_role("link", name="Tillbaka till kön").click()
    assert _heading_count(page) == 0  # the same search, now empty

    # The praise is let stand in one go, found by a word and the newest first.
    page.goto(f"{base_url}/moderering/?ordning=nyast")
    _search(page, "hejarop")
    assert _heading_count(page) == PRAISE
    assert "ordning=nyast" in page.url
    summary = _bulk_on_the_whole_filter(page, "Låt stå kvar")
    assert f"klara: {PRAISE}," in summary

    page.goto(f"{base_url}/moderering/")
    assert _heading_count(page) == before + QUESTIONS
    screenshot(page, "journey-storm")


def test_the_queue_fits_a_320_pixel_phone(browser, base_url):
    context = browser.new_context(locale="sv-SE", viewport={"width": 320, "height": 640})
    page = context.new_page()
    login(page, base_url, "olle.agare")
    for path in ("/moderering/", "/moderering/?q=" + "x" * 300, "/moderering/?typ=brev"):
        page.goto(f"{base_url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, (path, width)
    page.goto(f"{base_url}/moderering/")
    # Rows are cards: the table header is out of sight and each item shows its link.
    assert page.locator("table.mod-queue thead").bounding_box()["width"] <= 1
    screenshot(page, "queue-320")
    context.close()
