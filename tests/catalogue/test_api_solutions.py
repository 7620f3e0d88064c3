import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.authtoken.models import Token

from catalogue.models import Organisation, ReviewEvent, Solution
from tests.factories import (
    CertificationFactory,
    KpiFactory,
    PilotFactory,
    SolutionFactory,
)

pytestmark = pytest.mark.django_db

NEW = {
    "name_en": "Smart crossing",
    "name_ko": "스마트 횡단보도",
    "category": "safety",
    "tags": ["crossing"],
    "standards": ["NGSI-LD"],
    "deployment": ["edge"],
    "price_min": "1000000",
    "price_max": "2000000",
    "currency": "KRW",
    "pricing_model": "per-unit",
    "languages": ["ko"],
    "trl": 7,
    "reference_countries": ["KR", "VN"],
}


def test_vendor_creates_edits_and_submits_through_the_api(vendor_user, client_for):
    client = client_for(vendor_user)
    response = client.post("/api/v1/solutions/", NEW, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and body["version"] == 1
    assert body["vendor"]["id"] == vendor_user.organisation_id
    assert response["ETag"] == '"1"'
    sid = body["id"]
    response = client.patch(
        f"/api/v1/solutions/{sid}/",
        {"summary_en": "Lights up."},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    response = client.post(f"/api/v1/solutions/{sid}/submit/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"


def test_validation_error_names_the_field_and_item(vendor_user, client_for):
    response = client_for(vendor_user).post(
        "/api/v1/solutions/", {**NEW, "reference_countries": ["KR", "korea"]}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Invalid input."
    assert "reference_countries" in body["errors"]


def test_service_validation_error_is_a_400_naming_the_field(vendor_user, client_for):
    response = client_for(vendor_user).post(
        "/api/v1/solutions/", {**NEW, "reference_countries": ["kr"]}, format="json"
    )
    assert response.status_code == 400
    assert "ISO 3166" in response.json()["errors"]["reference_countries"][0]


def test_missing_name_is_a_400(vendor_user, client_for):
    response = client_for(vendor_user).post(
        "/api/v1/solutions/", {**NEW, "name_en": "", "name_ko": ""}, format="json"
    )
    assert response.status_code == 400
    assert "name_en" in response.json()["errors"]


@pytest.mark.parametrize("how", ["header", "field"])
def test_stale_version_is_a_409_naming_the_current_version(vendor_user, client_for, how):
    solution = SolutionFactory(vendor=vendor_user.organisation, version=4)
    client = client_for(vendor_user)
    if how == "header":
        response = client.patch(
            f"/api/v1/solutions/{solution.id}/", {"trl": 5}, format="json", HTTP_IF_MATCH="3"
        )
    else:
        response = client.patch(
            f"/api/v1/solutions/{solution.id}/", {"trl": 5, "version": 3}, format="json"
        )
    assert response.status_code == 409
    assert response.json()["current_version"] == 4
    solution.refresh_from_db()
    assert solution.trl == 8


def test_conflicts_and_refusals_are_in_the_requests_language(
    vendor_user, operator_user, client_for
):
    solution = SolutionFactory(vendor=vendor_user.organisation, status="submitted")
    url = f"/api/v1/solutions/{solution.id}/submit/"
    korean = client_for(vendor_user).post(url, HTTP_ACCEPT_LANGUAGE="ko")
    assert korean.status_code == 409
    assert korean.json()["detail"] == "초안만 심사를 요청할 수 있습니다(현재 상태: 심사 요청됨)."
    english = client_for(vendor_user).post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["detail"] == (
        "Only drafts can be submitted; this one is Submitted for review."
    )
    queue = client_for(vendor_user).get("/api/v1/review-queue/", HTTP_ACCEPT_LANGUAGE="ko")
    assert queue.status_code == 403
    assert queue.json()["detail"] == "운영기관만 할 수 있습니다."
    other = SolutionFactory(status="published")
    edit = client_for(vendor_user).patch(
        f"/api/v1/solutions/{other.id}/", {"trl": 3}, format="json", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert edit.status_code == 403
    assert edit.json()["detail"] == "이 솔루션을 등록한 공급기업만 변경할 수 있습니다."


def test_garbled_if_match_is_a_400(vendor_user, client_for):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    response = client_for(vendor_user).patch(
        f"/api/v1/solutions/{solution.id}/", {"trl": 5}, format="json", HTTP_IF_MATCH="abc"
    )
    assert response.status_code == 400
    assert "If-Match" in response.json()["errors"]


def test_send_back_requires_a_reason(vendor_user, operator_user, client_for):
    solution = SolutionFactory(vendor=vendor_user.organisation, status="submitted")
    client = client_for(operator_user)
    response = client.post(f"/api/v1/solutions/{solution.id}/send-back/", {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = client.post(
        f"/api/v1/solutions/{solution.id}/send-back/", {"reason": "No pilots."}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft"
    assert response.json()["review_note"] == "No pilots."


def test_unapproved_vendor_gets_a_403_with_the_reason(vendor_user, client_for):
    Organisation.objects.filter(pk=vendor_user.organisation_id).update(status="pending")
    vendor_user.refresh_from_db()
    solution = SolutionFactory(vendor=vendor_user.organisation)
    response = client_for(vendor_user).post(f"/api/v1/solutions/{solution.id}/submit/")
    assert response.status_code == 403
    assert re.search("approval|승인을 기다리고", response.json()["detail"])


def test_published_detail_nests_certifications_pilots_kpis(client_for):
    solution = SolutionFactory(status="published")
    CertificationFactory(solution=solution, valid_until=dt.date(2999, 1, 1))
    CertificationFactory(solution=solution, valid_until=dt.date(2000, 1, 1), valid_from=None)
    KpiFactory(pilot=PilotFactory(solution=solution), baseline=10.0, result=8.0, better="lower")
    body = client_for(None).get(f"/api/v1/solutions/{solution.id}/").json()
    assert [c["valid_today"] for c in body["certifications"]] == [True, False]
    kpi = body["pilots"][0]["kpis"][0]
    assert kpi["improvement"] == pytest.approx(0.2)
    assert body["images"] == []


def test_list_does_not_grow_queries_with_rows(client_for):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(None).get("/api/v1/solutions/").status_code == 200
        return len(ctx)

    for _ in range(2):
        s = SolutionFactory(status="published")
        CertificationFactory(solution=s)
        KpiFactory(pilot=PilotFactory(solution=s))
    few = count()
    for _ in range(5):
        s = SolutionFactory(status="published")
        CertificationFactory(solution=s)
        KpiFactory(pilot=PilotFactory(solution=s))
    assert count() == few


def test_nested_create_of_certification_pilot_and_kpi(vendor_user, client_for):
    client = client_for(vendor_user)
    solution = SolutionFactory(vendor=vendor_user.organisation)
    response = client.post(
        f"/api/v1/solutions/{solution.id}/certifications/",
        {"type": "gs", "number": "GS-9", "valid_from": "2024-01-01", "valid_until": "2027-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["verification"] == "pending"
    cert_id = response.json()["id"]
    response = client.patch(
        f"/api/v1/certifications/{cert_id}/", {"valid_until": "2023-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "valid_until" in response.json()["errors"]
    response = client.post(
        f"/api/v1/solutions/{solution.id}/pilots/",
        {"city": "Gangjin", "country": "KR", "tier": "county"},
        format="json",
    )
    assert response.status_code == 201
    pilot_id = response.json()["id"]
    response = client.post(
        f"/api/v1/pilots/{pilot_id}/kpis/",
        {"indicator": "accidents", "baseline": 10, "result": 5, "better": "lower"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["improvement"] == pytest.approx(0.5)
    kpi_id = response.json()["id"]
    response = client.patch(f"/api/v1/kpis/{kpi_id}/", {"better": "sideways"}, format="json")
    assert response.status_code == 400 and "better" in response.json()["errors"]
    assert client.delete(f"/api/v1/kpis/{kpi_id}/").status_code == 204
    assert client.delete(f"/api/v1/pilots/{pilot_id}/").status_code == 204
    assert client.delete(f"/api/v1/certifications/{cert_id}/").status_code == 204
    solution.refresh_from_db()
    assert solution.version == 7


def _png_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (1, 2, 3)).save(buf, "PNG")
    return buf.getvalue()


def test_evidence_upload_is_multipart_and_checked(vendor_user, client_for):
    client = client_for(vendor_user)
    solution = SolutionFactory(vendor=vendor_user.organisation)
    ok = client.post(
        f"/api/v1/solutions/{solution.id}/certifications/",
        {"type": "kc", "evidence": SimpleUploadedFile("scan.png", _png_bytes())},
        format="multipart",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["evidence"].endswith(".png")
    bad = client.post(
        f"/api/v1/solutions/{solution.id}/certifications/",
        {"type": "kc", "evidence": SimpleUploadedFile("scan.pdf", b"<html>hi</html>")},
        format="multipart",
    )
    assert bad.status_code == 400
    assert "evidence" in bad.json()["errors"]


def test_operator_verifies_and_rejects_evidence(vendor_user, operator_user, client_for):
    solution = SolutionFactory(vendor=vendor_user.organisation, status="submitted")
    cert = CertificationFactory(solution=solution)
    pilot = PilotFactory(solution=solution)
    client = client_for(operator_user)
    response = client.post(
        f"/api/v1/certifications/{cert.id}/verify/", {"decision": "maybe"}, format="json"
    )
    assert response.status_code == 400 and "decision" in response.json()["errors"]
    response = client.post(
        f"/api/v1/pilots/{pilot.id}/verify/",
        {"decision": "rejected", "note": "KPI source missing."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["verification"] == "rejected"
    event = ReviewEvent.objects.get(target=f"pilot:{pilot.id}")
    assert event.action == "reject" and event.actor == operator_user


def test_a_decision_on_evidence_another_operator_decided_meanwhile_is_a_conflict(
    vendor_user, operator_user, client_for
):
    cert = CertificationFactory(solution=SolutionFactory(vendor=vendor_user.organisation))
    client = client_for(operator_user)
    url = f"/api/v1/certifications/{cert.id}/verify/"
    rejected = {"decision": "rejected", "note": "Expired scan.", "expected": "pending"}
    assert client.post(url, rejected, format="json").status_code == 200
    # a second operator, still looking at the pending certification, verifies it
    response = client.post(
        url,
        {"decision": "verified", "expected": "pending"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 409
    assert "rejected meanwhile" in response.json()["detail"]
    cert.refresh_from_db()
    assert cert.verification == "rejected" and cert.verification_note == "Expired scan."
    # having seen the rejection, an operator may still overturn it
    response = client.post(url, {"decision": "verified", "expected": "rejected"}, format="json")
    assert response.status_code == 200 and response.json()["verification"] == "verified"
    response = client.post(url, {"decision": "verified", "expected": "maybe"}, format="json")
    assert response.status_code == 400 and "expected" in response.json()["errors"]


def test_review_queue_lists_what_waits(vendor_user, operator_user, client_for):
    submitted = SolutionFactory(vendor=vendor_user.organisation, status="submitted")
    changed = SolutionFactory(status="published", changed_since_review=True)
    SolutionFactory(status="published")
    cert = CertificationFactory(solution=changed)
    CertificationFactory(solution=SolutionFactory(status="draft"))
    assert client_for(vendor_user).get("/api/v1/review-queue/").status_code == 403
    assert client_for(None).get("/api/v1/review-queue/").status_code == 401
    body = client_for(operator_user).get("/api/v1/review-queue/").json()
    assert [s["id"] for s in body["submitted"]] == [submitted.id]
    assert [s["id"] for s in body["changed_since_review"]] == [changed.id]
    assert [c["id"] for c in body["pending_certifications"]] == [cert.id]


def test_history_lists_who_changed_which_fields(vendor_user, operator_user, client_for):
    client = client_for(vendor_user)
    sid = client.post("/api/v1/solutions/", NEW, format="json").json()["id"]
    client.patch(f"/api/v1/solutions/{sid}/", {"trl": 9, "tags": ["a"]}, format="json")
    client.post(f"/api/v1/solutions/{sid}/submit/")
    entries = client_for(operator_user).get(f"/api/v1/solutions/{sid}/history/").json()
    assert [e["reason"] for e in entries] == ["submit", "update", "create"]
    assert [e["operation"] for e in entries] == ["changed", "changed", "created"]
    assert all(e["user"] == vendor_user.username for e in entries)
    edit = entries[1]
    assert {c["field"] for c in edit["changes"]} == {"trl", "tags", "version"}
    trl = next(c for c in edit["changes"] if c["field"] == "trl")
    assert (trl["old"], trl["new"]) == (7, 9)


def test_history_is_for_the_owner_and_operators_only(vendor_user, municipality_user, client_for):
    solution = SolutionFactory(vendor=vendor_user.organisation, status="published")
    assert (
        client_for(vendor_user).get(f"/api/v1/solutions/{solution.id}/history/").status_code == 200
    )
    response = client_for(municipality_user).get(f"/api/v1/solutions/{solution.id}/history/")
    assert response.status_code == 403
    assert client_for(None).get(f"/api/v1/solutions/{solution.id}/history/").status_code == 401


@pytest.mark.parametrize("login", ["username", "email"])
def test_token_login_and_token_authentication(vendor_user, api_client, login):
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": getattr(vendor_user, login), "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=vendor_user).key == token
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = api_client.post("/api/v1/solutions/", NEW, format="json")
    assert created.status_code == 201
    history = Solution.objects.get(pk=created.json()["id"]).history.first()
    assert history.history_user == vendor_user


def test_wrong_password_is_a_400(vendor_user, api_client):
    response = api_client.post(
        "/api/v1/auth/token/",
        {"username": vendor_user.username, "password": "wrong"},
        format="json",
    )
    assert response.status_code == 400


def test_token_login_is_throttled(api_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/minute"})
    codes = [
        api_client.post(
            "/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json"
        ).status_code
        for _ in range(3)
    ]
    cache.clear()
    assert codes == [400, 400, 429]


def test_non_numeric_id_is_a_404(client_for):
    assert client_for(None).get("/api/v1/solutions/abc/").status_code == 404


def test_kpi_values_beyond_the_limit_are_a_400_naming_them(vendor_user, client_for):
    pilot = PilotFactory(solution=SolutionFactory(vendor=vendor_user.organisation))
    client = client_for(vendor_user)
    response = client.post(
        f"/api/v1/pilots/{pilot.id}/kpis/",
        {"indicator": "x", "baseline": 1e308, "result": -1e308, "better": "lower"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"baseline", "result"}
    kpi = KpiFactory(pilot=pilot)
    response = client.patch(f"/api/v1/kpis/{kpi.id}/", {"result": 1e13}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["result"]
    assert not pilot.kpis.filter(baseline__gt=1e12).exists()


def test_a_stored_kpi_whose_improvement_overflows_does_not_break_public_reads(client_for):
    solution = SolutionFactory(status="published")
    pilot = PilotFactory(solution=solution)
    KpiFactory(pilot=pilot, baseline=1e308, result=-1e308, better="lower")
    KpiFactory(pilot=pilot, baseline=5e-324, result=1e12, better="higher")
    anyone = client_for(None)
    for url in (
        "/api/v1/solutions/",
        f"/api/v1/solutions/{solution.id}/",
        f"/api/v1/solutions/{solution.id}/pilots/",
    ):
        assert anyone.get(url).status_code == 200, url
    kpis = anyone.get(f"/api/v1/solutions/{solution.id}/").json()["pilots"][0]["kpis"]
    assert [k["improvement"] for k in kpis] == [None, None]


def test_write_endpoints_refuse_fields_they_do_not_take(vendor_user, client_for):
    client = client_for(vendor_user)
    response = client.post(
        "/api/v1/solutions/", {**NEW, "status": "published", "unknown_field": 1}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"status", "unknown_field"}
    assert not Solution.objects.exists()
    solution = SolutionFactory(vendor=vendor_user.organisation)
    pilot = PilotFactory(solution=solution)
    kpi = KpiFactory(pilot=pilot)
    cert = CertificationFactory(solution=solution)
    kpi_body = {"indicator": "x", "baseline": 1, "result": 2, "better": "higher"}
    for method, url, body, unknown in [
        ("patch", f"/api/v1/solutions/{solution.id}/", {"summary_en": "x", "vendor": 1}, "vendor"),
        ("post", f"/api/v1/solutions/{solution.id}/certifications/", {"type": "gs", "x": 1}, "x"),
        ("patch", f"/api/v1/certifications/{cert.id}/", {"verification": "verified"}, None),
        ("post", f"/api/v1/solutions/{solution.id}/pilots/", {"city": "A", "id": 9}, None),
        ("patch", f"/api/v1/pilots/{pilot.id}/", {"verification": "verified"}, None),
        ("post", f"/api/v1/pilots/{pilot.id}/kpis/", {**kpi_body, "improvement": 9}, None),
        ("patch", f"/api/v1/kpis/{kpi.id}/", {"pilot": pilot.id}, None),
    ]:
        unknown = unknown or list(body)[-1]
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code == 400, url
        assert unknown in response.json()["errors"], url
    solution.refresh_from_db()
    assert solution.summary_en != "x" and solution.status == "draft"


def test_an_unknown_field_is_reported_beside_the_other_errors(vendor_user, client_for):
    response = client_for(vendor_user).post(
        "/api/v1/solutions/", {"category": "space", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"category", "colour"}


def test_garbled_if_match_is_explained_in_the_readers_language(vendor_user, client_for):
    solution = SolutionFactory(vendor=vendor_user.organisation)
    response = client_for(vendor_user).patch(
        f"/api/v1/solutions/{solution.id}/",
        {"trl": 5},
        format="json",
        HTTP_IF_MATCH="abc",
        HTTP_ACCEPT_LANGUAGE="ko",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["If-Match"] == ['솔루션의 버전 번호를 보내야 합니다(예: "3").']
