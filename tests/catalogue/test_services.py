import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.utils import translation
from PIL import Image

from catalogue.models import Organisation, ReviewEvent, Solution
from catalogue.services import solutions as services
from catalogue.signals import solutions_changed
from search.backends import get_backend, reset_backend
from tests.factories import CertificationFactory, KpiFactory, PilotFactory, SolutionFactory

VALID = {"name_en": "Smart crossing", "category": "safety"}


def _solution_of(user, **kwargs):
    return SolutionFactory(vendor=user.organisation, **kwargs)


def test_vendor_creates_a_draft_for_its_own_organisation(vendor_user):
    solution = services.solution_create(
        user=vendor_user,
        data={**VALID, "tags": [" crossing ", "crossing", "lidar"], "reference_countries": ["KR"]},
    )
    assert solution.status == Solution.Status.DRAFT
    assert solution.vendor_id == vendor_user.organisation_id
    assert solution.tags == ["crossing", "lidar"]
    assert solution.history.first().history_user == vendor_user


def test_municipality_cannot_list_a_solution(municipality_user):
    with pytest.raises(PermissionDenied):
        services.solution_create(user=municipality_user, data=VALID)


def test_a_name_in_one_language_is_required(vendor_user):
    with pytest.raises(ValidationError) as exc:
        services.solution_create(user=vendor_user, data={"category": "safety", "name_ko": " "})
    assert "name_en" in exc.value.message_dict


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("reference_countries", ["KR", "kor"], "Item 2"),
        ("deployment", ["cloud", "mainframe"], "Item 2"),
        ("languages", ["ko", "ja"], "Item 2"),
        ("tags", ["ok", ""], "Item 2"),
        ("currency", "won", "ISO 4217"),
        ("category", "space", "not one of"),
        ("pricing_model", "barter", "not one of"),
        ("trl", 10, "1 to 9"),
    ],
)
def test_validation_errors_name_the_field_and_item(vendor_user, field, value, fragment):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.solution_create(user=vendor_user, data={**VALID, field: value})
    messages = exc.value.message_dict[field]
    assert any(fragment in message for message in messages), messages


def test_price_min_above_max_is_an_error_on_price_max(vendor_user):
    with pytest.raises(ValidationError) as exc:
        services.solution_create(
            user=vendor_user, data={**VALID, "price_min": 10, "price_max": 5, "currency": "KRW"}
        )
    assert "price_max" in exc.value.message_dict


def test_a_price_needs_a_currency(vendor_user):
    with pytest.raises(ValidationError) as exc:
        services.solution_create(user=vendor_user, data={**VALID, "price_min": 10})
    assert "currency" in exc.value.message_dict


def test_unknown_fields_are_refused(vendor_user):
    with pytest.raises(ValidationError) as exc:
        services.solution_create(user=vendor_user, data={**VALID, "status": "published"})
    assert "status" in exc.value.message_dict


def test_full_workflow_records_every_transition(vendor_user, operator_user):
    solution = services.solution_create(user=vendor_user, data=VALID)
    solution = services.solution_submit(user=vendor_user, solution=solution)
    assert solution.status == Solution.Status.SUBMITTED and solution.submitted_at
    solution = services.solution_send_back(
        user=operator_user, solution=solution, reason="Add a pilot."
    )
    assert solution.status == Solution.Status.DRAFT
    assert solution.review_note == "Add a pilot."
    solution = services.solution_submit(user=vendor_user, solution=solution)
    solution = services.solution_publish(user=operator_user, solution=solution)
    assert solution.status == Solution.Status.PUBLISHED and solution.published_at
    solution = services.solution_archive(user=vendor_user, solution=solution)
    assert solution.status == Solution.Status.ARCHIVED
    events = list(ReviewEvent.objects.filter(solution=solution).order_by("id"))
    assert [e.action for e in events] == ["submit", "send_back", "submit", "publish", "archive"]
    assert [e.actor for e in events] == [
        vendor_user,
        operator_user,
        vendor_user,
        operator_user,
        vendor_user,
    ]
    assert events[1].reason == "Add a pilot."


def test_unapproved_vendor_cannot_submit_and_is_told_why(vendor_user):
    org = vendor_user.organisation
    org.status = Organisation.Status.PENDING
    org.save()
    solution = services.solution_create(user=vendor_user, data=VALID)
    with pytest.raises(PermissionDenied, match="waiting for approval|승인을 기다리고"):
        services.solution_submit(user=vendor_user, solution=solution)
    solution.refresh_from_db()
    assert solution.status == Solution.Status.DRAFT


def test_send_back_needs_a_reason(vendor_user, operator_user):
    solution = _solution_of(vendor_user, status="submitted")
    with pytest.raises(ValidationError) as exc:
        services.solution_send_back(user=operator_user, solution=solution, reason="  ")
    assert "reason" in exc.value.message_dict


def test_publishing_a_draft_is_a_conflict(vendor_user, operator_user):
    solution = _solution_of(vendor_user)
    with pytest.raises(services.ServiceConflict):
        services.solution_publish(user=operator_user, solution=solution)


def test_a_conflict_names_the_status_by_its_label_in_the_readers_language(vendor_user):
    solution = _solution_of(vendor_user, status="published")
    with translation.override("ko"), pytest.raises(services.ServiceConflict) as exc:
        services.solution_submit(user=vendor_user, solution=solution)
    assert exc.value.message == "초안만 심사를 요청할 수 있습니다(현재 상태: 게시됨)."
    with translation.override("en"), pytest.raises(services.ServiceConflict) as exc:
        services.solution_submit(user=vendor_user, solution=solution)
    assert exc.value.message == "Only drafts can be submitted; this one is Published."


def test_a_stale_version_and_a_decided_evidence_are_told_in_korean(vendor_user, operator_user):
    solution = _solution_of(vendor_user, version=4)
    with translation.override("ko"), pytest.raises(services.VersionConflict) as exc:
        services.solution_update(
            user=vendor_user, solution=solution, data={"trl": 6}, expected_version=3
        )
    assert exc.value.message == "버전 3은(는) 최신이 아닙니다. 현재 버전은 4입니다."
    cert = CertificationFactory(solution=solution, verification="verified")
    with translation.override("ko"), pytest.raises(services.ServiceConflict) as exc:
        services.certification_verify(user=operator_user, certification=cert, decision="verified")
    assert exc.value.message == "이 증빙은 이미 검증됨 상태입니다."
    with translation.override("en"), pytest.raises(services.ServiceConflict) as exc:
        services.certification_verify(user=operator_user, certification=cert, decision="verified")
    assert exc.value.message == "This evidence is already verified."


def test_vendor_cannot_publish_its_own_solution(vendor_user):
    solution = _solution_of(vendor_user, status="submitted")
    with pytest.raises(PermissionDenied):
        services.solution_publish(user=vendor_user, solution=solution)


def test_vendor_cannot_edit_other_vendors_draft_it_cannot_see(vendor_user, other_vendor_user):
    solution = _solution_of(other_vendor_user)
    with pytest.raises(Http404):
        services.solution_update(user=vendor_user, solution=solution, data={"trl": 5})


def test_vendor_cannot_edit_other_vendors_published_solution(vendor_user, other_vendor_user):
    solution = _solution_of(other_vendor_user, status="published")
    with pytest.raises(PermissionDenied):
        services.solution_update(user=vendor_user, solution=solution, data={"trl": 5})


def test_editing_a_published_solution_keeps_it_published_and_queues_it(vendor_user, operator_user):
    solution = _solution_of(vendor_user, status="published")
    updated = services.solution_update(
        user=vendor_user, solution=solution, data={"summary_en": "New words."}
    )
    assert updated.status == Solution.Status.PUBLISHED
    assert updated.changed_since_review is True
    assert updated.version == solution.version + 1
    assert updated.history.count() == 2
    accepted = services.solution_publish(user=operator_user, solution=updated)
    assert accepted.changed_since_review is False


def test_stale_version_is_a_conflict_naming_the_current_one(vendor_user):
    solution = _solution_of(vendor_user)
    services.solution_update(user=vendor_user, solution=solution, data={"trl": 5})
    with pytest.raises(services.VersionConflict) as exc:
        services.solution_update(
            user=vendor_user, solution=solution, data={"trl": 6}, expected_version=1
        )
    assert exc.value.current_version == 2
    solution.refresh_from_db()
    assert solution.trl == 5


def test_archived_solutions_cannot_be_edited(vendor_user):
    solution = _solution_of(vendor_user, status="archived")
    with pytest.raises(services.ServiceConflict):
        services.solution_update(user=vendor_user, solution=solution, data={"trl": 5})


def test_publishing_indexes_and_notifies_only_after_commit(
    vendor_user, operator_user, django_capture_on_commit_callbacks, settings, tmp_path
):
    settings.SEARCH_INDEX_DIR = tmp_path / "search-index"
    reset_backend()
    notified = []

    def follower(sender, solution_ids, **kwargs):
        notified.append(list(solution_ids))

    solutions_changed.connect(follower, dispatch_uid="test-follower")
    try:
        solution = _solution_of(vendor_user, status="submitted")
        with django_capture_on_commit_callbacks(execute=True):
            services.solution_publish(user=operator_user, solution=solution)
            assert solution.id not in get_backend().indexed_versions()  # not before the commit
            assert notified == []
        assert solution.id in get_backend().indexed_versions()
        assert notified == [[solution.id]]
    finally:
        solutions_changed.disconnect(dispatch_uid="test-follower")
        reset_backend()


def test_certification_edit_resets_verification_and_queues_solution(vendor_user, operator_user):
    solution = _solution_of(vendor_user, status="published")
    cert = services.certification_create(
        user=vendor_user,
        solution=solution,
        data={"type": "gs", "number": "GS-1", "valid_from": dt.date(2024, 1, 1)},
    )
    cert = services.certification_verify(
        user=operator_user, certification=cert, decision="verified"
    )
    assert cert.verification == "verified" and cert.verified_by == operator_user
    cert = services.certification_update(
        user=vendor_user, certification=cert, data={"number": "GS-2"}
    )
    assert cert.verification == "pending" and cert.verified_by is None
    solution.refresh_from_db()
    assert solution.changed_since_review is True
    assert ReviewEvent.objects.filter(action="verify", target=f"certification:{cert.pk}").exists()


def test_certification_dates_in_the_wrong_order_name_valid_until(vendor_user):
    solution = _solution_of(vendor_user)
    with pytest.raises(ValidationError) as exc:
        services.certification_create(
            user=vendor_user,
            solution=solution,
            data={
                "type": "gs",
                "valid_from": dt.date(2025, 1, 1),
                "valid_until": dt.date(2024, 1, 1),
            },
        )
    assert "valid_until" in exc.value.message_dict


def test_rejecting_evidence_needs_a_note(vendor_user, operator_user):
    cert = CertificationFactory(solution=_solution_of(vendor_user))
    with pytest.raises(ValidationError) as exc:
        services.certification_verify(user=operator_user, certification=cert, decision="rejected")
    assert "note" in exc.value.message_dict


def test_only_operators_verify(vendor_user):
    cert = CertificationFactory(solution=_solution_of(vendor_user))
    with pytest.raises(PermissionDenied):
        services.certification_verify(user=vendor_user, certification=cert, decision="verified")


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(buf, "PNG")
    return buf.getvalue()


def test_evidence_is_checked_by_content_and_stored_under_a_random_name(vendor_user):
    solution = _solution_of(vendor_user)
    upload = SimpleUploadedFile("../../cert.exe", _png(), content_type="application/pdf")
    cert = services.certification_create(
        user=vendor_user, solution=solution, data={"type": "kc", "evidence": upload}
    )
    assert cert.evidence.name.endswith(".png")
    assert "cert" not in cert.evidence.name
    with pytest.raises(ValidationError) as exc:
        services.certification_create(
            user=vendor_user,
            solution=solution,
            data={"type": "kc", "evidence": SimpleUploadedFile("c.pdf", b"MZ\x90\x00 not pdf")},
        )
    assert "evidence" in exc.value.message_dict


def test_pilot_and_kpi_lifecycle(vendor_user, operator_user):
    solution = _solution_of(vendor_user)
    pilot = services.pilot_create(
        user=vendor_user, solution=solution, data={"city": "Gangjin", "country": "KR"}
    )
    pilot = services.pilot_verify(user=operator_user, pilot=pilot, decision="verified")
    kpi = services.kpi_create(
        user=vendor_user,
        pilot=pilot,
        data={"indicator": "wait", "baseline": 40.0, "result": 30.0, "better": "lower"},
    )
    assert kpi.improvement == pytest.approx(0.25)
    pilot.refresh_from_db()
    assert pilot.verification == "pending"  # new evidence needs a new look
    kpi = services.kpi_update(user=vendor_user, kpi=kpi, data={"result": 20.0})
    assert kpi.improvement == pytest.approx(0.5)
    services.kpi_delete(user=vendor_user, kpi=kpi)
    services.pilot_delete(user=vendor_user, pilot=pilot)
    solution.refresh_from_db()
    assert solution.pilots.count() == 0
    assert solution.version == 6


def test_pilot_country_and_kpi_numbers_are_validated(vendor_user):
    pilot = PilotFactory(solution=_solution_of(vendor_user))
    with pytest.raises(ValidationError) as exc:
        services.pilot_update(user=vendor_user, pilot=pilot, data={"country": "Korea"})
    assert "country" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.kpi_update(
            user=vendor_user, kpi=KpiFactory(pilot=pilot), data={"baseline": float("nan")}
        )
    assert "baseline" in exc.value.message_dict


def test_validation_errors_are_in_the_active_language_and_count_items_from_one(vendor_user):
    data = {**VALID, "reference_countries": ["KR", "KOR"], "currency": "WON"}
    data |= {"price_min": 10, "price_max": 5}
    with translation.override("ko"), pytest.raises(ValidationError) as exc:
        services.solution_create(user=vendor_user, data=data)
    errors = exc.value.message_dict
    assert errors["reference_countries"] == [
        "2번째 항목: “KOR”은(는) ISO 3166-1 alpha-2 국가 코드가 아닙니다(예: KR, VN)."
    ]
    assert errors["currency"] == [
        "“WON”은(는) ISO 4217 통화 코드가 아닙니다(영문 대문자 세 자, 예: KRW)."
    ]
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.solution_create(user=vendor_user, data={**VALID, "price_min": 10, "price_max": 5})
    assert exc.value.message_dict["price_max"] == ["Must not be below the lowest price."]


def test_kpi_values_beyond_the_limit_are_refused(vendor_user):
    pilot = PilotFactory(solution=_solution_of(vendor_user))
    with pytest.raises(ValidationError) as exc:
        services.kpi_create(
            user=vendor_user,
            pilot=pilot,
            data={"indicator": "x", "baseline": 1e308, "result": -1e13, "better": "lower"},
        )
    assert set(exc.value.message_dict) == {"baseline", "result"}
    assert not pilot.kpis.exists()
    kpi = services.kpi_create(
        user=vendor_user,
        pilot=pilot,
        data={"indicator": "x", "baseline": 1e12, "result": -1e12, "better": "lower"},
    )
    assert kpi.improvement == 2.0
