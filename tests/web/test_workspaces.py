"""The workspaces' web pages through Django's test client: forms, permissions, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from catalogue.models import Certification, Kpi, Organisation, Pilot, Solution, Verification
from catalogue.services import solutions as solution_services
from jobs.models import Job
from matching import services as matching_services
from matching.models import Lead, Match, Need
from search.backends import reset_backend
from search.indexing import iter_documents
from tests.catalogue import image_zoo
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _index_dir(settings, tmp_path):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    settings.SEARCH_BACKEND = "search.backends.tantivy.TantivyBackend"
    reset_backend()
    yield
    reset_backend()


@pytest.fixture
def web():
    """``web(user)``: a browser-like client signed in as ``user`` (anonymous for None)."""

    def make(user=None, *, csrf=False, language="en"):
        client = Client(enforce_csrf_checks=csrf)
        # English unless a test asks for Korean, so assertions do not depend on the catalogue.
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        if user is not None:
            client.force_login(user)
        return client

    return make


def _reindex():
    from search.backends import get_backend

    get_backend().rebuild(iter_documents())


def _published(vendor=None, **fields) -> Solution:
    solution = SolutionFactory(
        status=Solution.Status.PUBLISHED,
        published_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        **({"vendor": vendor} if vendor else {}),
        **fields,
    )
    return solution


def _certification_with_evidence(vendor_user, solution):
    """A GS certification of ``solution`` with a PDF evidence file, as its vendor adds it."""
    evidence = SimpleUploadedFile("e.pdf", image_zoo.pdf_document(), "application/pdf")
    return solution_services.certification_create(
        user=vendor_user, solution=solution, data={"type": "gs", "evidence": evidence}
    )


def _text(response) -> str:
    return response.content.decode()


def _field_errors(response, field: str) -> str:
    """The error list Django renders next to ``field`` (id_<field>_error), as text."""
    html = _text(response)
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


SOLUTION_POST = {
    "name_ko": "스마트 가로등 제어",
    "name_en": "Smart streetlight control",
    "summary_ko": "가로등 밝기를 자동으로 조절합니다.",
    "summary_en": "Dims streetlights when nobody is around.",
    "category": "energy",
    "tags": "lighting, dimming;  iot",
    "standards": "NGSI-LD",
    "deployment": ["cloud", "edge"],
    "price_min": "1000000",
    "price_max": "5000000",
    "currency": "krw",
    "pricing_model": "project",
    "languages": ["ko", "en"],
    "trl": "8",
    "reference_countries": "kr, vn",
}


# --- access -------------------------------------------------------------------------------

WORKSPACES = {
    "vendor": reverse("catalogue:vendor"),
    "municipality": reverse("matching:buyer"),
    "agency": reverse("matching:agency"),
    "operator": reverse("catalogue:review"),
}


@pytest.mark.parametrize("url", WORKSPACES.values())
def test_anonymous_visitor_is_sent_to_sign_in(web, db, url):
    response = web().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("kind", WORKSPACES)
def test_each_workspace_is_only_for_its_role(web, db, kind):
    for other_kind, url in WORKSPACES.items():
        user = UserFactory(organisation=OrganisationFactory(kind=kind))
        response = web(user).get(url)
        assert response.status_code == (200 if other_kind == kind else 403), (kind, url)


def test_vendor_cannot_open_another_vendors_solution(web, vendor_user, other_vendor_user):
    draft = SolutionFactory(vendor=other_vendor_user.organisation)
    published = _published(vendor=other_vendor_user.organisation)
    client = web(vendor_user)
    for solution in (draft, published):
        for name in ("vendor-solution", "vendor-solution-edit"):
            assert client.get(reverse(f"catalogue:{name}", args=[solution.pk])).status_code == 404
        response = client.post(
            reverse("catalogue:vendor-solution-edit", args=[solution.pk]), SOLUTION_POST
        )
        assert response.status_code == 404
    listing = _text(client.get(reverse("catalogue:vendor")))
    assert draft.name_ko not in listing and published.name_ko not in listing


def test_municipality_cannot_open_another_municipalitys_need(web, municipality_user):
    other = UserFactory(organisation=OrganisationFactory(kind="municipality", tier="city"))
    draft = matching_services.need_create(
        user=other, data={"title_ko": "비공개 수요", "category": "safety"}
    )
    published = Need.objects.create(
        organisation=other.organisation, title_en="Open need", category="safety", status="published"
    )
    client = web(municipality_user)
    for need in (draft, published):
        for name in ("buyer-need", "buyer-need-edit"):
            assert client.get(reverse(f"matching:{name}", args=[need.pk])).status_code == 404
        assert (
            client.post(reverse("matching:buyer-need-publish", args=[need.pk])).status_code == 404
        )
    assert "비공개 수요" not in _text(client.get(reverse("matching:buyer")))


def test_agency_cannot_open_another_agencys_lead(web, agency_user):
    other_agency = OrganisationFactory(kind="agency")
    lead = Lead.objects.create(organisation=other_agency, country="VN", title_en="Their lead")
    response = web(agency_user).get(reverse("matching:agency-lead", args=[lead.pk]))
    assert response.status_code == 404
    assert "Their lead" not in _text(web(agency_user).get(reverse("matching:agency")))


def test_forms_refuse_posts_without_csrf_token(web, vendor_user):
    response = web(vendor_user, csrf=True).post(
        reverse("catalogue:vendor-solution-new"), SOLUTION_POST
    )
    assert response.status_code == 403
    assert not Solution.objects.exists()


# --- vendor -------------------------------------------------------------------------------


def test_vendor_creates_a_solution_with_every_field(web, vendor_user):
    response = web(vendor_user).post(reverse("catalogue:vendor-solution-new"), SOLUTION_POST)
    solution = Solution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("catalogue:vendor-solution", args=[solution.pk])
    assert solution.vendor == vendor_user.organisation
    assert solution.status == Solution.Status.DRAFT
    assert solution.tags == ["lighting", "dimming", "iot"]
    assert solution.deployment == ["cloud", "edge"]
    assert solution.reference_countries == ["KR", "VN"]
    assert solution.currency == "KRW" and solution.trl == 8


def test_solution_form_shows_errors_next_to_fields_and_keeps_input(web, vendor_user):
    data = {
        **SOLUTION_POST,
        "name_ko": "",
        "name_en": "",
        "price_min": "9000000",
        "reference_countries": "Korea",
    }
    response = web(vendor_user).post(reverse("catalogue:vendor-solution-new"), data)
    assert response.status_code == 400
    assert not Solution.objects.exists()
    assert "Korean" in _field_errors(response, "name_en")
    assert "lowest price" in _field_errors(response, "price_max")
    assert "ISO 3166-1" in _field_errors(response, "reference_countries")
    html = _text(response)
    assert 'value="Korea"' in html
    assert "가로등 밝기를 자동으로 조절합니다." in html


def test_solution_form_errors_are_korean_on_korean_pages(web, vendor_user):
    data = {**SOLUTION_POST, "price_min": "9000000", "reference_countries": "KR, KOR"}
    response = web(vendor_user, language="ko").post(reverse("catalogue:vendor-solution-new"), data)
    assert response.status_code == 400
    assert "최저 가격보다 낮을 수 없습니다." in _field_errors(response, "price_max")
    assert "2번째 항목: “KOR”" in _field_errors(response, "reference_countries")


def test_imported_review_history_is_shown_in_the_readers_language(web, vendor_user):
    from catalogue.models import ReviewEvent

    solution = SolutionFactory(vendor=vendor_user.organisation)
    ReviewEvent.objects.create(
        solution=solution, action=ReviewEvent.Action.PUBLISH, reason=ReviewEvent.IMPORTED_REASON
    )
    url = reverse("catalogue:vendor-solution", args=[solution.pk])
    korean = _text(web(vendor_user, language="ko").get(url))
    assert "smartcity-exchange/1 파일에서 가져왔습니다." in korean
    assert "Imported from" not in korean
    assert "Imported from smartcity-exchange/1." in _text(web(vendor_user).get(url))


def test_vendor_edits_a_solution_and_a_stale_version_is_refused(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    client = web(vendor_user)
    page = _text(client.get(reverse("catalogue:vendor-solution-edit", args=[solution.pk])))
    assert solution.name_ko in page
    url = reverse("catalogue:vendor-solution-edit", args=[solution.pk])
    response = client.post(url, {**SOLUTION_POST, "version": solution.version})
    assert response.status_code == 302
    solution.refresh_from_db()
    assert solution.name_en == "Smart streetlight control" and solution.version == 2
    stale = client.post(url, {**SOLUTION_POST, "name_en": "Lost edit", "version": 1})
    assert stale.status_code == 400
    assert "stale" in _text(stale)
    solution.refresh_from_db()
    assert solution.name_en == "Smart streetlight control"
    # nothing typed is lost: the form keeps it, on the current version, naming what it replaces
    form = stale.context["form"]
    assert form["name_en"].value() == "Lost edit" and form["version"].value() == "2"
    assert "replaces what is saved now in: Name (English)." in _text(stale)  # that field only
    korean = web(vendor_user, language="ko").post(
        url, {**SOLUTION_POST, "name_en": "Lost edit", "version": 1}
    )
    assert "다시 저장하면 지금 저장된 다음 항목을 바꿉니다: 이름(영어)." in _text(korean)
    again = client.post(url, {**SOLUTION_POST, "name_en": "Lost edit", "version": 2})
    assert again.status_code == 302
    solution.refresh_from_db()
    assert solution.name_en == "Lost edit" and solution.version == 3


def test_vendor_uploads_an_image_and_sees_its_thumbnail(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    client = web(vendor_user, language="ko")
    upload = SimpleUploadedFile("street.png", image_zoo.plain_png(), content_type="image/png")
    response = client.post(
        reverse("catalogue:vendor-image-add", args=[solution.pk]),
        {"image": upload, "alt_en": "A lamp post", "alt_ko": "가로등"},
    )
    assert response.status_code == 302
    image = solution.images.get()
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    assert image.thumbnail.url in page and 'alt="가로등"' in page


def test_refused_image_shows_the_validators_reason_next_to_the_field(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    upload = SimpleUploadedFile("doc.png", image_zoo.pdf_document(), content_type="image/png")
    response = web(vendor_user).post(
        reverse("catalogue:vendor-image-add", args=[solution.pk]),
        {"image": upload, "alt_en": "typed alt text"},
    )
    assert response.status_code == 400
    assert "PDF" in _field_errors(response, "image")
    assert "doc.png" in _text(response) and "was not saved" in _text(response)
    assert 'value="typed alt text"' in _text(response)
    assert not solution.images.exists()


def test_vendor_adds_a_certification_with_evidence(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    evidence = SimpleUploadedFile("gs.pdf", image_zoo.pdf_document(), "application/pdf")
    client = web(vendor_user)
    response = client.post(
        reverse("catalogue:vendor-certification-add", args=[solution.pk]),
        {
            "type": "gs",
            "number": "GS-26-0001",
            "issuer": "TTA",
            "valid_from": "2026-01-01",
            "valid_until": "2028-12-31",
            "evidence": evidence,
        },
    )
    assert response.status_code == 302
    cert = Certification.objects.get(solution=solution)
    assert cert.verification == Verification.PENDING
    assert cert.evidence.name.endswith(".pdf") and "gs" not in cert.evidence.name.split("/")[-1]
    evidence_url = reverse("catalogue:evidence", args=[cert.pk])
    assert evidence_url in _text(
        client.get(reverse("catalogue:vendor-solution", args=[solution.pk]))
    )
    assert client.get(evidence_url).status_code == 200


def test_certification_errors_say_the_evidence_was_not_saved(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    evidence = SimpleUploadedFile("gs.pdf", image_zoo.pdf_document(), "application/pdf")
    response = web(vendor_user).post(
        reverse("catalogue:vendor-certification-add", args=[solution.pk]),
        {
            "type": "gs",
            "number": "GS-1",
            "valid_from": "2028-01-01",
            "valid_until": "2026-01-01",
            "evidence": evidence,
        },
    )
    assert response.status_code == 400
    assert _field_errors(response, "valid_until")
    assert "gs.pdf" in _text(response) and "choose it again" in _text(response)
    assert 'value="GS-1"' in _text(response)
    assert not Certification.objects.exists()


def test_evidence_that_is_not_a_pdf_or_image_is_refused_next_to_the_field(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    evidence = SimpleUploadedFile("cert.pdf", image_zoo.html_document(), "application/pdf")
    response = web(vendor_user).post(
        reverse("catalogue:vendor-certification-add", args=[solution.pk]),
        {"type": "gs", "evidence": evidence},
    )
    assert response.status_code == 400
    assert "PDF document" in _field_errors(response, "evidence")
    assert not Certification.objects.exists()


def test_evidence_file_is_only_for_its_vendor_and_the_operator(
    web, vendor_user, other_vendor_user, operator_user
):
    solution = _published(vendor=vendor_user.organisation)
    cert = _certification_with_evidence(vendor_user, solution)
    url = reverse("catalogue:evidence", args=[cert.pk])
    assert web(vendor_user).get(url).status_code == 200
    assert web(operator_user).get(url).status_code == 200
    assert web(other_vendor_user).get(url).status_code == 403
    assert web().get(url).status_code == 302


def test_vendor_adds_a_pilot_and_a_kpi(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    client = web(vendor_user)
    response = client.post(
        reverse("catalogue:vendor-pilot-add", args=[solution.pk]),
        {"city": "Suncheon", "country": "kr", "tier": "city", "start": "2025-01-01"},
    )
    assert response.status_code == 302
    pilot = Pilot.objects.get(solution=solution)
    assert pilot.country == "KR"
    prefix = f"kpi{pilot.pk}"
    response = client.post(
        reverse("catalogue:vendor-kpi-add", args=[solution.pk, pilot.pk]),
        {
            f"{prefix}-indicator": "energy use",
            f"{prefix}-baseline": "100",
            f"{prefix}-result": "60",
            f"{prefix}-unit": "MWh",
            f"{prefix}-better": "lower",
        },
    )
    assert response.status_code == 302
    assert Kpi.objects.get(pilot=pilot).improvement == pytest.approx(0.4)
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    assert "energy use" in page and "40 %" in page


def test_wide_workspace_tables_scroll_inside_their_own_box(web, vendor_user):
    """On a phone a wide table scrolls by itself instead of widening the page."""
    solution = SolutionFactory(vendor=vendor_user.organisation)
    KpiFactory(pilot=PilotFactory(solution=solution))
    client = web(vendor_user)
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    assert re.search(
        r'<div class="table-scroll"[^>]*>\s*<table>\s*<thead><tr><th scope="col">Indicator', page
    )

    UserFactory(organisation=vendor_user.organisation, email="a.very.long.address@example.org")
    page = _text(client.get(reverse("catalogue:organisation")))
    assert re.search(
        r'<div class="table-scroll"[^>]*>\s*<table aria-labelledby="members-heading"', page
    )
    # the buttons say what they do; the address is only read out, not drawn in each button
    assert (
        'Make admin<span class="visually-hidden">: a.very.long.address@example.org</span>' in page
    )


def test_pilot_and_kpi_errors_stay_next_to_their_fields(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    pilot = PilotFactory(solution=solution)
    client = web(vendor_user)
    response = client.post(
        reverse("catalogue:vendor-pilot-add", args=[solution.pk]),
        {"city": "Suncheon", "country": "Korea"},
    )
    assert response.status_code == 400
    assert _field_errors(response, "country")
    prefix = f"kpi{pilot.pk}"
    response = client.post(
        reverse("catalogue:vendor-kpi-add", args=[solution.pk, pilot.pk]),
        {f"{prefix}-indicator": "waiting time", f"{prefix}-baseline": "ten"},
    )
    assert response.status_code == 400
    assert _field_errors(response, f"{prefix}-baseline")
    assert _field_errors(response, f"{prefix}-result")
    assert 'value="waiting time"' in _text(response)
    assert not Kpi.objects.filter(pilot=pilot).exists()


def test_vendor_submits_a_draft_for_review(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    response = web(vendor_user).post(
        reverse("catalogue:vendor-solution-submit", args=[solution.pk])
    )
    assert response.status_code == 302
    solution.refresh_from_db()
    assert solution.status == Solution.Status.SUBMITTED


def test_pending_vendor_cannot_submit_and_is_told_why(web, db):
    user = UserFactory(organisation=OrganisationFactory(kind="vendor", status="pending"))
    solution = SolutionFactory(vendor=user.organisation)
    client = web(user)
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    assert "waiting for approval" in page
    response = client.post(
        reverse("catalogue:vendor-solution-submit", args=[solution.pk]), follow=True
    )
    assert "waiting for approval" in _text(response)
    solution.refresh_from_db()
    assert solution.status == Solution.Status.DRAFT


def test_vendor_sees_the_operators_feedback_in_the_list(web, vendor_user, operator_user):
    solution = SolutionFactory(vendor=vendor_user.organisation, status="submitted")
    solution_services.solution_send_back(
        user=operator_user, solution=solution, reason="Add the GS certificate scan."
    )
    page = _text(web(vendor_user).get(reverse("catalogue:vendor")))
    assert "Add the GS certificate scan." in page


def test_vendor_sees_matching_needs_with_explanations(web, vendor_user, municipality_user):
    solution = _published(vendor=vendor_user.organisation)
    _reindex()
    need = matching_services.need_create(
        user=municipality_user,
        data={"title_en": "Smart parking guidance", "category": "mobility"},
    )
    matching_services.need_publish(user=municipality_user, need=need)
    page = _text(web(vendor_user).get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    match = Match.objects.get(need=need, solution=solution)
    assert "Smart parking guidance" in page
    assert match.explanation_en in page


def test_vendor_list_counts_each_solutions_open_needs_and_leads(
    web, vendor_user, municipality_user, agency_user
):
    solution = _published(vendor=vendor_user.organisation)
    unmatched = SolutionFactory(vendor=vendor_user.organisation, status="draft", name_en="Draft")
    _reindex()
    need = matching_services.need_create(
        user=municipality_user,
        data={"title_en": "Smart parking guidance", "category": "mobility"},
    )
    matching_services.need_publish(user=municipality_user, need=need)
    matching_services.lead_create(
        user=agency_user,
        data={"title_en": "Parking guidance for Hue", "country": "VN", "category": "mobility"},
    )
    closed = matching_services.lead_create(
        user=agency_user,
        data={"title_en": "Parking sensors for Da Nang", "country": "VN", "category": "mobility"},
    )
    Lead.objects.filter(pk=closed.pk).update(deadline=dt.date(2020, 1, 1))  # past: not open
    assert Match.objects.filter(solution=solution).count() == 3
    client = web(vendor_user)
    html = client.get(reverse("catalogue:vendor")).content.decode()
    link = reverse("catalogue:vendor-solution", args=[solution.pk]) + "#opportunities"
    assert f'<a href="{link}">2 open</a>' in html
    assert reverse("catalogue:vendor-solution", args=[unmatched.pk]) + "#opportunities" not in html
    korean = web(vendor_user, language="ko").get(reverse("catalogue:vendor")).content.decode()
    assert "진행 중 2건" in korean


def test_buyer_and_agency_lists_count_each_ones_candidates(
    web, vendor_user, municipality_user, agency_user
):
    parking = _published(vendor=vendor_user.organisation)
    _published(name_en="Parking occupancy sensors", name_ko="주차 점유 센서", category="mobility")
    _reindex()
    need = matching_services.need_create(
        user=municipality_user,
        data={
            "title_en": "Smart parking guidance",
            "category": "mobility",
            "required_certifications": ["iso-27001"],
        },
    )
    matching_services.need_publish(user=municipality_user, need=need)
    lead = matching_services.lead_create(
        user=agency_user,
        data={"title_en": "Parking guidance for Hue", "country": "VN", "category": "mobility"},
    )
    for target, user, url in (
        (need, municipality_user, reverse("matching:buyer")),
        (lead, agency_user, reverse("matching:agency")),
    ):
        matches = target.matches.all()
        shown, compliant = matches.count(), matches.filter(compliant=True).count()
        assert shown >= 1
        assert f"<td>{shown} ({compliant} meet the terms)</td>" in _text(web(user).get(url))
    assert need.matches.filter(compliant=True).count() == 0  # nobody holds ISO 27001 here
    # A solution that left the catalogue is no longer a candidate.
    assert lead.matches.filter(solution=parking).exists()
    before = lead.matches.count()
    solution_services.solution_archive(user=vendor_user, solution=parking)
    page = _text(web(agency_user).get(reverse("matching:agency")))
    assert f"<td>{before - 1} (" in page if before > 1 else "<td>—</td>" in page


def test_vendor_refreshes_opportunities(web, vendor_user, agency_user):
    solution = _published(vendor=vendor_user.organisation)
    _reindex()
    Lead.objects.create(
        organisation=agency_user.organisation,
        country="VN",
        title_en="Smart parking guidance for Hue",
        category="mobility",
    )
    client = web(vendor_user)
    response = client.post(
        reverse("catalogue:vendor-opportunities-refresh", args=[solution.pk]), follow=True
    )
    assert "Smart parking guidance for Hue" in _text(response)


# --- operator -----------------------------------------------------------------------------


def test_operator_sees_submitted_solutions_and_pending_evidence(web, operator_user):
    solution = SolutionFactory(status="submitted", name_ko="검토 대기 솔루션")
    cert = CertificationFactory(solution=solution)
    PilotFactory(solution=solution, city="Gangjin")
    page = _text(web(operator_user).get(reverse("catalogue:review")))
    assert "검토 대기 솔루션" in page
    assert reverse("catalogue:review-solution", args=[solution.pk]) in page
    assert f"certification-{cert.pk}" in page and "Gangjin" in page


def test_operator_publishes_a_submitted_solution(web, operator_user):
    solution = SolutionFactory(status="submitted")
    client = web(operator_user)
    assert client.get(reverse("catalogue:review-solution", args=[solution.pk])).status_code == 200
    response = client.post(reverse("catalogue:review-publish", args=[solution.pk]))
    assert response.status_code == 302
    solution.refresh_from_db()
    assert solution.status == Solution.Status.PUBLISHED


def test_send_back_needs_a_reason_next_to_the_field(web, operator_user):
    solution = SolutionFactory(status="submitted")
    client = web(operator_user)
    url = reverse("catalogue:review-send-back", args=[solution.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert _field_errors(response, "reason")
    response = client.post(url, {"reason": "Prices are missing."})
    assert response.status_code == 302
    solution.refresh_from_db()
    assert solution.status == Solution.Status.DRAFT
    assert solution.review_note == "Prices are missing."


def test_operator_verifies_and_rejects_evidence(web, operator_user):
    solution = SolutionFactory(status="submitted")
    cert = CertificationFactory(solution=solution)
    pilot = PilotFactory(solution=solution)
    KpiFactory(pilot=pilot)
    client = web(operator_user)
    key = f"certification-{cert.pk}"
    response = client.post(
        reverse("catalogue:review-certification", args=[cert.pk]), {f"{key}-decision": "verified"}
    )
    assert response.status_code == 302
    cert.refresh_from_db()
    assert cert.verification == Verification.VERIFIED
    key = f"pilot-{pilot.pk}"
    url = reverse("catalogue:review-pilot", args=[pilot.pk])
    response = client.post(url, {f"{key}-decision": "rejected", f"{key}-note": ""})
    assert response.status_code == 400
    assert _field_errors(response, f"{key}-note")
    response = client.post(url, {f"{key}-decision": "rejected", f"{key}-note": "No data."})
    assert response.status_code == 302
    pilot.refresh_from_db()
    assert pilot.verification == Verification.REJECTED and pilot.verification_note == "No data."


def test_review_form_does_not_override_a_decision_taken_meanwhile(web, operator_user):
    """Two operators on one review page: the form carries the status each one saw."""
    cert = CertificationFactory(solution=SolutionFactory(status="submitted"))
    key = f"certification-{cert.pk}"
    page = _text(
        web(operator_user).get(reverse("catalogue:review-solution", args=[cert.solution_id]))
    )
    assert f'name="{key}-expected" value="pending"' in page
    url = reverse("catalogue:review-certification", args=[cert.pk])
    first = {f"{key}-decision": "rejected", f"{key}-note": "Forged.", f"{key}-expected": "pending"}
    assert web(operator_user).post(url, first).status_code == 302
    late = {f"{key}-decision": "verified", f"{key}-expected": "pending"}
    response = web(operator_user).post(url, late)
    assert response.status_code == 400 and "rejected meanwhile" in _text(response)
    cert.refresh_from_db()
    assert cert.verification == Verification.REJECTED and cert.verification_note == "Forged."


def test_operator_approves_and_rejects_organisations(web, operator_user):
    waiting = OrganisationFactory(kind="vendor", status="pending", name_ko="대기 기업")
    other = OrganisationFactory(kind="agency", status="pending")
    client = web(operator_user)
    # an English page: the English name (the Korean one only where there is no English name)
    assert waiting.name_en in _text(client.get(reverse("catalogue:review")))
    url = reverse("catalogue:review-organisation", args=[waiting.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Organisation.Status.APPROVED
    url = reverse("catalogue:review-organisation", args=[other.pk])
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 400
    assert f'id="org-reason-{other.pk}-error"' in _text(response)
    response = client.post(url, {"decision": "reject", "reason": "Unknown agency."})
    other.refresh_from_db()
    assert other.status == Organisation.Status.REJECTED and other.status_reason == "Unknown agency."


# --- municipality ---------------------------------------------------------------------------

NEED_POST = {
    "title_ko": "스마트 주차 안내 시스템",
    "title_en": "Smart parking guidance",
    "description_en": "Guide drivers to free spaces in the market car parks.",
    "category": "mobility",
    "budget_max": "60000000",
    "budget_currency": "krw",
    "required_certifications": ["gs"],
    "deadline": "2030-06-30",
    "procurement_method": "negotiated",
}


def test_buyer_posts_a_need_as_a_private_draft(web, municipality_user, vendor_user):
    response = web(municipality_user).post(reverse("matching:buyer-need-new"), NEED_POST)
    need = Need.objects.get()
    assert response.status_code == 302
    assert need.organisation == municipality_user.organisation
    assert need.status == Need.Status.DRAFT
    assert need.budget_currency == "KRW" and need.required_certifications == ["gs"]


def test_need_form_errors_stay_next_to_fields(web, municipality_user):
    data = {**NEED_POST, "title_ko": "", "title_en": "", "budget_currency": "", "category": "x"}
    response = web(municipality_user).post(reverse("matching:buyer-need-new"), data)
    assert response.status_code == 400
    assert _field_errors(response, "title_ko")
    assert _field_errors(response, "budget_currency")
    assert _field_errors(response, "category")
    assert "Guide drivers to free spaces" in _text(response)
    assert not Need.objects.exists()


def test_buyer_edits_a_need(web, municipality_user):
    client = web(municipality_user)
    client.post(reverse("matching:buyer-need-new"), NEED_POST)
    need = Need.objects.get()
    url = reverse("matching:buyer-need-edit", args=[need.pk])
    assert "스마트 주차 안내 시스템" in _text(client.get(url))
    assert client.post(url, {**NEED_POST, "title_en": "Parking guidance"}).status_code == 302
    need.refresh_from_db()
    assert need.title_en == "Parking guidance"


def _published_need(client, vendor_user) -> tuple[Need, Solution]:
    solution = _published(vendor=vendor_user.organisation)
    CertificationFactory(solution=solution, type="gs", verification="verified")
    _reindex()
    client.post(reverse("matching:buyer-need-new"), NEED_POST)
    need = Need.objects.get()
    client.post(reverse("matching:buyer-need-publish", args=[need.pk]))
    return need, solution


def test_buyer_publishes_and_sees_the_explained_shortlist(web, municipality_user, vendor_user):
    client = web(municipality_user)
    need, solution = _published_need(client, vendor_user)
    need.refresh_from_db()
    assert need.status == Need.Status.PUBLISHED
    match = Match.objects.get(need=need, solution=solution)
    page = _text(client.get(reverse("matching:buyer-need", args=[need.pk])))
    assert solution.name_en in page
    assert match.explanation_en in page
    assert "How the score is made" in page
    assert f"ids={solution.pk}" in page


def test_score_breakdown_does_not_name_a_factor_the_score_ignores(
    web, municipality_user, vendor_user
):
    """Readiness weighs languages and countries (``scoring.readiness_fit``), not the TRL."""
    need, _ = _published_need(web(municipality_user), vendor_user)
    url = reverse("matching:buyer-need", args=[need.pk])
    page = _text(web(municipality_user).get(url))
    assert '<th scope="row">Readiness (languages, countries)</th>' in page
    page = _text(web(municipality_user, language="ko").get(url))
    assert '<th scope="row">준비도(언어, 국가)</th>' in page
    assert "TRL" not in page


def test_buyer_shortlists_and_declines_with_a_reason(web, municipality_user, vendor_user):
    client = web(municipality_user)
    need, solution = _published_need(client, vendor_user)
    match = Match.objects.get(need=need, solution=solution)
    url = reverse("matching:buyer-match-status", args=[match.pk])
    prefix = f"m{match.pk}"
    response = client.post(url, {f"{prefix}-status": "shortlisted"})
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.SHORTLISTED
    response = client.post(url, {f"{prefix}-status": "declined", f"{prefix}-reason": ""})
    assert response.status_code == 400
    assert _field_errors(response, f"{prefix}-reason")
    response = client.post(url, {f"{prefix}-status": "declined", f"{prefix}-reason": "Too dear."})
    match.refresh_from_db()
    assert match.status == Match.Status.DECLINED and match.decline_reason == "Too dear."


def test_a_decision_refused_because_the_match_moved_meanwhile_says_why(
    web, municipality_user, vendor_user
):
    client = web(municipality_user)
    need, solution = _published_need(client, vendor_user)
    match = Match.objects.get(need=need, solution=solution)
    url = reverse("matching:buyer-match-status", args=[match.pk])
    prefix = f"m{match.pk}"
    client.post(url, {f"{prefix}-status": "shortlisted"})
    # A colleague's page, still showing the match as suggested, shortlists it again.
    response = client.post(url, {f"{prefix}-status": "shortlisted"})
    assert response.status_code == 400
    assert "A Shortlisted match cannot become Shortlisted." in _text(response)


def test_buyer_cannot_decide_on_another_municipalitys_match(web, municipality_user, vendor_user):
    other = UserFactory(organisation=OrganisationFactory(kind="municipality", tier="city"))
    need, solution = _published_need(web(other), vendor_user)
    match = Match.objects.get(need=need, solution=solution)
    response = web(municipality_user).post(
        reverse("matching:buyer-match-status", args=[match.pk]),
        {f"m{match.pk}-status": "shortlisted"},
    )
    assert response.status_code == 404
    match.refresh_from_db()
    assert match.status == Match.Status.SUGGESTED


# --- export agency --------------------------------------------------------------------------

CSV_HEADER = (
    "id,source,url,country,city,buyer,title_en,title_ko,description_en,description_ko,"
    "category,budget_max,budget_currency,financing,required_certifications,deadline\n"
)


def test_agency_downloads_the_csv_template(web, agency_user):
    response = web(agency_user).get(reverse("matching:agency-template"))
    body = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert body.startswith("id,source,url,country")
    assert "attachment" in response["Content-Disposition"]


def _run_jobs():
    """Hand over the queued on-commit enqueues (the test never commits) and run every job."""
    from django.db import connection

    from jobs.worker import run_worker

    while connection.run_on_commit:
        _, callback, _ = connection.run_on_commit.pop(0)
        callback()
    run_worker(burst=True, interval=0)


def test_agency_uploads_a_csv_of_leads(web, agency_user):
    data = CSV_HEADER + (
        "t-1,kotra,,VN,Hue,Hue city,Smart parking guidance,,Parking sensors,,mobility,"
        "500000,USD,government,,2030-01-31\n"
        "t-2,adb,,PH,Cebu,,Flood warning sensors,,,,water,,,,,\n"
    )
    upload = SimpleUploadedFile("leads.csv", data.encode(), "text/csv")
    client = web(agency_user)
    response = client.post(reverse("matching:agency-upload"), {"format": "csv", "file": upload})
    assert response.status_code == 302 and re.search(r"/jobs/\d+/$", response["Location"])
    assert not Lead.objects.exists()  # the import runs as a job, not in the request
    _run_jobs()
    page = _text(client.get(response["Location"]))
    assert "Import report" in page and "2 new and 0 updated leads" in page
    assert set(Lead.objects.values_list("exchange_id", flat=True)) == {"t-1", "t-2"}
    assert all(lead.organisation == agency_user.organisation for lead in Lead.objects.all())
    page = _text(client.get(reverse("matching:agency")))
    assert "Smart parking guidance" in page and "Flood warning sensors" in page
    assert "leads.csv" in page  # the recent imports list links the job


def test_an_agency_waiting_for_approval_is_told_before_any_import_starts(web, db):
    user = UserFactory(organisation=OrganisationFactory(kind="agency", status="pending"))
    upload = SimpleUploadedFile("leads.csv", CSV_HEADER.encode(), "text/csv")
    response = web(user).post(reverse("matching:agency-upload"), {"format": "csv", "file": upload})
    assert response.status_code == 403 and "approval" in _text(response)
    assert not Job.objects.exists() and not Lead.objects.exists()


def test_a_buyer_waiting_for_approval_is_told_why_its_need_stays_a_draft(web, db):
    org = OrganisationFactory(kind="municipality", tier="county", population=9000, status="pending")
    user = UserFactory(organisation=org)
    need = Need.objects.create(organisation=org, title_en="Parking", category="mobility")
    response = web(user).post(reverse("matching:buyer-need-publish", args=[need.pk]), follow=True)
    assert "approval" in _text(response)
    need.refresh_from_db()
    assert need.status == Need.Status.DRAFT


def test_a_wrong_csv_imports_nothing_and_the_report_names_the_cell(web, agency_user):
    data = CSV_HEADER + "t-1,kotra,,VN,Hue,,Parking,,,,mobility,lots,USD,,,2030-13-01\n"
    upload = SimpleUploadedFile("leads.csv", data.encode(), "text/csv")
    client = web(agency_user)
    response = client.post(reverse("matching:agency-upload"), {"format": "csv", "file": upload})
    assert response.status_code == 302
    _run_jobs()
    page = _text(client.get(response["Location"]))
    assert "row 2, column budget_max" in page and "row 2, column deadline" in page
    assert "Nothing was imported" in page
    assert not Lead.objects.exists()


def test_upload_without_a_file_says_so_next_to_the_field(web, agency_user):
    response = web(agency_user).post(reverse("matching:agency-upload"), {"format": "csv"})
    assert response.status_code == 400
    assert _field_errors(response, "file")


def test_agency_uploads_an_exchange_document(web, agency_user):
    document = (
        '{"format": "smartcity-exchange/1", "leads": [{"id": "x-1", "source": "world-bank",'
        ' "country": "KE", "title": {"en": "Street lighting upgrade"}, "category": "energy"}]}'
    )
    upload = SimpleUploadedFile("leads.json", document.encode(), "application/json")
    client = web(agency_user)
    response = client.post(
        reverse("matching:agency-upload"), {"format": "exchange", "file": upload}
    )
    assert response.status_code == 302 and re.search(r"/jobs/\d+/$", response["Location"])
    assert not Lead.objects.exists()  # the import runs as a job, not in the request
    _run_jobs()
    assert "1 new and 0 updated leads" in _text(client.get(response["Location"]))
    assert Lead.objects.get(exchange_id="x-1").organisation == agency_user.organisation


def _lead_with_match(agency_user, vendor_user, **solution_fields):
    solution = _published(vendor=vendor_user.organisation, **solution_fields)
    _reindex()
    lead = Lead.objects.create(
        organisation=agency_user.organisation,
        country="VN",
        title_en="Smart parking guidance",
        category="mobility",
    )
    matching_services.lead_match(lead=lead)
    return lead, solution


def test_agency_sees_a_leads_matches_and_shortlists_one(web, agency_user, vendor_user):
    lead, solution = _lead_with_match(agency_user, vendor_user)
    client = web(agency_user)
    page = _text(client.get(reverse("matching:agency-lead", args=[lead.pk])))
    match = Match.objects.get(lead=lead, solution=solution)
    assert match.explanation_en in page
    response = client.post(
        reverse("matching:agency-match-status", args=[match.pk]),
        {f"m{match.pk}-status": "shortlisted"},
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.status == Match.Status.SHORTLISTED


def test_shortlist_exports_neutralise_formulas(web, agency_user, vendor_user):
    lead, solution = _lead_with_match(
        agency_user, vendor_user, name_ko='=HYPERLINK("http://evil")', name_en="@SUM(A1)"
    )
    client = web(agency_user, language="ko")
    response = client.get(reverse("matching:agency-export-csv", args=[lead.pk]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["rank", "solution_id", "solution"]
    assert rows[1][1] == str(solution.pk)
    assert rows[1][2] == '\'=HYPERLINK("http://evil")'
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)

    response = client.get(reverse("matching:agency-export-xlsx", args=[lead.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "rank" and values[1][1] == solution.pk
    assert values[1][2] == '\'=HYPERLINK("http://evil")'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_export_prefers_the_shortlisted_matches(web, agency_user, vendor_user):
    lead, solution = _lead_with_match(agency_user, vendor_user)
    other = _published(vendor=vendor_user.organisation, name_en="Parking sensors two")
    _reindex()
    matching_services.lead_match(lead=lead)
    match = Match.objects.get(lead=lead, solution=solution)
    matching_services.match_set_status(match=match, status="shortlisted", user=agency_user)
    response = web(agency_user).get(reverse("matching:agency-export-csv", args=[lead.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert Match.objects.filter(lead=lead, solution=other).exists()
    assert [row[1] for row in rows[1:]] == [str(solution.pk)]


# --- procurement registrations --------------------------------------------------------------


def _shortlisted(client, municipality_user, vendor_user) -> Match:
    need, solution = _published_need(client, vendor_user)
    solution.certifications.update(valid_until=dt.date(2031, 12, 31))
    pilot = PilotFactory(solution=solution, verification="verified")
    KpiFactory(pilot=pilot)
    match = Match.objects.get(need=need, solution=solution)
    matching_services.match_set_status(match=match, status="shortlisted", user=municipality_user)
    return match


def test_buyer_opens_a_registration_and_follows_its_checklist(web, municipality_user, vendor_user):
    client = web(municipality_user, language="ko")
    match = _shortlisted(client, municipality_user, vendor_user)
    page = _text(client.get(reverse("matching:buyer-need", args=[match.need_id])))
    assert reverse("matching:registration-open", args=[match.pk]) in page
    response = client.post(
        reverse("matching:registration-open", args=[match.pk]),
        {f"r{match.pk}-channel": "digital-mall", f"r{match.pk}-note": "For the 2027 budget."},
    )
    registration = match.registrations.get()
    assert response.status_code == 302
    page = _text(client.get(reverse("matching:registration", args=[registration.pk])))
    assert "운영자가 검증한 실증 실적" in page  # the checklist, in the page's language
    assert f"/api/v1/registrations/{registration.pk}/dossier.html" in page
    response = client.post(
        reverse("matching:registration-transition", args=[registration.pk]),
        {"status": "submitted", "note": "All set."},
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "submitted"
    assert client.get(f"/api/v1/registrations/{registration.pk}/dossier.html").status_code == 200


def test_registration_errors_stay_next_to_the_fields(web, municipality_user, vendor_user):
    client = web(municipality_user)
    match = _shortlisted(client, municipality_user, vendor_user)
    url = reverse("matching:registration-open", args=[match.pk])
    response = client.post(url, {f"r{match.pk}-channel": "", f"r{match.pk}-note": "kept"})
    assert response.status_code == 400
    assert _field_errors(response, f"r{match.pk}-channel")
    assert "kept</textarea>" in _text(response)
    assert not match.registrations.exists()


def test_registration_with_missing_evidence_cannot_be_submitted(
    web, municipality_user, vendor_user
):
    client = web(municipality_user)
    match = _shortlisted(client, municipality_user, vendor_user)
    client.post(
        reverse("matching:registration-open", args=[match.pk]),
        {f"r{match.pk}-channel": "pps-innovation"},
    )
    registration = match.registrations.get()
    response = client.post(
        reverse("matching:registration-transition", args=[registration.pk]),
        {"status": "submitted", "note": "typed note"},
    )
    assert response.status_code == 400
    # the missing item by its label (the checklist's own code, channel_certification, is not
    # something people read)
    assert "Missing before submitting: A valid Public procurement innovation product" in _text(
        response
    )
    assert "typed note</textarea>" in _text(response)
    registration.refresh_from_db()
    assert registration.status == "draft"


def test_registration_needs_a_shortlisted_match(web, municipality_user, vendor_user):
    client = web(municipality_user)
    need, solution = _published_need(client, vendor_user)
    match = Match.objects.get(need=need, solution=solution)
    response = client.post(
        reverse("matching:registration-open", args=[match.pk]),
        {f"r{match.pk}-channel": "digital-mall"},
    )
    assert response.status_code == 400
    assert "Shortlist the match first" in _text(response)


def test_registrations_are_private_to_their_organisation(
    web, municipality_user, vendor_user, agency_user
):
    client = web(municipality_user)
    match = _shortlisted(client, municipality_user, vendor_user)
    client.post(
        reverse("matching:registration-open", args=[match.pk]),
        {f"r{match.pk}-channel": "digital-mall"},
    )
    registration = match.registrations.get()
    url = reverse("matching:registration", args=[registration.pk])
    other = UserFactory(organisation=OrganisationFactory(kind="municipality", tier="city"))
    assert web(other).get(url).status_code == 404
    assert web(agency_user).get(url).status_code == 404
    assert web(vendor_user).get(url).status_code == 403
    response = web(other).post(
        reverse("matching:registration-open", args=[match.pk]),
        {f"r{match.pk}-channel": "pps-excellent"},
    )
    assert response.status_code == 404


def test_shortlist_hides_low_scores_until_asked(web, municipality_user, vendor_user):
    client = web(municipality_user, language="ko")
    need, solution = _published_need(client, vendor_user)
    weak = Match.objects.create(
        need=need, solution=_published(name_ko="관련 없는 제품"), rank=9, score=0.01, breakdown={}
    )
    url = reverse("matching:buyer-need", args=[need.pk])
    assert "관련 없는 제품" not in _text(client.get(url))
    assert "관련 없는 제품" in _text(client.get(url + "?all=1"))
    assert weak.status == Match.Status.SUGGESTED


def test_agency_uploads_an_ocds_release_package_with_a_default_country(web, agency_user):
    package = (
        '{"uri": "https://example.org/p", "publishedDate": "2026-01-01T00:00:00Z",'
        ' "releases": [{"ocid": "ocds-xyz-0001", "id": "1", "date": "2026-01-01T00:00:00Z",'
        ' "tag": ["tender"], "initiationType": "tender",'
        ' "tender": {"id": "t1", "title": "Traffic signal control upgrade",'
        ' "value": {"amount": 250000, "currency": "USD"}}}]}'
    )
    client = web(agency_user)
    upload = SimpleUploadedFile("tenders.json", package.encode(), "application/json")
    response = client.post(reverse("matching:agency-upload"), {"format": "ocds", "file": upload})
    assert response.status_code == 302
    _run_jobs()
    assert "no country" in _text(client.get(response["Location"]))
    assert not Lead.objects.exists()
    upload = SimpleUploadedFile("tenders.json", package.encode(), "application/json")
    response = client.post(
        reverse("matching:agency-upload"),
        {"format": "ocds", "file": upload, "default_country": "vn"},
    )
    assert response.status_code == 302
    _run_jobs()
    assert "1 new and 0 updated leads" in _text(client.get(response["Location"]))
    lead = Lead.objects.get(exchange_id="ocds-xyz-0001")
    assert lead.country == "VN" and lead.organisation == agency_user.organisation


def test_pages_follow_the_chosen_language(web, municipality_user, vendor_user, settings):
    client = web(municipality_user, language="ko")
    need, solution = _published_need(client, vendor_user)
    match = Match.objects.get(need=need, solution=solution)
    url = reverse("matching:buyer-need", args=[need.pk])
    korean = _text(client.get(url))
    assert match.explanation_ko in korean and solution.name_ko in korean
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = _text(client.get(url))
    assert '<html lang="en">' in english
    assert match.explanation_en in english and solution.name_en in english


def test_vendor_removes_an_image_but_not_another_vendors(web, vendor_user, other_vendor_user):
    from catalogue.images import solution_image_create

    own = SolutionFactory(vendor=vendor_user.organisation)
    theirs = SolutionFactory(vendor=other_vendor_user.organisation)
    image = solution_image_create(
        user=vendor_user, solution=own, upload=io.BytesIO(image_zoo.plain_png())
    )
    other = solution_image_create(
        user=other_vendor_user, solution=theirs, upload=io.BytesIO(image_zoo.plain_png())
    )
    client = web(vendor_user)
    url = reverse("catalogue:vendor-image-delete", args=[theirs.pk, other.pk])
    assert client.post(url).status_code == 404
    url = reverse("catalogue:vendor-image-delete", args=[own.pk, other.pk])
    assert client.post(url).status_code == 404
    url = reverse("catalogue:vendor-image-delete", args=[own.pk, image.pk])
    assert client.post(url).status_code == 302
    assert not own.images.exists() and theirs.images.count() == 1


def test_vendor_cannot_add_a_kpi_to_another_solutions_pilot(web, vendor_user, other_vendor_user):
    own = SolutionFactory(vendor=vendor_user.organisation)
    their_pilot = PilotFactory(solution=_published(vendor=other_vendor_user.organisation))
    prefix = f"kpi{their_pilot.pk}"
    response = web(vendor_user).post(
        reverse("catalogue:vendor-kpi-add", args=[own.pk, their_pilot.pk]),
        {f"{prefix}-indicator": "x", f"{prefix}-baseline": "1", f"{prefix}-result": "2",
         f"{prefix}-better": "higher"},
    )  # fmt: skip
    assert response.status_code == 404
    assert not their_pilot.kpis.exists()


def test_operator_pages_refuse_vendors(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation, status="submitted")
    client = web(vendor_user)
    assert client.get(reverse("catalogue:review-solution", args=[solution.pk])).status_code == 403
    assert client.post(reverse("catalogue:review-publish", args=[solution.pk])).status_code == 403
    solution.refresh_from_db()
    assert solution.status == Solution.Status.SUBMITTED


def test_vendor_sees_the_buyers_name_in_the_pages_language(web, vendor_user, municipality_user):
    municipality_user.organisation.name_ko, municipality_user.organisation.name_en = (
        "화순군",
        "Hwasun",
    )
    municipality_user.organisation.save()
    _need, solution = _published_need(web(municipality_user, language="ko"), vendor_user)
    url = reverse("catalogue:vendor-solution", args=[solution.pk])
    page = _text(web(vendor_user).get(url))
    assert "· Hwasun" in page and "화순군" not in page
    assert "· 화순군" in _text(web(vendor_user, language="ko").get(url))


def test_need_lead_and_registration_pages_show_labels_not_codes(
    web, municipality_user, agency_user, vendor_user
):
    client = web(municipality_user)
    match = _shortlisted(client, municipality_user, vendor_user)
    need = match.need
    need.required_certifications = ["iso-27001", "ce"]
    need.save()
    page = _text(client.get(reverse("matching:buyer-need", args=[need.pk])))
    assert "Required certifications: ISO/IEC 27001, CE" in page
    lead = Lead.objects.create(
        organisation=agency_user.organisation,
        country="KE",
        title_en="Street lighting",
        category="energy",
        required_certifications=["iso-9001"],
    )
    page = _text(web(agency_user).get(reverse("matching:agency-lead", args=[lead.pk])))
    assert "<dd>ISO 9001</dd>" in page

    solution = match.solution
    solution.price_min, solution.price_max, solution.currency = 35_000_000, 120_000_000, "KRW"
    solution.save()
    client.post(
        reverse("matching:registration-open", args=[match.pk]),
        {f"r{match.pk}-channel": "digital-mall", f"r{match.pk}-note": ""},
    )
    url = reverse("matching:registration", args=[match.registrations.get().pk])
    page = _text(client.get(url))
    assert "35,000,000–120,000,000 KRW" in page and "35000000.00" not in page
    assert "GS (Good Software) until" in page and "gs until" not in page
    korean = _text(web(municipality_user, language="ko").get(url))
    assert "GS 인증(굿소프트웨어)" in korean and "까지" in korean


def test_vendor_opens_a_matched_need_and_lead_but_no_draft_or_unmatched_one(
    web, municipality_user, agency_user, vendor_user, other_vendor_user
):
    need, solution = _published_need(web(municipality_user), vendor_user)
    Need.objects.filter(pk=need.pk).update(  # as posted, without matching it again
        description_en="Guide drivers to free spaces.", required_certifications=["gs", "iso-27001"]
    )
    client = web(vendor_user)
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    url = reverse("matching:vendor-need", args=[need.pk])
    assert f'href="{url}"' in page  # the matched need is a link
    page = _text(client.get(url))
    assert "Guide drivers to free spaces." in page
    assert "GS (Good Software), ISO/IEC 27001" in page
    assert "Decline" not in page  # read-only: the buyer's decisions are not offered
    # another vendor, whose solutions did not match it, and other roles: not theirs
    assert web(other_vendor_user).get(url).status_code == 404
    assert web(municipality_user).get(url).status_code == 403
    # back to draft: nobody but its owner sees it
    Need.objects.filter(pk=need.pk).update(status=Need.Status.DRAFT)
    assert client.get(url).status_code == 404

    lead = Lead.objects.create(
        organisation=agency_user.organisation, country="KE", title_en="Street parking",
        description_en="Sensors for 2,000 bays.", category="mobility",
    )  # fmt: skip
    Match.objects.create(lead=lead, solution=solution, rank=1, score=0.7, explanation_en="Fits.")
    lead_url = reverse("matching:vendor-lead", args=[lead.pk])
    assert "Sensors for 2,000 bays." in _text(client.get(lead_url))
    assert web(other_vendor_user).get(lead_url).status_code == 404
    lead.status = Lead.Status.CLOSED
    lead.save()
    assert client.get(lead_url).status_code == 404


def test_review_history_names_the_evidence_not_its_stored_key(web, vendor_user, operator_user):
    from catalogue.services import solutions as services

    solution = SolutionFactory(vendor=vendor_user.organisation)
    pilot = PilotFactory(solution=solution, city="Daejeon")
    services.pilot_verify(user=operator_user, pilot=pilot, decision="verified")
    for client, url in (
        (web(vendor_user), reverse("catalogue:vendor-solution", args=[solution.pk])),
        (web(operator_user), reverse("catalogue:review-solution", args=[solution.pk])),
    ):
        page = _text(client.get(url))
        assert "(pilot in Daejeon)" in page and f"pilot:{pilot.pk}" not in page


# --- editing and removing evidence, archiving ---------------------------------------------

CERT_POST = {
    "type": "gs",
    "number": "GS-26-0002",
    "issuer": "TTA",
    "valid_from": "2026-01-01",
    "valid_until": "2028-12-31",
}


def _pilot_post(**fields):
    return {"city": "Suncheon", "country": "KR", "tier": "city", **fields}


def _kpi_post(**fields):
    return {"indicator": "energy use", "baseline": "100", "result": "70", "unit": "MWh",
            "better": "lower", **fields}  # fmt: skip


def test_vendor_corrects_a_certificate_number_and_it_is_verified_again(web, vendor_user):
    solution = _published(vendor=vendor_user.organisation)
    cert = CertificationFactory(
        solution=solution, type="gs", number="GS-26-0OO2", verification=Verification.VERIFIED
    )
    client = web(vendor_user)
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    url = reverse("catalogue:vendor-certification-edit", args=[solution.pk, cert.pk])
    assert url in page
    form = client.get(url)
    assert form.status_code == 200
    assert 'value="GS-26-0OO2"' in _text(form)
    assert "pending verification again" in _text(form)
    response = client.post(url, CERT_POST, follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "catalogue:vendor-solution", args=[solution.pk]
    )
    assert "The certification is saved" in _text(response)
    cert.refresh_from_db()
    assert cert.number == "GS-26-0002" and cert.issuer == "TTA"
    assert cert.verification == Verification.PENDING
    solution.refresh_from_db()
    assert solution.changed_since_review


def test_editing_a_certification_without_a_new_file_keeps_its_evidence(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    cert = _certification_with_evidence(vendor_user, solution)
    stored = cert.evidence.name
    url = reverse("catalogue:vendor-certification-edit", args=[solution.pk, cert.pk])
    assert web(vendor_user).post(url, CERT_POST).status_code == 302
    cert.refresh_from_db()
    assert cert.evidence.name == stored and cert.number == CERT_POST["number"]


def test_vendor_deletes_a_certification(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    cert = CertificationFactory(solution=solution, type="gs", number="GS-9")
    client = web(vendor_user)
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    url = reverse("catalogue:vendor-certification-delete", args=[solution.pk, cert.pk])
    assert f'action="{url}"' in page
    # a real button whose accessible name says which certification it removes
    assert re.search(
        r'<button type="submit"[^>]*>Delete<span class="visually-hidden">: [^<]*GS-9', page
    )
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "The certification is removed." in _text(response)
    assert not Certification.objects.filter(pk=cert.pk).exists()


def test_vendor_edits_a_pilot_and_it_is_verified_again(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    pilot = PilotFactory(solution=solution, city="Sejong", verification=Verification.VERIFIED)
    client = web(vendor_user)
    url = reverse("catalogue:vendor-pilot-edit", args=[solution.pk, pilot.pk])
    assert url in _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    form = client.get(url)
    assert form.status_code == 200 and 'value="Sejong"' in _text(form)
    response = client.post(url, _pilot_post(population="280000"))
    assert response.status_code == 302
    pilot.refresh_from_db()
    assert (pilot.city, pilot.population) == ("Suncheon", 280000)
    assert pilot.verification == Verification.PENDING


def test_vendor_deletes_a_pilot_with_its_kpis(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    pilot = PilotFactory(solution=solution, city="Sejong")
    KpiFactory(pilot=pilot)
    client = web(vendor_user)
    url = reverse("catalogue:vendor-pilot-delete", args=[solution.pk, pilot.pk])
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    assert f'action="{url}"' in page and "Sejong</span></button>" in page
    assert client.post(url).status_code == 302
    assert not Pilot.objects.filter(pk=pilot.pk).exists()
    assert not Kpi.objects.exists()


def test_vendor_edits_a_kpi_and_its_pilot_is_verified_again(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    pilot = PilotFactory(solution=solution, verification=Verification.VERIFIED)
    kpi = KpiFactory(pilot=pilot, indicator="waiting time")
    client = web(vendor_user)
    url = reverse("catalogue:vendor-kpi-edit", args=[solution.pk, pilot.pk, kpi.pk])
    assert url in _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    form = client.get(url)
    assert form.status_code == 200 and 'value="waiting time"' in _text(form)
    assert client.post(url, _kpi_post()).status_code == 302
    kpi.refresh_from_db()
    assert kpi.indicator == "energy use" and kpi.improvement == pytest.approx(0.3)
    pilot.refresh_from_db()
    assert pilot.verification == Verification.PENDING


def test_vendor_deletes_a_kpi(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    kpi = KpiFactory(pilot=PilotFactory(solution=solution))
    url = reverse("catalogue:vendor-kpi-delete", args=[solution.pk, kpi.pilot.pk, kpi.pk])
    response = web(vendor_user).post(url, follow=True)
    assert "The KPI is removed." in _text(response)
    assert not Kpi.objects.filter(pk=kpi.pk).exists()


def _evidence_urls(solution, cert, pilot, kpi) -> dict[str, tuple[str, dict]]:
    s = solution.pk
    return {
        "certification-edit": (
            reverse("catalogue:vendor-certification-edit", args=[s, cert.pk]), CERT_POST),
        "certification-delete": (
            reverse("catalogue:vendor-certification-delete", args=[s, cert.pk]), {}),
        "pilot-edit": (reverse("catalogue:vendor-pilot-edit", args=[s, pilot.pk]), _pilot_post()),
        "pilot-delete": (reverse("catalogue:vendor-pilot-delete", args=[s, pilot.pk]), {}),
        "kpi-edit": (reverse("catalogue:vendor-kpi-edit", args=[s, pilot.pk, kpi.pk]), _kpi_post()),
        "kpi-delete": (reverse("catalogue:vendor-kpi-delete", args=[s, pilot.pk, kpi.pk]), {}),
        "archive": (reverse("catalogue:vendor-solution-archive", args=[s]), {}),
    }  # fmt: skip


def _evidence_of(solution):
    pilot = PilotFactory(solution=solution, city="Sejong")
    kpi = KpiFactory(pilot=pilot, indicator="waiting time")
    return CertificationFactory(solution=solution, number="N-1"), pilot, kpi


def _unchanged(solution, cert, pilot, kpi) -> bool:
    solution.refresh_from_db()
    return (
        Certification.objects.get(pk=cert.pk).number == "N-1"
        and Pilot.objects.get(pk=pilot.pk).city == "Sejong"
        and Kpi.objects.filter(pk=kpi.pk, indicator="waiting time").exists()
        and solution.status != Solution.Status.ARCHIVED
    )


EDIT_ERRORS = {  # what is posted, the field refused, a typed value the page must keep
    "certification": (
        {**CERT_POST, "number": "NEW-1", "valid_from": "2028-01-01", "valid_until": "2026-01-01"},
        "valid_until",
        "NEW-1",
    ),
    "pilot": (_pilot_post(city="Busan", country="Korea"), "country", "Busan"),
    "kpi": (_kpi_post(indicator="queue length", baseline="ten"), "baseline", "queue length"),
}


@pytest.mark.parametrize("kind", EDIT_ERRORS)
def test_evidence_edit_errors_stay_next_to_the_field_and_keep_what_was_typed(
    web, vendor_user, kind
):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    evidence = _evidence_of(solution)
    data, field, typed = EDIT_ERRORS[kind]
    url, _valid = _evidence_urls(solution, *evidence)[f"{kind}-edit"]
    response = web(vendor_user).post(url, data)
    assert response.status_code == 400
    assert _field_errors(response, field)
    assert f'value="{typed}"' in _text(response)
    assert _unchanged(solution, *evidence)


def test_vendor_cannot_edit_or_delete_another_vendors_evidence(web, vendor_user, other_vendor_user):
    theirs = _published(vendor=other_vendor_user.organisation)
    evidence = _evidence_of(theirs)
    own = SolutionFactory(vendor=vendor_user.organisation)
    client = web(vendor_user)
    for name, (url, data) in _evidence_urls(theirs, *evidence).items():
        if name.endswith("-edit"):
            assert client.get(url).status_code == 404, name
        assert client.post(url, data).status_code == 404, name
    # nor through the address of their own solution
    for name, (url, data) in _evidence_urls(own, *evidence).items():
        if name != "archive":
            assert client.post(url, data).status_code == 404, name
    assert _unchanged(theirs, *evidence)


def test_anonymous_visitor_is_sent_to_sign_in_to_edit_evidence(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    evidence = _evidence_of(solution)
    for name, (url, data) in _evidence_urls(solution, *evidence).items():
        response = web().post(url, data)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("account_login")), name
    assert _unchanged(solution, *evidence)


def test_vendor_archives_a_solution_after_a_confirmation_step(web, vendor_user):
    solution = _published(vendor=vendor_user.organisation)
    client = web(vendor_user)
    url = reverse("catalogue:vendor-solution-archive", args=[solution.pk])
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    assert f'action="{url}"' in page and "Archiving is final" in page
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "The solution is archived" in _text(response)
    assert f'action="{url}"' not in _text(response)  # the button is gone once archived
    solution.refresh_from_db()
    assert solution.status == Solution.Status.ARCHIVED
    response = client.post(url, follow=True)
    assert "already archived" in _text(response)


def test_an_archived_solutions_evidence_cannot_be_changed_and_says_why(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation, status=Solution.Status.ARCHIVED)
    evidence = _evidence_of(solution)
    client = web(vendor_user)
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    urls = _evidence_urls(solution, *evidence)
    for url, _data in urls.values():
        assert url not in page
    for name, (url, data) in urls.items():
        if name == "archive":
            continue
        if name.endswith("-edit"):
            response = client.get(url)
            assert "Archived solutions cannot be changed." in _text(response), name
            assert "<form" not in _text(response).split("<main", 1)[-1], name
        response = client.post(url, data, follow=True)
        assert response.status_code == (400 if name.endswith("-edit") else 200), name
        assert "Archived solutions cannot be changed." in _text(response), name
    assert Certification.objects.get(pk=evidence[0].pk).number == "N-1"
    assert Pilot.objects.get(pk=evidence[1].pk).city == "Sejong"
    assert Kpi.objects.filter(pk=evidence[2].pk).exists()


def test_evidence_edit_pages_are_korean_on_korean_pages(web, vendor_user):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    cert, pilot, kpi = _evidence_of(solution)
    client = web(vendor_user, language="ko")
    for url in (
        reverse("catalogue:vendor-certification-edit", args=[solution.pk, cert.pk]),
        reverse("catalogue:vendor-pilot-edit", args=[solution.pk, pilot.pk]),
        reverse("catalogue:vendor-kpi-edit", args=[solution.pk, pilot.pk, kpi.pk]),
    ):
        page = _text(client.get(url))
        assert "검증 대기" in page and "pending verification" not in page, url
    page = _text(client.get(reverse("catalogue:vendor-solution", args=[solution.pk])))
    assert "Archiving is final" not in page and "Delete" not in page
