"""Procurement registrations: checklist, workflow, dossier, API permissions per role."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from catalogue.models import Solution
from matching import registrations, services
from matching.dossier import registration_dossier_html, registration_dossier_json
from matching.models import Lead, Match, MatchEvent, Need
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    OrganisationFactory,
    PilotFactory,
    SolutionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
DEADLINE = dt.date(2027, 6, 30)


@pytest.fixture
def solution(vendor_user):
    s = SolutionFactory(
        vendor=vendor_user.organisation,
        status=Solution.Status.PUBLISHED,
        published_at=timezone.now(),
        name_en="Smart parking guidance",
        description_en="Sensors, signs and an app.",
    )
    CertificationFactory(solution=s, type="gs", valid_until=dt.date(2028, 1, 1))
    CertificationFactory(solution=s, type="pps-innovation", valid_until=dt.date(2027, 1, 31))
    KpiFactory(pilot=PilotFactory(solution=s, verification="verified"))
    return s


def shortlisted(solution, *, need=None, lead=None, user=None):
    match = Match.objects.create(
        need=need, lead=lead, solution=solution, rank=1, score=0.9, explanation_en="Fits."
    )
    services.match_set_status(match=match, status="shortlisted", user=user)
    return match


@pytest.fixture
def need_match(solution, municipality_user):
    need = Need.objects.create(
        organisation=municipality_user.organisation,
        title_en="Parking guidance",
        category="mobility",
        required_certifications=["gs"],
        deadline=DEADLINE,
        status=Need.Status.PUBLISHED,
    )
    return shortlisted(solution, need=need, user=municipality_user)


@pytest.fixture
def lead_match(solution, agency_user):
    lead = Lead.objects.create(
        organisation=agency_user.organisation,
        exchange_id="ocds-abc123-0001",
        country="VN",
        buyer="Da Nang DOT",
        title_en="Parking guidance for Da Nang",
        budget_max=1_000_000,
        budget_currency="USD",
        deadline=DEADLINE,
    )
    return shortlisted(solution, lead=lead, user=agency_user)


def codes(registration, met):
    return {c["code"] for c in registrations.checklist_dicts(registration) if c["met"] is met}


def test_checklist_judges_certificates_at_the_deadline(need_match, municipality_user):
    innovation = registrations.registration_open(
        user=municipality_user, match=need_match, channel="pps-innovation"
    )
    # the innovation certificate lapses in January 2027, before the June deadline
    assert codes(innovation, False) == {"channel_certification"}
    mall = registrations.registration_open(
        user=municipality_user, match=need_match, channel="digital-mall"
    )
    assert codes(mall, False) == set()
    assert codes(mall, True) >= {"channel_certification", "verified_pilot", "price"}


def test_overseas_checklist_needs_english_material(lead_match, agency_user, solution):
    solution.languages = ["ko"]
    solution.save()
    registration = registrations.registration_open(
        user=agency_user, match=lead_match, channel="overseas-tender"
    )
    assert codes(registration, False) == {"english_material"}


def test_workflow_with_audit_trail_and_roles(
    need_match, municipality_user, operator_user, vendor_user
):
    reg = registrations.registration_open(
        user=municipality_user, match=need_match, channel="digital-mall", note="Q3 purchase"
    )
    with pytest.raises(PermissionDenied):
        registrations.registration_transition(
            user=vendor_user, registration=reg, status="submitted"
        )
    reg = registrations.registration_transition(
        user=municipality_user, registration=reg, status="submitted"
    )
    assert reg.checklist_at_submit and reg.submitted_at
    with pytest.raises(PermissionDenied):  # buyers do not review their own submissions
        registrations.registration_transition(
            user=municipality_user, registration=reg, status="under_review"
        )
    reg = registrations.registration_transition(
        user=operator_user, registration=reg, status="under_review"
    )
    with pytest.raises(ValidationError):  # rejecting needs a note
        registrations.registration_transition(
            user=operator_user, registration=reg, status="rejected"
        )
    reg = registrations.registration_transition(
        user=operator_user, registration=reg, status="registered", note="Listed."
    )
    steps = [(e.from_status, e.to_status, e.actor_id) for e in reg.events.all()]
    assert steps == [
        ("", "draft", municipality_user.id),
        ("draft", "submitted", municipality_user.id),
        ("submitted", "under_review", operator_user.id),
        ("under_review", "registered", operator_user.id),
    ]
    assert Match.objects.get(pk=need_match.pk).status == "registered"


def test_the_registered_reason_on_the_match_reads_in_the_readers_language(
    need_match, municipality_user, operator_user
):
    reg = registrations.registration_open(
        user=municipality_user, match=need_match, channel="digital-mall"
    )
    for status, user in [
        ("submitted", municipality_user),
        ("under_review", operator_user),
        ("registered", operator_user),
    ]:
        reg = registrations.registration_transition(user=user, registration=reg, status=status)
    event = MatchEvent.objects.get(match=need_match, to_status="registered")
    assert event.reason == f"Registration {reg.pk} (digital-mall) registered."  # stored so
    with translation.override("ko"):
        assert event.reason_display == f"조달 등록 {reg.pk}번(디지털서비스몰)이 완료되었습니다."
    with translation.override("en"):
        assert event.reason_display == f"Registration {reg.pk} (Digital service mall) registered."
    typed = MatchEvent.objects.get(match=need_match, to_status="shortlisted")
    typed.reason = "Registration 7 (by phone) registered."  # a person's words stay as written
    with translation.override("ko"):
        assert typed.reason_display == "Registration 7 (by phone) registered."


def refusal(language: str, call, **kwargs) -> dict:
    """The errors of the ValidationError ``call(**kwargs)`` raises, read in ``language``."""
    with translation.override(language), pytest.raises(ValidationError) as caught:
        call(**kwargs)
    return caught.value.message_dict


def test_submitting_with_missing_requirements_is_refused(need_match, municipality_user):
    reg = registrations.registration_open(
        user=municipality_user, match=need_match, channel="pps-innovation"
    )
    submit = {"user": municipality_user, "registration": reg, "status": "submitted"}
    # the checklist items by their labels, in the reader's language
    assert refusal("en", registrations.registration_transition, **submit)["checklist"] == [
        "Missing before submitting: "
        "A valid Public procurement innovation product certificate on June 30, 2027."
    ]
    assert refusal("ko", registrations.registration_transition, **submit)["checklist"] == [
        "제출하기 전에 다음 항목을 갖춰야 합니다: "
        "2027년 6월 30일 기준 유효한 혁신제품(조달청) 인증."
    ]


def test_registration_refusals_are_in_the_readers_language(need_match, municipality_user):
    reg = registrations.registration_open(
        user=municipality_user, match=need_match, channel="digital-mall"
    )
    register = {"user": municipality_user, "registration": reg, "status": "registered"}
    assert refusal("ko", registrations.registration_transition, **register)["status"] == [
        "작성 중 상태인 등록은 등록됨 상태로 바꿀 수 없습니다."
    ]
    moon = {"user": municipality_user, "match": need_match, "channel": "moon"}
    assert refusal("ko", registrations.registration_open, **moon)["channel"] == [
        "'moon'은(는) 조달 채널이 아닙니다."
    ]


def test_a_suggested_match_cannot_be_registered(solution, municipality_user):
    need = Need.objects.create(
        organisation=municipality_user.organisation, title_en="x", category="mobility"
    )
    match = Match.objects.create(need=need, solution=solution, rank=1, score=0.5)
    with pytest.raises(ValidationError):
        registrations.registration_open(user=municipality_user, match=match, channel="digital-mall")


def test_overseas_dossier_is_ocds_shaped_and_html_escapes(lead_match, agency_user, solution):
    solution.name_en = "<script>alert(1)</script> Parking"
    solution.save()
    reg = registrations.registration_open(
        user=agency_user, match=lead_match, channel="overseas-tender"
    )
    data = registration_dossier_json(reg)
    ocds = data["ocds"]
    assert ocds["ocid"] == "ocds-abc123-0001"
    assert ocds["tender"]["value"] == {"amount": 1_000_000, "currency": "USD"}
    assert ocds["tender"]["tenderPeriod"]["endDate"] == "2027-06-30"
    assert {tuple(p["roles"]) for p in ocds["parties"]} == {("buyer",), ("tenderer",)}
    assert ocds["bids"]["details"][0]["status"] == "pending"
    html = registration_dossier_html(reg)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "Verified pilot evidence" in html


# -- API -----------------------------------------------------------------------------------


def test_api_registration_lifecycle(client_for, need_match, municipality_user, operator_user):
    buyer = client_for(municipality_user)
    response = buyer.post(
        f"/api/v1/matches/{need_match.id}/registrations/",
        {"channel": "digital-mall"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    reg_id = response.json()["id"]
    assert response.json()["status"] == "draft"
    patched = buyer.patch(f"/api/v1/registrations/{reg_id}/", {"note": "Urgent"}, format="json")
    assert patched.status_code == 200 and patched.json()["note"] == "Urgent"
    url = f"/api/v1/registrations/{reg_id}/transition/"
    assert buyer.post(url, {"status": "submitted"}, format="json").status_code == 200
    assert buyer.post(url, {"status": "under_review"}, format="json").status_code == 403
    operator = client_for(operator_user)
    assert operator.post(url, {"status": "under_review"}, format="json").status_code == 200
    bad = operator.post(url, {"status": "rejected"}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()["errors"]
    dossier = buyer.get(f"/api/v1/registrations/{reg_id}/dossier.json")
    assert dossier.status_code == 200 and dossier.json()["registration"]["id"] == reg_id
    html = buyer.get(f"/api/v1/registrations/{reg_id}/dossier.html")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    assert buyer.get(f"/api/v1/registrations/{reg_id}/dossier.xml").status_code == 404


def test_api_other_organisations_get_404(
    client_for, need_match, municipality_user, other_vendor_user, agency_user, vendor_user
):
    reg = registrations.registration_open(
        user=municipality_user, match=need_match, channel="digital-mall"
    )
    other_town = UserFactory(organisation=OrganisationFactory(kind="municipality", tier="city"))
    for user in (other_town, other_vendor_user, agency_user):
        client = client_for(user)
        assert client.get(f"/api/v1/registrations/{reg.id}/").status_code == 404
        assert client.get(f"/api/v1/registrations/{reg.id}/dossier.json").status_code == 404
        response = client.post(
            f"/api/v1/matches/{need_match.id}/registrations/", {"channel": "pps-excellent"}
        )
        assert response.status_code == 404
    # the vendor of the solution reads it but cannot move it
    vendor = client_for(vendor_user)
    assert vendor.get(f"/api/v1/registrations/{reg.id}/").status_code == 200
    move = vendor.post(f"/api/v1/registrations/{reg.id}/transition/", {"status": "submitted"})
    assert move.status_code == 403
    assert client_for(None).get(f"/api/v1/registrations/{reg.id}/").status_code == 401


def test_api_bad_channel_is_a_400(client_for, need_match, municipality_user):
    response = client_for(municipality_user).post(
        f"/api/v1/matches/{need_match.id}/registrations/", {"channel": "moon"}, format="json"
    )
    assert response.status_code == 400 and "channel" in response.json()["errors"]


def test_checklist_reads_as_text_for_people_and_keeps_its_codes(need_match, municipality_user):
    need_match.solution.price_min, need_match.solution.price_max = 35_000_000, 120_000_000
    need_match.solution.currency = "KRW"
    need_match.solution.save()
    reg = registrations.registration_open(
        user=municipality_user, match=need_match, channel="digital-mall"
    )
    checks = {c["code"]: c for c in registrations.checklist_dicts(reg)}
    channel = checks["channel_certification"]
    assert channel["label_en"].endswith("certificate on June 30, 2027")
    assert "GS (Good Software)" in channel["label_en"] and " gs " not in channel["label_en"]
    assert channel["label_ko"].startswith("2027년 6월 30일 기준 유효한 GS 인증")
    assert channel["detail"] == "gs until 2028-01-01"  # the dossier's JSON is unchanged
    assert channel["detail_en"] == "GS (Good Software) until Jan. 1, 2028"
    assert channel["detail_ko"] == "GS 인증(굿소프트웨어) 2028년 1월 1일까지"
    price = checks["price"]
    assert price["detail"] == "35000000.00–120000000.00 KRW"
    assert price["detail_en"] == price["detail_ko"] == "35,000,000–120,000,000 KRW"


def test_printable_dossier_shows_labels_dates_and_expired_certificates(
    need_match, municipality_user, solution
):
    # a GS certificate that lapses before the need's deadline (June 30, 2027)
    CertificationFactory(
        solution=solution, type="gs", number="GS-OLD", valid_until=dt.date(2026, 8, 13),
        verification="verified",
    )  # fmt: skip
    reg = registrations.registration_open(
        user=municipality_user, match=need_match, channel="digital-mall"
    )
    data = registration_dossier_json(reg)
    assert data["registration"]["status"] == "draft"  # machine values stay codes
    assert {c["type"] for c in data["certifications"]} == {"gs", "pps-innovation"}
    html = registration_dossier_html(reg)
    assert "status <strong>Draft</strong>" in html and "status draft" not in html
    assert "checked against June 30, 2027" in html
    assert "<td>gs</td>" not in html and "GS (Good Software)" in html
    assert "Verified by the operator" in html and "<td>verified</td>" not in html
    expired = html.split("GS-OLD")[1].split("</tr>")[0]
    assert 'data-state="expired"' in expired and "EXPIRED" in expired
    assert "Aug. 13, 2026" in expired
    assert "Jan. 1, 2028" in html
    assert "County" in html and "population 52,000" in html  # the pilot's size, not "county"
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", html)  # no raw timestamps
