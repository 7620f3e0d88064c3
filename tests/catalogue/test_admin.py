"""The admin as the operators' review queue: filters, actions through the services, history."""

import pytest
from django.conf import settings
from django.test import Client

from catalogue.models import Organisation, ReviewEvent
from tests.factories import CertificationFactory, OrganisationFactory, SolutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for_operator(operator_user):
    operator_user.is_staff = True
    operator_user.is_superuser = True
    operator_user.save()
    client = Client()
    # English (picked with the switcher), so assertions do not depend on the Korean catalogue.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(operator_user)
    return client


def _action(client, model, action, ids, reason=""):
    return client.post(
        f"/admin/catalogue/{model}/",
        {"action": action, "_selected_action": [str(i) for i in ids], "reason": reason},
        follow=True,
    )


def test_solution_changelist_filters_by_status_and_changed_since_review(
    admin_client_for_operator,
):
    SolutionFactory(status="submitted", name_en="Waiting one")
    SolutionFactory(status="published", changed_since_review=True, name_en="Edited one")
    response = admin_client_for_operator.get("/admin/catalogue/solution/?status__exact=submitted")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    response = admin_client_for_operator.get(
        "/admin/catalogue/solution/?changed_since_review__exact=1"
    )
    assert response.context["cl"].result_count == 1


def test_solution_change_page_shows_inlines(admin_client_for_operator):
    solution = SolutionFactory(status="submitted")
    CertificationFactory(solution=solution, number="GS-INLINE-1")
    response = admin_client_for_operator.get(f"/admin/catalogue/solution/{solution.id}/change/")
    assert response.status_code == 200
    assert "GS-INLINE-1" in response.content.decode()


def test_publish_action_uses_the_workflow(admin_client_for_operator, operator_user):
    submitted = SolutionFactory(status="submitted")
    draft = SolutionFactory(status="draft")
    response = _action(admin_client_for_operator, "solution", "publish", [submitted.id, draft.id])
    assert response.status_code == 200
    submitted.refresh_from_db()
    draft.refresh_from_db()
    assert submitted.status == "published"
    assert draft.status == "draft"  # a draft cannot be published; the error is reported
    assert "Only submitted" in response.content.decode()
    assert ReviewEvent.objects.get(solution=submitted).actor == operator_user


def test_send_back_action_needs_a_reason(admin_client_for_operator):
    solution = SolutionFactory(status="submitted")
    _action(admin_client_for_operator, "solution", "send_back", [solution.id])
    solution.refresh_from_db()
    assert solution.status == "submitted"
    _action(admin_client_for_operator, "solution", "send_back", [solution.id], "Add KPIs.")
    solution.refresh_from_db()
    assert solution.status == "draft" and solution.review_note == "Add KPIs."


def test_certification_verify_and_reject_actions(admin_client_for_operator):
    a = CertificationFactory()
    b = CertificationFactory()
    _action(admin_client_for_operator, "certification", "verify", [a.id])
    _action(admin_client_for_operator, "certification", "reject", [b.id])
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.verification == "verified"
    assert b.verification == "pending"  # no note given
    _action(admin_client_for_operator, "certification", "reject", [b.id], "Expired scan.")
    b.refresh_from_db()
    assert b.verification == "rejected" and b.verification_note == "Expired scan."


def test_organisation_approve_and_reject_actions(admin_client_for_operator):
    pending = OrganisationFactory(status=Organisation.Status.PENDING)
    other = OrganisationFactory(status=Organisation.Status.PENDING)
    _action(admin_client_for_operator, "organisation", "approve", [pending.id])
    _action(admin_client_for_operator, "organisation", "reject", [other.id], "Unknown company.")
    pending.refresh_from_db()
    other.refresh_from_db()
    assert pending.status == Organisation.Status.APPROVED
    assert other.status == Organisation.Status.REJECTED
    assert other.status_reason == "Unknown company."


def test_history_is_visible_in_the_admin(admin_client_for_operator, vendor_user):
    from catalogue.services import solutions as services

    solution = SolutionFactory(vendor=vendor_user.organisation)
    services.solution_update(user=vendor_user, solution=solution, data={"trl": 4})
    response = admin_client_for_operator.get(f"/admin/catalogue/solution/{solution.id}/history/")
    assert response.status_code == 200
    assert vendor_user.username in response.content.decode()


def test_editing_in_the_admin_bumps_the_version(admin_client_for_operator):
    solution = SolutionFactory(status="draft")
    page = admin_client_for_operator.get(f"/admin/catalogue/solution/{solution.id}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "vendor": solution.vendor_id,
            "tags": '["a"]',
            "standards": "[]",
            "deployment": "[]",
            "languages": "[]",
            "reference_countries": "[]",
        }
    )
    for prefix in ("certifications", "pilots", "review_events"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = admin_client_for_operator.post(
        f"/admin/catalogue/solution/{solution.id}/change/", data
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    solution.refresh_from_db()
    assert solution.version == 2 and solution.tags == ["a"]
