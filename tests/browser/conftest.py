"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server.

Reuse them in any browser test (mark it ``@pytest.mark.browser``):

- ``demo_url``: the live server's URL, with the demo catalogue and users loaded and indexed;
- ``chromium_browser``: the session's Chromium, for tests that need their own context;
- ``browser_page``: a fresh Playwright page (Korean browser locale) in its own context;
- ``login_as(page, email)``: sign in as a demo user (password ``demo-smartcity-2026``);
- ``check_a11y(page)``: run axe-core on the page; fail on any serious or critical violation;
- ``screenshot(page, name)``: save ``test-artifacts/<name>.png`` (full page).

Without ``/usr/bin/chromium`` every browser test is skipped, with the reason.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# itself (fixtures, assertions) are still synchronous, so its async-safety guard must be off.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "demo-smartcity-2026"
BLOCKING_IMPACTS = ("serious", "critical")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: apt-get install -y chromium fonts-nanum (.ci/run does it)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium_browser():
    """The session's headless Chromium (make your own contexts, e.g. a phone viewport)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def _search_index(settings, tmp_path):
    from search.backends import reset_backend

    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "search.backends.tantivy.TantivyBackend"
    reset_backend()
    yield settings.SEARCH_INDEX_DIR
    reset_backend()


@pytest.fixture
def demo_url(live_server, transactional_db, _search_index):
    """The live server's base URL, with ``load_demo`` run (catalogue, users, search index)."""
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return live_server.url


@pytest.fixture
def browser_page(chromium_browser):
    """A Playwright page in a fresh context (Korean locale, laptop viewport)."""
    context = chromium_browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # CSP refusals and failed loads show up as console errors.
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture
def login_as(demo_url):
    """``login_as(page, email)``: sign in through the real login form."""

    def login(page, email: str, password: str = DEMO_PASSWORD):
        page.goto(f"{demo_url}/accounts/login/")
        page.fill("input[name=login]", email)
        page.fill("input[name=password]", password)
        page.locator("form:has(input[name=password]) [type=submit]").first.click()
        page.wait_for_load_state()
        assert "/accounts/login/" not in page.url, f"login as {email} failed"
        return page

    return login


@pytest.fixture
def check_a11y():
    """``check_a11y(page)``: axe-core on the current page; fail on serious or critical issues."""
    source = AXE_JS.read_text(encoding="utf-8")

    def check(page, *, context: str | None = None):
        # Evaluated through the DevTools protocol, so the site's CSP need not allow it.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(source + "\n;undefined")
        results = page.evaluate(
            """async (ctx) => await window.axe.run(ctx || document,
                   {resultTypes: ['violations']})""",
            context,
        )
        blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
        report = "\n".join(
            f"- {v['impact']}: {v['id']} ({v['help']}) at "
            + ", ".join(" ".join(n["target"]) for n in v["nodes"][:5])
            for v in blocking
        )
        assert not blocking, f"accessibility violations on {page.url}:\n{report}"
        return results["violations"]

    return check


@pytest.fixture
def screenshot():
    """``screenshot(page, name)``: a full-page PNG under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)

    def shoot(page, name: str) -> Path:
        path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
