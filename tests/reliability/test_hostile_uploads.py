"""Hostile lead uploads through the agency's web form and the API (both run as jobs): each bad
file is refused with its errors listed (a bounded page that gives the count) and the database is
unchanged (a full export and every lead compared before and after). Typed text (<script> in a
solution's Korean description, a need's or lead's title, an organisation's name) is shown
escaped on every page that shows it and in every export."""

import csv
import io
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import resolve
from openpyxl import load_workbook
from rest_framework.test import APIClient

from catalogue.exchange import dump_document, export_document
from jobs.models import Job
from jobs.worker import run_worker
from matching import services as matching_services
from matching.imports import CSV_COLUMNS
from matching.models import Lead, Match, Need, Registration
from search import indexing
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
    UserFactory,
)
from tests.reliability.test_page_matrix import DEV_MEDIA, EXPORTS
from tests.reliability.test_page_matrix import EXPECTED as PAGES


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English messages (Korean is the default language)."""
    settings.LANGUAGE_CODE = "en"


def _csv(*rows: dict, bom: bool = False, encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({"country": "VN", "title_en": "Parking sensors", **row})
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding)


def _ocds(n: int = 2) -> bytes:
    releases = [
        {"ocid": f"ocds-213czf-{i}", "tender": {"title": f"Flood sensors {i}"},
         "buyer": {"name": "City"}, "parties": [{"id": "b", "roles": ["buyer"],
                                                  "address": {"countryName": "Vietnam"}}]}
        for i in range(n)
    ]  # fmt: skip
    return json.dumps({"releases": releases}).encode()


HOSTILE = {
    "csv-latin1-not-utf8": ("csv", _csv({"title_en": "Caf\xe9 parking"}, encoding="latin-1")),
    "csv-binary": ("csv", bytes(range(256)) * 8),
    "csv-truncated-quote": ("csv", _csv({"id": "x-1"})[:-1] + b'"unterminated'),
    "csv-duplicated-ids": ("csv", _csv({"id": "dup-1"}, {"id": "x-2"}, {"id": "dup-1"})),
    "csv-10000-bad-rows": ("csv", _csv(*({"id": f"bad-{i}", "budget_max": "lots",
                                          "budget_currency": "USD"} for i in range(10_000)))),
    "csv-empty": ("csv", b""),
    "ocds-truncated": ("ocds", _ocds()[:-40]),
    "ocds-cut-in-korean": ("ocds", '{"releases": [{"ocid": "ocds-1", "tender": {"title": "침'
                           .encode()[:-1]),
    "ocds-cp949": ("ocds", json.dumps({"releases": [{"ocid": "ocds-213czf-1", "tender": {
        "title": "침수 센서"}}]}, ensure_ascii=False).encode("cp949")),
    "ocds-not-a-package": ("ocds", b"[1, 2, 3]"),
    "exchange-duplicated-ids": ("exchange", json.dumps({"format": "smartcity-exchange/1",
        "leads": [{"id": "x-1", "source": "world-bank", "country": "KE", "title": {"en": t}}
                  for t in ("Street lighting", "Flood sensors")]}).encode()),
    "exchange-truncated": ("exchange", b'{"format": "smartcity-exchange/1", "leads": [{"id": '),
}  # fmt: skip


@pytest.fixture
def agency(db):
    """An agency with one lead of its own, and a catalogue to match against."""
    user = UserFactory(organisation=OrganisationFactory(kind="agency"), is_org_admin=True)
    vendor = OrganisationFactory(kind="vendor")
    solution = SolutionFactory(vendor=vendor, status="published")
    CertificationFactory(solution=solution)
    KpiFactory(pilot=PilotFactory(solution=solution))
    Lead.objects.create(
        organisation=user.organisation, created_by=user, country="VN", exchange_id="dup-1",
        title_en="The lead before",
    )  # fmt: skip
    return user


def _snapshot() -> tuple:
    """Everything an upload could change: a full export, every lead and match."""
    leads = sorted(map(repr, Lead.objects.order_by("pk").values()))
    matches = sorted(map(repr, Match.objects.order_by("pk").values()))
    return dump_document(export_document(include_unpublished=True)), leads, matches


def _run_jobs():
    """Hand over the on-commit enqueues (the test never commits) and run every queued job."""
    while connection.run_on_commit:
        _, callback, _ = connection.run_on_commit.pop(0)
        callback()
    run_worker(burst=True, interval=0)


def _upload(user, channel: str, fmt: str, data: bytes) -> Job:
    upload = SimpleUploadedFile(f"leads.{'csv' if fmt == 'csv' else 'json'}", data)
    # a refused file may also be stopped by the form; the database must not change either way
    if channel == "web":
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # a KR organisation's user chose it
        response = client.post("/workspace/agency/upload/", {"format": fmt, "file": upload})
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 400:  # refused by the form itself, with the reason
            assert "file" in response.content.decode()
            return None
    else:
        client = APIClient()
        client.force_authenticate(user)
        response = client.post("/api/v1/leads/import/", {"format": fmt, "file": upload})
        assert response.status_code in (202, 400), response.content[:300]
        if response.status_code == 400:
            assert response.json()["errors"], response.json()
            return None
    _run_jobs()
    return Job.objects.filter(started_by=user).latest("pk")


# the 10,000-row file goes through the web form once (test_ten_thousand_bad_rows_...)
@pytest.mark.parametrize("channel", ["web", "api"])
@pytest.mark.parametrize("name", sorted(set(HOSTILE) - {"csv-10000-bad-rows"}))
def test_hostile_lead_upload_is_refused_with_its_errors_and_changes_nothing(agency, name, channel):
    fmt, data = HOSTILE[name]
    before = _snapshot()
    job = _upload(agency, channel, fmt, data)
    assert _snapshot() == before, f"{name} via {channel} changed the database"
    if job is None:
        return
    assert job.status == Job.Status.FAILED, (name, job.status, job.result)
    assert "nothing was stored" in job.error and job.result["errors"], (name, job.error)
    client = Client()
    client.force_login(agency)
    page = client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    first_place = next(iter(job.result["errors"]))
    assert first_place in body, (name, first_place)
    api = APIClient()
    api.force_authenticate(agency)
    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["status"] == "failed"


def test_duplicated_ids_in_a_csv_are_named_row_by_row(agency):
    job = _upload(agency, "api", "csv", HOSTILE["csv-duplicated-ids"][1])
    assert job.result["errors"] == {"row 4, column id": ["same id as row 2"]}
    assert Lead.objects.get(exchange_id="dup-1").title_en == "The lead before"


def test_ten_thousand_bad_rows_give_a_bounded_page_with_the_count(agency):
    before = _snapshot()
    job = _upload(agency, "web", "csv", HOSTILE["csv-10000-bad-rows"][1])
    assert job.status == Job.Status.FAILED and _snapshot() == before
    assert job.error.startswith("10000 problem(s)"), job.error
    client = Client()
    client.force_login(agency)
    body = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "10000 problem(s)" in body
    assert body.count("<li><strong>row ") == 200
    assert "… +9800" in body
    assert len(body) < 100_000


@pytest.mark.parametrize("channel", ["web", "api"])
def test_utf8_bom_cp949_korean_and_formulas_are_read_as_text(agency, channel):
    formula = '=HYPERLINK("http://evil.example","x")'
    rows = [
        {"id": "ok-1", "title_en": formula, "buyer": "@SUM(A1)", "city": "+1"},
        {"id": "ok-2", "title_ko": "스마트 주차 안내", "title_en": ""},
    ]
    job = _upload(agency, channel, "csv", _csv(*rows, bom=True))
    assert job.status == Job.Status.DONE, (job.error, job.result)
    lead = Lead.objects.get(exchange_id="ok-1")
    assert (lead.title_en, lead.buyer, lead.city) == (formula, "@SUM(A1)", "+1")
    assert Lead.objects.get(exchange_id="ok-2").title_ko == "스마트 주차 안내"
    warned = " ".join(w for w, _r in job.result["warnings"])
    assert "row 2, column title_en" in warned
    korean = _csv({"id": "kr-1", "title_ko": "침수 경보 센서", "title_en": ""}, encoding="cp949")
    job = _upload(agency, channel, "csv", korean)
    assert job.status == Job.Status.DONE, job.error
    assert Lead.objects.get(exchange_id="kr-1").title_ko == "침수 경보 센서"
    assert any("CP949" in reason for _w, reason in job.result["warnings"])


def test_csv_exports_neutralise_formulas_in_every_text_cell(agency):
    vendor = OrganisationFactory(kind="vendor", name_en="=cmd|'/C calc'!A0", name_ko="")
    SolutionFactory(
        vendor=vendor, status="published", name_en="\t=1+1", name_ko="\r@SUM(A1)",
        summary_en="Parking sensors", category="mobility",
    )  # fmt: skip
    indexing.rebuild()
    lead = Lead.objects.create(
        organisation=agency.organisation, created_by=agency, country="VN", category="mobility",
        title_en="-2+3 Parking sensors", description_en="Parking sensors guidance",
    )  # fmt: skip
    matching_services.lead_match(lead=lead)
    client = Client()
    client.force_login(agency)
    body = client.get(f"/workspace/agency/leads/{lead.pk}/shortlist.csv").content
    cells = [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]
    assert len(cells) > 10
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), repr(cell)
    assert "'=cmd|'/C calc'!A0" in cells
    book = load_workbook(
        io.BytesIO(client.get(f"/workspace/agency/leads/{lead.pk}/shortlist.xlsx").content)
    )
    for row in book.active.iter_rows(values_only=True):
        for value in row:
            assert not (isinstance(value, str) and value.startswith(("=", "+", "@", "\t"))), value


# --- typed text is shown escaped everywhere ----------------------------------------------------

SCRIPT = '<script>alert("MARKxss")</script>'
RAW = ("<script>alert", "<img src=x")  # a live tag; "onerror=" after "&lt;img" is text


@pytest.fixture
def scripted(db, settings):
    """Every text people type holds a script: solution (Korean description and names), need
    title, lead title, organisation names; a registration ties them together."""
    settings.LANGUAGE_CODE = "ko"
    img = "<img src=x onerror=alert(1)>"
    vendor = OrganisationFactory(kind="vendor", name_ko=f"업체 {SCRIPT}", name_en=f"V {img}")
    owner = UserFactory(organisation=vendor, is_org_admin=True)
    solution = SolutionFactory(
        vendor=vendor, status="published", category="mobility",
        name_ko=f"주차 안내 {SCRIPT}", name_en=f"Parking guidance {img}",
        summary_ko=f"빈 주차면 안내 {SCRIPT}", summary_en=f"Parking sensors {SCRIPT}",
        description_ko=f"실시간 주차 센서 {SCRIPT} 설명 {img}",
    )  # fmt: skip
    cert = CertificationFactory(solution=solution, number=f"GS {SCRIPT}")
    kpi = KpiFactory(pilot=PilotFactory(solution=solution, city=f"군 {SCRIPT}"), indicator=SCRIPT)
    indexing.rebuild()
    buyer_org = OrganisationFactory(
        kind="municipality", tier="county", population=30000, name_ko=f"군청 {SCRIPT}"
    )
    buyer = UserFactory(organisation=buyer_org, is_org_admin=True)
    need = Need.objects.create(
        organisation=buyer_org, created_by=buyer, category="mobility", status="published",
        title_ko=f"주차 안내 {SCRIPT}", title_en=f"Parking guidance {SCRIPT}",
        description_ko=f"주차 센서 {SCRIPT}", buyer_name=f"군청 {SCRIPT}",
    )  # fmt: skip
    agency_org = OrganisationFactory(kind="agency", name_ko=f"기관 {SCRIPT}")
    agency = UserFactory(organisation=agency_org, is_org_admin=True)
    lead = Lead.objects.create(
        organisation=agency_org, created_by=agency, country="VN", category="mobility",
        title_en=f"Parking guidance {SCRIPT}", title_ko=f"주차 안내 {SCRIPT}",
        buyer=f"City {SCRIPT}", city=f"Hue {SCRIPT}", description_en="Parking sensors",
    )  # fmt: skip
    matching_services.need_match(need=need)
    matching_services.lead_match(lead=lead)
    match = Match.objects.get(need=need, solution=solution)
    Match.objects.filter(pk=match.pk).update(status="shortlisted")
    registration = Registration.objects.create(
        match=match, solution=solution, organisation=buyer_org, channel="pps",
        note=f"메모 {SCRIPT}", created_by=buyer,
    )  # fmt: skip
    lead_match = Match.objects.get(lead=lead, solution=solution)
    job = Job.objects.create(
        kind="leads_csv_import", started_by=agency, input_name=f"{SCRIPT}.csv", status="failed",
        error=f"1 problem(s) in the input, nothing was stored; first: {SCRIPT}",
        result={"errors": {f"row 2 {SCRIPT}": [SCRIPT]}},
    )  # fmt: skip
    operator = UserFactory(organisation=OrganisationFactory(kind="operator"))
    pending = OrganisationFactory(kind="vendor", status="pending", name_en=f"P {SCRIPT}")
    own = f"/workspace/vendor/solutions/{solution.pk}/"
    pages = {
        None: ["/", f"/solutions/{solution.pk}/", "/search/?q=주차", f"/compare/?ids={solution.pk}",
               "/dashboard/"],
        owner: ["/workspace/vendor/", f"/workspace/vendor/solutions/{solution.pk}/",
                f"/workspace/vendor/solutions/{solution.pk}/edit/", "/organisation/",
                f"/api/v1/registrations/{registration.pk}/dossier.html",
                f"/workspace/vendor/needs/{need.pk}/", f"/workspace/vendor/leads/{lead.pk}/",
                f"{own}certifications/{cert.pk}/edit/", f"{own}pilots/{kpi.pilot_id}/edit/",
                f"{own}pilots/{kpi.pilot_id}/kpis/{kpi.pk}/edit/"],
        buyer: ["/workspace/buyer/", f"/workspace/buyer/needs/{need.pk}/",
                f"/workspace/buyer/needs/{need.pk}/edit/",
                f"/workspace/registrations/{registration.pk}/",
                f"/api/v1/registrations/{registration.pk}/dossier.html"],
        agency: ["/workspace/agency/", f"/workspace/agency/leads/{lead.pk}/", f"/jobs/{job.pk}/",
                 f"/workspace/agency/leads/{lead.pk}/?all=1"],
        operator: ["/workspace/review/", f"/workspace/review/solutions/{solution.pk}/"],
    }  # fmt: skip
    assert cert and lead_match and pending
    return pages, {"lead": lead, "agency": agency, "registration": registration, "buyer": buyer}


def test_script_typed_anywhere_renders_as_text_on_every_page(scripted):
    pages, _ = scripted
    escaped = 0
    for user, urls in pages.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            body = response.content.decode()
            for raw in RAW:
                assert raw not in body, f"{url} has a live {raw!r}"
            if url not in ("/", "/dashboard/"):  # these show no typed text at all
                assert "&lt;script&gt;alert(" in body, f"{url} should show the typed text"
            escaped += 1
    assert escaped == sum(len(urls) for urls in pages.values())


# GET pages that show no typed text (files, forms for new objects, documentation, health)
NO_TYPED_TEXT = {
    "healthz", "api/schema/", "api/docs/", "workspace/agency/leads-template.csv",
    "workspace/vendor/solutions/new/", "workspace/buyer/needs/new/", "invitations/<str:token>/",
    "workspace/evidence/<int:certification_id>/", DEV_MEDIA,
    "workspace/agency/leads/<int:lead_id>/shortlist.csv",  # exports: checked below
    "workspace/agency/leads/<int:lead_id>/shortlist.xlsx",
    "api/v1/registrations/<int:pk>/dossier.json",
}  # fmt: skip


def test_every_page_that_can_show_typed_text_is_checked_for_scripts(scripted):
    """A new page (in the URL configuration and the page matrix) must join the list above."""
    pages, _ = scripted
    visited = set()
    for url in (url.split("?")[0] for urls in pages.values() for url in urls):
        match = resolve(url)
        visited.add(match.route.replace("<str:fmt>", match.kwargs.get("fmt", "")))
    shown = {
        route for route, (_rule, _who, methods) in {**PAGES, **EXPORTS}.items() if "get" in methods
    }  # fmt: skip
    assert shown - NO_TYPED_TEXT - visited == set(), "add these pages to the scripted fixture"


def test_script_typed_anywhere_stays_inert_in_every_export(scripted):
    _pages, objects = scripted
    lead, agency, registration = objects["lead"], objects["agency"], objects["registration"]
    client = Client()
    client.force_login(agency)
    body = client.get(f"/workspace/agency/leads/{lead.pk}/shortlist.csv").content.decode()
    cells = [c for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for c in row]
    assert any(SCRIPT in c for c in cells)  # CSV is data: kept, never a formula
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    book = load_workbook(
        io.BytesIO(client.get(f"/workspace/agency/leads/{lead.pk}/shortlist.xlsx").content)
    )
    assert any(SCRIPT in str(v) for row in book.active.iter_rows(values_only=True) for v in row)
    api = APIClient()
    api.force_authenticate(objects["buyer"])
    dossier = api.get(f"/api/v1/registrations/{registration.pk}/dossier.json")
    assert dossier["Content-Type"].startswith("application/json")
    assert "<script>alert(" in json.dumps(dossier.json(), ensure_ascii=False)  # JSON is data
    document = dump_document(export_document())
    assert SCRIPT in json.loads(document)["solutions"][0]["description"]["ko"]


def test_duplicated_ids_in_an_exchange_upload_are_named(agency):
    job = _upload(agency, "api", "exchange", HOSTILE["exchange-duplicated-ids"][1])
    assert job.result["errors"] == {"leads[1].id": ["duplicated id 'x-1' (first at leads[0])"]}


def test_an_ocds_package_repeating_an_ocid_keeps_the_later_release_with_a_warning(agency):
    """Not an error in OCDS: a package may carry several releases of one contracting process."""
    releases = json.loads(_ocds(2))["releases"]
    releases[1]["ocid"] = releases[0]["ocid"]
    job = _upload(agency, "api", "ocds", json.dumps({"releases": releases}).encode())
    assert job.status == Job.Status.DONE, job.error
    assert Lead.objects.get(exchange_id=releases[0]["ocid"]).title_en == "Flood sensors 1"
    assert job.result["warnings"] == [
        ["releases[1]", "same ocid as releases[0]: the later one is kept"]
    ]
