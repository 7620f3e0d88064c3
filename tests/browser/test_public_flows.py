"""Public pages in a real browser: search in Korean, solution page, compare, dashboard, language."""

import re

import pytest

pytestmark = pytest.mark.browser

BUS = "버스퍼스트 버스 우선신호 제어기"
AIR = "에어그리드 생활권 미세먼지 측정망"


def search_from_home(page, base, words):
    page.goto(f"{base}/")
    box = page.locator("#home-q")
    box.click()
    box.press_sequentially(words, delay=40)
    return box


def test_buyer_finds_a_solution_by_korean_query_and_compares_two(
    demo_url, browser_page, check_a11y, screenshot
):
    page = browser_page
    box = search_from_home(page, demo_url, "버스")
    suggestions = page.locator("#home-q-suggestions [role=option]")
    suggestions.first.wait_for()
    assert BUS in suggestions.all_inner_texts()
    assert box.get_attribute("aria-expanded") == "true"
    check_a11y(page)
    screenshot(page, "public-home-autocomplete")

    box.press("Escape")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    results = page.locator(".result h3 a")
    assert BUS in results.all_inner_texts()
    assert page.locator(".result h3 a b").first.inner_text() == "버스"  # engine highlight
    check_a11y(page)
    screenshot(page, "public-search-korean")

    page.get_by_role("link", name=BUS).click()
    page.wait_for_url(re.compile(r"/solutions/\d+/"))
    assert page.locator("h1").inner_text() == BUS
    charts = page.locator("svg.kpi-chart")
    assert charts.count() >= 2
    desc = charts.first.locator("desc").text_content()
    assert re.search(r"\d", desc) and charts.first.get_attribute("role") == "img"
    states = page.locator(".cert .badge[data-state]").evaluate_all(
        "els => els.map(e => e.dataset.state)"
    )
    assert states and set(states) <= {"valid", "expiring", "expired", "not-yet", "rejected"}
    check_a11y(page)
    screenshot(page, "public-solution")
    page.locator(".compare-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".compare-form a[href='/compare/']").count() == 1

    page.goto(f"{demo_url}/search/?q=미세먼지")
    page.get_by_role("link", name=AIR).click()
    page.wait_for_url(re.compile(r"/solutions/\d+/"))
    page.locator(".compare-form button[type=submit]").click()
    page.wait_for_load_state()

    page.locator("header nav a[href='/compare/']").click()
    page.wait_for_url(re.compile(r"/compare/$"))
    headers = page.locator("table.compare thead th[scope=col] > a").all_inner_texts()
    assert headers == [BUS, AIR]
    check_a11y(page)
    screenshot(page, "public-compare")

    share = page.locator("a[href^='/compare/?ids=']").first.get_attribute("href")
    page.goto(f"{demo_url}{share}")
    assert page.locator("table.compare thead th[scope=col] > a").all_inner_texts() == [BUS, AIR]
    assert page.js_errors == []


def test_language_switcher_switches_to_english_and_back(demo_url, browser_page, screenshot):
    page = browser_page
    page.goto(f"{demo_url}/")
    assert page.locator("html").get_attribute("lang") == "ko"
    korean_title = page.locator("h1").inner_text()

    page.select_option("#language-select", "en")
    page.locator(".language-switcher button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Certified smart-city solutions, with the evidence"
    screenshot(page, "public-home-english")

    page.goto(f"{demo_url}/dashboard/")  # the choice sticks across pages
    assert page.locator("html").get_attribute("lang") == "en"

    page.select_option("#language-select", "ko")
    page.locator(".language-switcher button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    page.goto(f"{demo_url}/")
    assert page.locator("h1").inner_text() == korean_title != ""


def test_dashboard_draws_bar_charts(demo_url, browser_page, check_a11y, screenshot):
    page = browser_page
    page.goto(f"{demo_url}/dashboard/")
    charts = page.locator("svg.bar-chart")
    assert charts.count() >= 3
    assert charts.first.locator("rect.chart-bar").count() >= 10  # demo covers every category
    check_a11y(page)
    screenshot(page, "public-dashboard")
    assert page.js_errors == []


def test_solution_and_search_pages_fit_a_phone(demo_url, chromium_browser, check_a11y, screenshot):
    context = chromium_browser.new_context(
        locale="ko-KR", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        page.goto(f"{demo_url}/search/?q=버스")
        check_a11y(page)
        screenshot(page, "public-search-phone")
        page.locator(".result h3 a").first.click()
        page.wait_for_url(re.compile(r"/solutions/\d+/"))
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"page scrolls sideways by {overflow}px on a phone"
        check_a11y(page)
        screenshot(page, "public-solution-phone")
    finally:
        context.close()
