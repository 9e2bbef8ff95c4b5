"""Real-browser tests: Playwright driving Debian's Chromium.

They run against the live test server by default, or, with BROWSER_BASE_URL set, against an
already running deployment (CI starts gunicorn, a Celery worker and beat on PostgreSQL and Redis
and points the journeys at it). Either way they use the demo data (`manage.py seed_demo`).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make for
# setup are still synchronous and single-threaded.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "demo-haparanda"


def _unavailable(reason: str):
    # CI must never skip the browser tests; a developer without Chromium is told loudly.
    if os.environ.get("CI"):
        pytest.fail(f"Browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def external_server() -> str | None:
    return os.environ.get("BROWSER_BASE_URL", "").rstrip("/") or None


@pytest.fixture
def base_url(live_server, external_server) -> str:
    """The deployment under test. ``live_server`` is requested statically even when an external
    server is used: pytest-django then sets up the test database before the server starts, so
    neither can touch a developer's own database."""
    if external_server:
        return external_server
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    return live_server.url


@pytest.fixture
def fresh_demo_url(live_server) -> str:
    """An in-process server on a freshly seeded demo, even when ``BROWSER_BASE_URL`` names an
    external deployment. For journeys that change the demo queue and rely on it as seeded: against
    the one shared external database they would see each other's outcomes, depending on order."""
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    return live_server.url


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


# The last time step each demo user's code was computed for: a code is accepted once, so a
# journey that signs the same person in again within 30 seconds uses the next step (the demo's
# authenticator apps accept ±10 steps, accounts/demo.py).
_LAST_STEP: dict[str, int] = {}


def demo_code(username: str) -> str:
    """The one-time code of the demo user's authenticator app, as the app would show it."""
    import time
    from binascii import unhexlify

    from django_otp.oath import hotp

    from accounts.demo import DEMO_TOTP_KEY

    step = max(int(time.time()) // 30, _LAST_STEP.get(username, -1) + 1)
    _LAST_STEP[username] = step
    return f"{hotp(unhexlify(DEMO_TOTP_KEY), step):06d}"


def login(page, base_url: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Both steps, as a person does them: the password, then the code from the app."""
    page.goto(f"{base_url}/logga-in/")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state("domcontentloaded")
    if "/mina-inloggningar/tva-steg/" in page.url:
        page.get_by_label("Kod").fill(demo_code(username))
        page.get_by_role("button", name="Fortsätt").click()
        page.wait_for_load_state("domcontentloaded")


def logout(page) -> None:
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_load_state("domcontentloaded")


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(browser, url: str, *, cookies=None) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations that axe-core finds on a page.

    axe is injected as a script, which the page's own CSP forbids: the audit context bypasses
    CSP, and nothing else does.
    """
    if not AXE.exists():
        _unavailable("axe-core is not installed (npm ci)")
    context = browser.new_context(locale="sv-SE", bypass_csp=True)
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.goto(url)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })"""
    )
    context.close()
    found = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]][:5],
        }
        for v in found
    ]


def describe(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2, ensure_ascii=False)
