"""The workspaces in a real browser: vendor → operator, buyer → registration, agency → export."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from PIL import Image

from catalogue.models import Solution
from jobs.worker import run_worker
from matching.models import Lead, Match, Registration

pytestmark = pytest.mark.browser

NEW_SOLUTION = "스마트 횡단보도 안전 알리미"


def unexpected_errors(page) -> list[str]:
    """Script errors and failed loads, except the 400s of the invalid forms these tests send."""
    return [e for e in page.js_errors if "status of 400" not in e]


def sign_out(page):
    page.context.clear_cookies()


def _png(path, size=(640, 400)):
    image = Image.new("RGB", size, (30, 110, 200))
    for x in range(0, size[0], 40):
        for y in range(size[1]):
            image.putpixel((x, y), (250, 250, 250))
    image.save(path, "PNG")
    return path


def test_vendor_lists_a_solution_and_the_operator_publishes_it(
    demo_url, browser_page, login_as, check_a11y, screenshot, tmp_path
):
    page = browser_page
    login_as(page, "vendor@demo.example")
    page.goto(f"{demo_url}/workspace/vendor/")
    check_a11y(page)
    page.goto(f"{demo_url}/workspace/vendor/solutions/new/")
    check_a11y(page)

    # A first try without a name: the error is next to the field and the typed text stays.
    page.fill("#id_summary_ko", "야간 횡단보도 보행자를 감지해 운전자에게 알립니다.")
    page.select_option("#id_category", "safety")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#id_name_en_error").is_visible()
    assert page.input_value("#id_summary_ko").startswith("야간 횡단보도")
    check_a11y(page)
    screenshot(page, "workspace-vendor-form-errors")

    page.fill("#id_name_ko", NEW_SOLUTION)
    page.fill("#id_name_en", "Smart crosswalk alert")
    page.fill("#id_summary_en", "Detects pedestrians at night crossings and warns drivers.")
    page.fill("#id_tags", "crosswalk, pedestrian")
    page.check("input[name=deployment][value=edge]")
    page.fill("#id_price_min", "8000000")
    page.fill("#id_price_max", "20000000")
    page.fill("#id_currency", "KRW")
    page.fill("#id_reference_countries", "KR")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/workspace/vendor/solutions/\d+/$"))
    solution = Solution.objects.get(name_ko=NEW_SOLUTION)
    assert solution.status == Solution.Status.DRAFT

    # Image with a preview before upload.
    page.set_input_files("#id_image", str(_png(tmp_path / "crosswalk.png")))
    page.locator("#image-preview img").wait_for()
    page.fill("#id_alt_ko", "야간 횡단보도의 경고등")
    page.locator("#image-form button[type=submit]").click()
    page.wait_for_load_state()
    page.locator(".thumbs img").first.wait_for()
    assert solution.images.count() == 1

    # A file that is not an image: refused next to the field, the page says it was not saved.
    fake = tmp_path / "notes.png"
    fake.write_bytes(b"%PDF-1.4\n%%EOF\n")
    page.set_input_files("#id_image", str(fake))
    page.locator("#image-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "PDF" in page.locator("#id_image_error").inner_text()
    assert "notes.png" in page.locator(".lost-upload").inner_text()
    check_a11y(page)

    # A pilot with a KPI.
    page.fill("#id_city", "Hwasun")
    page.fill("#id_country", "KR")
    page.select_option("#id_tier", "county")
    page.fill("#id_start", "2025-03-01")
    page.fill("#id_end", "2025-12-31")
    page.locator("#pilot-form button[type=submit]").click()
    page.wait_for_load_state()
    pilot = solution.pilots.get()
    prefix = f"kpi{pilot.pk}"
    page.locator(f"#pilot-{pilot.pk} summary").click()
    page.fill(f"#id_{prefix}-indicator", "night-time near misses")
    page.fill(f"#id_{prefix}-baseline", "14")
    page.fill(f"#id_{prefix}-result", "5")
    page.select_option(f"#id_{prefix}-better", "lower")
    # the KPI form is the one in the pilot's "Add a KPI" disclosure (edit/delete sit beside it)
    page.locator(f"#pilot-{pilot.pk} details form button[type=submit]").click()
    page.wait_for_load_state()
    assert "night-time near misses" in page.locator(f"#pilot-{pilot.pk}").inner_text()

    page.locator("form[action$='/submit/'] button").click()
    page.wait_for_load_state()
    solution.refresh_from_db()
    assert solution.status == Solution.Status.SUBMITTED
    check_a11y(page)
    screenshot(page, "workspace-vendor-solution-submitted")

    sign_out(page)
    login_as(page, "operator@demo.example")
    page.goto(f"{demo_url}/workspace/review/")
    check_a11y(page)
    screenshot(page, "workspace-review-queue")
    page.get_by_role("link", name=NEW_SOLUTION).first.click()
    page.wait_for_url(re.compile(r"/workspace/review/solutions/\d+/$"))
    check_a11y(page)
    key = f"pilot-{pilot.pk}"
    page.check(f"input[name='{key}-decision'][value=verified]")
    page.locator(f"#pilot-{pilot.pk} form button[type=submit]").click()
    page.wait_for_load_state()
    page.locator("form[action$='/publish/'] button").click()
    page.wait_for_url(re.compile(r"/workspace/review/$"))
    solution.refresh_from_db()
    pilot.refresh_from_db()
    assert solution.status == Solution.Status.PUBLISHED
    assert pilot.verification == "verified"
    screenshot(page, "workspace-review-published")

    page.goto(f"{demo_url}/solutions/{solution.pk}/")
    assert page.locator("h1").inner_text() == NEW_SOLUTION
    assert unexpected_errors(page) == []


def test_buyer_posts_a_need_shortlists_and_opens_a_registration(
    demo_url, browser_page, login_as, check_a11y, screenshot
):
    page = browser_page
    login_as(page, "county@demo.example")
    page.goto(f"{demo_url}/workspace/buyer/")
    check_a11y(page)
    page.goto(f"{demo_url}/workspace/buyer/needs/new/")
    page.fill("#id_title_ko", "버스 우선신호 제어 시스템 도입")
    page.fill("#id_description_ko", "교차로에서 버스가 먼저 지나가도록 신호를 제어하고 싶습니다.")
    page.select_option("#id_category", "mobility")
    page.fill("#id_budget_max", "300000000")
    page.fill("#id_budget_currency", "KRW")
    check_a11y(page)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/workspace/buyer/needs/\d+/$"))
    page.locator("form[action$='/publish/'] button").click()
    page.wait_for_load_state()

    first = page.locator("ol.matches > li").first
    first.wait_for()
    assert first.locator(".explanation").inner_text().strip()
    check_a11y(page)
    screenshot(page, "workspace-buyer-shortlist")

    match_id = int(first.get_attribute("id").split("-")[1])
    first.locator("button[value=shortlisted]").click()
    page.wait_for_load_state()
    assert Match.objects.get(pk=match_id).status == Match.Status.SHORTLISTED
    compare = page.locator("a[href^='/compare/?ids=']")
    assert compare.count() == 1

    item = page.locator(f"#match-{match_id}")
    item.locator("summary", has_text=re.compile("registration|등록", re.I)).click()
    page.select_option(f"#id_r{match_id}-channel", "digital-mall")
    page.fill(f"#id_r{match_id}-note", "2027년 예산 반영 검토")
    item.locator("form[action$='/registrations/'] button").click()
    page.wait_for_url(re.compile(r"/workspace/registrations/\d+/$"))
    registration = Registration.objects.get(match_id=match_id)
    assert page.locator(".checklist li").count() >= 2
    check_a11y(page)
    screenshot(page, "workspace-buyer-registration")

    assert unexpected_errors(page) == []
    # The dossier page (matching-2's template) is checked for content only: its inline
    # <style> is refused by the site's CSP (reported to the lead).
    page.locator("a[href$='/dossier.html']").click()
    page.wait_for_url(re.compile(r"/dossier\.html$"))
    assert registration.solution.name_ko in page.content()
    screenshot(page, "workspace-buyer-dossier")


def test_agency_uploads_a_csv_of_leads_and_exports_a_shortlist(
    demo_url, browser_page, login_as, check_a11y, screenshot, tmp_path
):
    page = browser_page
    login_as(page, "agency@demo.example")
    page.goto(f"{demo_url}/workspace/agency/")
    check_a11y(page)
    with page.expect_download() as template:
        page.locator("a[href$='leads-template.csv']").click()
    header = template.value.path().read_text(encoding="utf-8-sig").splitlines()[0]
    rows = [
        header,
        "web-1,kotra,,VN,Da Nang,Da Nang DOT,Bus priority signals for BRT corridors,"
        ",Signal priority for buses at junctions,,mobility,900000,USD,mdb,,2030-03-31",
        "web-2,adb,,PH,Cebu,,Fine dust monitoring network,,Air quality sensors,,environment,,,,,",
    ]
    upload = tmp_path / "leads.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")

    # A broken file first: the upload becomes a job; run it here (the in-memory test database
    # cannot be shared with a worker process). While it runs, the page is sent away: the page's
    # polling and this thread's writes would meet in the shared in-memory database, whose
    # table locks fail at once ("database table is locked") where a real SQLite file waits.
    # Back on the job page, it shows the errors: nothing is imported and the report names the
    # cell.
    broken = tmp_path / "broken.csv"
    broken.write_text(header + "\nweb-3,kotra,,VN,,,Title,,,,mobility,lots,USD,,,\n")
    page.select_option("#id_format", "csv")
    page.set_input_files("#id_file", str(broken))
    page.locator("form[action$='/upload/'] button").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    assert page.locator("#job-progress").is_visible()
    check_a11y(page)
    job_url = page.url
    page.goto("about:blank")
    run_worker(burst=True, interval=0)
    page.goto(job_url)
    page.locator("#job-error").wait_for(timeout=15000)
    assert "row 2, column budget_max" in page.locator("#job-error").inner_text()
    assert page.locator("#job-error form[action$='/retry/'] button").is_visible()
    assert not Lead.objects.filter(exchange_id="web-3").exists()
    check_a11y(page)
    screenshot(page, "workspace-agency-import-failed")

    page.goto(f"{demo_url}/workspace/agency/")
    page.select_option("#id_format", "csv")
    page.set_input_files("#id_file", str(upload))
    page.locator("form[action$='/upload/'] button").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    job_url = page.url
    page.goto("about:blank")
    run_worker(burst=True, interval=0)
    page.goto(job_url)
    page.locator("#import-report").wait_for(timeout=15000)
    report = page.locator("#import-report").inner_text()
    assert "2 new and 0 updated leads" in report or "새 리드 2건, 갱신된 리드 0건" in report
    assert Lead.objects.filter(exchange_id__in=["web-1", "web-2"]).count() == 2
    check_a11y(page)
    screenshot(page, "workspace-agency-import")
    page.locator("#import-report a[href$='/workspace/agency/']").click()
    page.wait_for_url(re.compile(r"/workspace/agency/$"))

    page.get_by_role("link", name="Bus priority signals for BRT corridors").click()
    page.wait_for_url(re.compile(r"/workspace/agency/leads/\d+/$"))
    first = page.locator("ol.matches > li").first
    first.wait_for()
    first.locator("button[value=shortlisted]").click()
    page.wait_for_load_state()
    check_a11y(page)
    screenshot(page, "workspace-agency-lead")

    with page.expect_download() as download:
        page.locator("a[href$='shortlist.csv']").click()
    exported = list(csv.reader(io.StringIO(download.value.path().read_text("utf-8-sig"))))
    assert exported[0][0] == "rank" and len(exported) == 2
    assert exported[1][7] == "shortlisted"
    with page.expect_download() as download:
        page.locator("a[href$='shortlist.xlsx']").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet["A1"].value == "rank" and sheet["H2"].value == "shortlisted"

    # On a phone the page reflows: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    check_a11y(page)
    screenshot(page, "workspace-agency-lead-phone")
    assert unexpected_errors(page) == []
