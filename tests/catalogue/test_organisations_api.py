"""The organisations API: my organisation, invitations, members; operators review."""

import re

import pytest
from rest_framework.authtoken.models import Token

from catalogue.models import Invitation, Organisation
from catalogue.services.organisations import organisation_register
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def pending_vendor(db):
    founder = UserFactory(organisation=None, email="founder@pending.example")
    organisation_register(
        user=founder, kind="vendor", name_en="Pending Ltd", name_ko="", country="KR", size="sme"
    )
    founder.refresh_from_db()
    return founder.organisation


def test_me_lists_my_organisation_and_members(client_for, vendor_user):
    colleague = UserFactory(organisation=vendor_user.organisation)
    UserFactory()  # someone elsewhere
    response = client_for(vendor_user).get("/api/v1/organisations/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["organisation"]["id"] == vendor_user.organisation_id
    assert {m["id"] for m in body["members"]} == {vendor_user.id, colleague.id}
    assert body["invitations"] == []

    as_member = client_for(colleague).get("/api/v1/organisations/me/").json()
    assert "invitations" not in as_member


def test_me_without_organisation_is_404_and_anonymous_is_refused(client_for, db):
    assert (
        client_for(UserFactory(organisation=None)).get("/api/v1/organisations/me/").status_code
        == 404
    )
    assert client_for(None).get("/api/v1/organisations/me/").status_code in (401, 403)


def test_admin_invites_by_api_and_the_email_carries_the_link(
    client_for, vendor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(vendor_user).post(
            "/api/v1/organisations/me/invitations/", {"email": "new@vendor.example"}
        )
    assert response.status_code == 201
    assert response.json()["email"] == "new@vendor.example"
    assert response.json()["expires_at"]
    (mail,) = mailoutbox
    assert mail.to == ["new@vendor.example"]
    assert re.search(r"/invitations/[A-Za-z0-9_-]{20,}/", mail.body)
    listed = client_for(vendor_user).get("/api/v1/organisations/me/").json()["invitations"]
    assert [i["email"] for i in listed] == ["new@vendor.example"]


def test_invitation_needs_a_valid_email(client_for, vendor_user):
    response = client_for(vendor_user).post(
        "/api/v1/organisations/me/invitations/", {"email": "not-an-address"}
    )
    assert response.status_code == 400
    assert "email" in response.json()["errors"]


def test_non_admin_cannot_invite(client_for, vendor_user):
    member = UserFactory(organisation=vendor_user.organisation)
    response = client_for(member).post(
        "/api/v1/organisations/me/invitations/", {"email": "x@vendor.example"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists()


def test_admin_removes_a_member_and_their_tokens(client_for, vendor_user):
    colleague = UserFactory(organisation=vendor_user.organisation)
    Token.objects.create(user=colleague)
    response = client_for(vendor_user).delete(f"/api/v1/organisations/me/members/{colleague.pk}/")
    assert response.status_code == 204
    colleague.refresh_from_db()
    assert colleague.organisation_id is None
    assert not Token.objects.filter(user=colleague).exists()
    # The removed person has no organisation left to act for.
    assert client_for(colleague).get("/api/v1/organisations/me/").status_code == 404


def test_non_admin_cannot_remove(client_for, vendor_user):
    member = UserFactory(organisation=vendor_user.organisation)
    response = client_for(member).delete(f"/api/v1/organisations/me/members/{vendor_user.pk}/")
    assert response.status_code == 403
    vendor_user.refresh_from_db()
    assert vendor_user.organisation_id is not None


def test_last_admin_cannot_be_removed_by_api(client_for, vendor_user):
    response = client_for(vendor_user).delete(f"/api/v1/organisations/me/members/{vendor_user.pk}/")
    assert response.status_code == 400
    assert "member" in response.json()["errors"]


def test_other_organisations_admin_cannot_touch_your_members(
    client_for, vendor_user, other_vendor_user
):
    colleague = UserFactory(organisation=vendor_user.organisation)
    client = client_for(other_vendor_user)
    assert client.delete(f"/api/v1/organisations/me/members/{colleague.pk}/").status_code == 404
    assert client.get(f"/api/v1/organisations/{vendor_user.organisation_id}/").status_code == 404
    colleague.refresh_from_db()
    assert colleague.organisation_id == vendor_user.organisation_id


def test_admin_role_is_given_and_taken_back(client_for, vendor_user):
    colleague = UserFactory(organisation=vendor_user.organisation)
    url = f"/api/v1/organisations/me/members/{colleague.pk}/"
    response = client_for(vendor_user).patch(url, {"is_org_admin": True}, format="json")
    assert response.status_code == 200 and response.json()["is_org_admin"] is True
    colleague.refresh_from_db()
    response = client_for(colleague).patch(
        f"/api/v1/organisations/me/members/{vendor_user.pk}/",
        {"is_org_admin": False},
        format="json",
    )
    assert response.status_code == 200
    vendor_user.refresh_from_db()
    assert not vendor_user.is_org_admin


def test_operators_list_pending_organisations(
    client_for, operator_user, vendor_user, pending_vendor
):
    response = client_for(operator_user).get("/api/v1/organisations/?status=pending")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [o["id"] for o in results] == [pending_vendor.id]
    assert results[0]["member_count"] == 1


def test_organisation_list_is_for_operators_and_checks_status(
    client_for, operator_user, vendor_user
):
    assert client_for(vendor_user).get("/api/v1/organisations/").status_code == 403
    response = client_for(operator_user).get("/api/v1/organisations/?status=sleeping")
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_non_operator_cannot_approve_a_pending_vendor(client_for, vendor_user, pending_vendor):
    founder = pending_vendor.members.get()
    for user in (vendor_user, founder):
        response = client_for(user).post(f"/api/v1/organisations/{pending_vendor.pk}/approve/")
        assert response.status_code == 403
    pending_vendor.refresh_from_db()
    assert pending_vendor.status == Organisation.Status.PENDING


def test_operator_approves_and_the_admins_get_an_email(
    client_for, operator_user, pending_vendor, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(operator_user).post(
            f"/api/v1/organisations/{pending_vendor.pk}/approve/"
        )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    pending_vendor.refresh_from_db()
    assert pending_vendor.approved_by == operator_user and pending_vendor.approved_at
    assert [m.to for m in mailoutbox] == [["founder@pending.example"]]
    assert "Pending Ltd" in mailoutbox[0].subject
    again = client_for(operator_user).post(f"/api/v1/organisations/{pending_vendor.pk}/approve/")
    assert again.status_code == 400


def test_reject_requires_a_reason(client_for, operator_user, pending_vendor):
    url = f"/api/v1/organisations/{pending_vendor.pk}/reject/"
    response = client_for(operator_user).post(url, {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    response = client_for(operator_user).post(url, {"reason": "Not a company."})
    assert response.status_code == 200
    assert response.json()["status_reason"] == "Not a company."


def test_history_shows_who_changed_what_to_operators_only(
    client_for, operator_user, vendor_user, pending_vendor
):
    client_for(operator_user).post(f"/api/v1/organisations/{pending_vendor.pk}/approve/")
    url = f"/api/v1/organisations/{pending_vendor.pk}/history/"
    assert client_for(vendor_user).get(url).status_code == 403
    response = client_for(operator_user).get(url)
    assert response.status_code == 200
    latest, first = response.json()
    assert latest["by"]["email"] == operator_user.email
    assert {"field": "status", "old": "pending", "new": "approved"} in latest["changes"]
    assert first["type"] == "created" and first["by"]["email"] == "founder@pending.example"


def test_operator_sees_any_organisations_members(client_for, operator_user, vendor_user):
    response = client_for(operator_user).get(
        f"/api/v1/organisations/{vendor_user.organisation_id}/"
    )
    assert response.status_code == 200
    assert [m["email"] for m in response.json()["members"]] == [vendor_user.email]


def test_unknown_organisation_is_404(client_for, operator_user):
    other = OrganisationFactory()
    assert (
        client_for(operator_user)
        .post(f"/api/v1/organisations/{other.pk + 99}/approve/")
        .status_code
        == 404
    )
