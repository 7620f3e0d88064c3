"""Every page each role can reach, on a phone: nothing may be wider than the screen."""

import re

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ROLES = {
    None: ["/", "/search/?q=버스", "/dashboard/", "/compare/"],
    "vendor@demo.example": ["/", "/organisation/", "/workspace/vendor/"],
    "county@demo.example": ["/organisation/", "/workspace/buyer/"],
    "metro@demo.example": ["/organisation/", "/workspace/buyer/"],
    "agency@demo.example": ["/organisation/", "/workspace/agency/"],
    "operator@demo.example": ["/organisation/", "/workspace/review/"],
}
# Not pages: downloads, the API, evidence files, sign-in/out, the admin.
SKIP = re.compile(r"\.(csv|xlsx|json|html)$|^/(api|media|accounts|admin|i18n)/|/evidence/")
PER_SHAPE = 2  # pages of one shape (ids replaced) worth opening: the layout is the template's
MAX_PAGES = 40


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def crawl(page, base: str, start: list[str]) -> dict[str, int]:
    """Open the start pages and the pages linked from their main content; return overflows."""
    seen, shapes, todo, widths = set(), {}, list(start), {}
    while todo and len(widths) < MAX_PAGES:
        path = todo.pop(0).split("#")[0]
        shape = re.sub(r"\d+", "N", path.split("?")[0])
        if path in seen or SKIP.search(path.split("?")[0]) or shapes.get(shape, 0) >= PER_SHAPE:
            continue
        seen.add(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        response = page.goto(base + path)
        if response is None or "text/html" not in (response.headers.get("content-type") or ""):
            continue
        assert response.status == 200, f"{path} answered {response.status}"
        widths[path] = overflow(page)
        todo += page.locator("main a[href^='/']").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
    return widths


def test_no_page_scrolls_sideways_on_a_phone(demo_url, chromium_browser, login_as, screenshot):
    for email, start in ROLES.items():
        context = chromium_browser.new_context(locale="ko-KR", viewport=PHONE)
        page = context.new_page()
        try:
            if email:
                login_as(page, email)
            widths = crawl(page, demo_url, start)
            assert len(widths) >= len(start)
            wide = {path: px for path, px in widths.items() if px > 0}
            for path in wide:
                page.goto(demo_url + path)
                screenshot(page, f"phone-overflow-{email}-{path}")
            assert not wide, f"as {email or 'a visitor'}, pages wider than the phone: {wide}"
        finally:
            context.close()


def test_compare_page_with_four_solutions_fits_a_phone(demo_url, chromium_browser, screenshot):
    context = chromium_browser.new_context(locale="ko-KR", viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(f"{demo_url}/search/?q=스마트")
        links = page.locator(".result h3 a").evaluate_all(
            "els => els.map(e => e.getAttribute('href'))"
        )
        for href in links[:4]:
            page.goto(demo_url + href)
            page.locator(".compare-form button[type=submit]").click()
            page.wait_for_load_state()
        page.goto(f"{demo_url}/compare/")
        assert page.locator("table.compare thead th[scope=col]").count() == 4
        screenshot(page, "public-compare-four-phone")
        assert overflow(page) <= 0
    finally:
        context.close()
