"""Sign-up, e-mail confirmation, invitations, membership and password reset, through the web."""

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from catalogue.models import Invitation, Organisation, User
from catalogue.selectors_organisations import organisation_history
from catalogue.services.organisations import (
    invitation_accept,
    invitation_create,
    member_remove,
    member_set_admin,
    organisation_approve,
    organisation_register,
    organisation_reject,
)
from tests.factories import OrganisationFactory, UserFactory

PASSWORD = "a-long-unusual-passphrase-42"


@pytest.fixture(autouse=True)
def _english_pages(settings):
    # These tests read English page text; Korean pages are tested in tests/web.
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    # allauth counts attempts in the cache; every test starts from zero.
    cache.clear()


def link_in(message) -> str:
    """The path of the first http(s) link in an e-mail's body."""
    match = re.search(r"https?://[A-Za-z0-9._~:/?#@!$&()*+,;=%-]+", message.body)
    assert match, message.body
    return urlparse(match.group(0)).path


def mails_to(mailoutbox, email):
    return [m for m in mailoutbox if email in m.to]


def signup_data(email, **organisation):
    data = {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "kind": "vendor",
        "name_ko": "테스트 솔루션즈",
        "name_en": "Test Solutions",
        "country": "kr",
        "size": "sme",
        "website": "https://test-solutions.example",
    }
    data.update(organisation)
    return data


# --- sign-up ---------------------------------------------------------------------------------


def test_signup_page_shows_organisation_fields_with_labels(client, db):
    response = client.get("/accounts/signup/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("email", "password1", "kind", "name_ko", "name_en", "country", "population"):
        field_id = f'id="id_{name}"'
        assert field_id in html
        assert f'for="id_{name}"' in html
    assert '<html lang="' in html
    assert 'href="#main"' in html
    # every asset and link is served here (a bare "cdn" substring also matched CSRF tokens)
    assert re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', html) == []


def test_signup_confirms_email_logs_in_and_leaves_organisation_pending(
    operator_user, client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the page text below is English
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", signup_data("founder@vendor.example"))
    assert response.status_code == 302

    user = User.objects.get(email="founder@vendor.example")
    organisation = user.organisation
    assert user.is_org_admin
    assert organisation.status == Organisation.Status.PENDING
    assert (organisation.kind, organisation.country, organisation.size) == ("vendor", "KR", "sme")
    assert organisation.name_en == "Test Solutions"

    operator_mail = mails_to(mailoutbox, operator_user.email)
    assert len(operator_mail) == 1
    assert "테스트 솔루션즈" in operator_mail[0].subject
    assert f"/api/v1/organisations/{organisation.pk}/" in operator_mail[0].body

    # Not signed in before the address is confirmed.
    assert client.get("/organisation/").status_code == 302
    (confirmation,) = mails_to(mailoutbox, "founder@vendor.example")
    confirm_path = link_in(confirmation)
    assert confirm_path.startswith("/accounts/confirm-email/")
    assert client.get(confirm_path).status_code == 200
    assert client.post(confirm_path).status_code == 302

    assert EmailAddress.objects.get(user=user).verified
    page = client.get("/organisation/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.wsgi_request.user == user
    assert "Waiting for approval" in page.content.decode()


def test_signup_of_municipality_needs_tier_and_population(client, db):
    data = signup_data("mayor@city.example", kind="municipality", size="", website="")
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "population" in errors and "tier" in errors
    assert not User.objects.filter(email="mayor@city.example").exists()

    data.update(tier="county", population="52000")
    assert client.post("/accounts/signup/", data).status_code == 302
    organisation = User.objects.get(email="mayor@city.example").organisation
    assert (organisation.tier, organisation.population, organisation.size) == ("county", 52000, "")


def test_signup_errors_are_in_korean_with_the_choices_by_their_labels(client, db):
    client.cookies["django_language"] = "ko"
    data = signup_data("mayor@city.example", kind="municipality", size="", website="")
    response = client.post("/accounts/signup/", {**data, "country": "XX"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["population"] == ["지자체는 인구를 입력하세요."]
    assert errors["tier"] == ["지자체는 지자체 규모를 고르세요: 광역시·특별시, 시, 군."]
    assert "ISO 3166-1 국가 코드를 입력하세요" in errors["country"][0]


def test_korean_confirmation_mail_has_the_link_alone_on_its_line_and_no_example_com(
    operator_user, client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", signup_data("founder@vendor.example"))
    (confirmation,) = mails_to(mailoutbox, "founder@vendor.example")
    body = confirmation.body
    assert "example.com" not in body
    assert "안녕하세요, Smart City Exchange입니다." in body
    (line,) = [line for line in body.splitlines() if "/accounts/confirm-email/" in line]
    assert re.fullmatch(r"https?://[^\s]+/accounts/confirm-email/[^\s/]+/", line)

    (operator_mail,) = mails_to(mailoutbox, operator_user.email)
    assert "example.com" not in operator_mail.body
    assert f"{settings.SITE_URL}/workspace/review/#organisations\n" in operator_mail.body
    organisation = User.objects.get(email="founder@vendor.example").organisation
    assert f"{settings.SITE_URL}/api/v1/organisations/{organisation.pk}/" in operator_mail.body


def test_site_row_takes_the_configured_domain_and_product_name(db, settings):
    from django.contrib.sites.models import Site

    assert settings.SITE_URL == "http://127.0.0.1:8000"
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("127.0.0.1:8000", "Smart City Exchange")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "operator"}, "kind"),
        ({"name_ko": "", "name_en": ""}, "name_en"),
        ({"country": "XX"}, "country"),
    ],
)
def test_signup_refuses_bad_organisation_fields(client, db, change, field):
    response = client.post("/accounts/signup/", signup_data("x@bad.example", **change))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.filter(email="x@bad.example").exists()


def test_register_service_refuses_a_user_who_already_has_an_organisation(vendor_user):
    with pytest.raises(ValidationError):
        organisation_register(
            user=vendor_user, kind="agency", name_en="Second", name_ko="", country="KR"
        )


# --- approval --------------------------------------------------------------------------------


def test_pending_vendor_cannot_be_approved_by_a_non_operator(vendor_user, municipality_user):
    pending = OrganisationFactory(kind="vendor", status=Organisation.Status.PENDING)
    for user in (vendor_user, municipality_user):
        with pytest.raises(PermissionDenied):
            organisation_approve(organisation=pending, by=user)
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.PENDING


def test_reject_needs_a_reason_and_emails_the_admins(
    operator_user, mailoutbox, django_capture_on_commit_callbacks
):
    org = OrganisationFactory(kind="agency", status=Organisation.Status.PENDING)
    admin = UserFactory(organisation=org, is_org_admin=True)
    UserFactory(organisation=org, is_org_admin=False)
    with pytest.raises(ValidationError) as error:
        organisation_reject(organisation=org, by=operator_user, reason="  ")
    assert "reason" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        organisation_reject(organisation=org, by=operator_user, reason="No such agency.")
    org.refresh_from_db()
    assert (org.status, org.status_reason) == ("rejected", "No such agency.")
    assert [m.to for m in mailoutbox] == [[admin.email]]
    assert "No such agency." in mailoutbox[0].body


def test_history_records_who_changed_what(operator_user):
    founder = UserFactory(organisation=None)
    org = organisation_register(
        user=founder, kind="vendor", name_en="Histories", name_ko="", country="DE", size="startup"
    )
    organisation_reject(organisation=org, by=operator_user, reason="Website missing.")
    organisation_approve(organisation=org, by=operator_user)

    entries = organisation_history(organisation=org)
    assert [e["type"] for e in entries] == ["changed", "changed", "created"]
    assert [e["by"]["id"] for e in entries] == [operator_user.id, operator_user.id, founder.id]
    assert [e["reason"] for e in entries] == ["approved", "rejected", "registered"]
    approved = {c["field"]: (c["old"], c["new"]) for c in entries[0]["changes"]}
    assert approved["status"] == ("rejected", "approved")
    assert approved["status_reason"] == ("Website missing.", "")
    assert approved["approved_by"] == (None, operator_user.id)
    created = {c["field"]: c["new"] for c in entries[2]["changes"]}
    assert created["name_en"] == "Histories" and created["status"] == "pending"


# --- invitations -----------------------------------------------------------------------------


def test_invited_person_signs_up_into_the_inviting_organisation(
    client, vendor_user, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(vendor_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/organisation/invitations/", {"email": "colleague@vendor.example"})
    assert response.status_code == 302
    (mail,) = mails_to(mailoutbox, "colleague@vendor.example")
    path = link_in(mail)
    assert path.startswith("/invitations/")
    assert vendor_user.organisation.name in mail.subject
    # Only a hash of the token is stored.
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert not Invitation.objects.filter(token=token).exists()

    invited = Client()
    page = invited.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert vendor_user.organisation.name_en in html  # the page is in English
    assert 'name="kind"' not in html  # no new organisation
    organisations_before = Organisation.objects.count()
    response = invited.post(
        path,
        {"email": "colleague@vendor.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/organisation/"

    colleague = User.objects.get(email="colleague@vendor.example")
    assert colleague.organisation_id == vendor_user.organisation_id
    assert not colleague.is_org_admin
    assert Organisation.objects.count() == organisations_before
    # The link came to this mailbox, so no second confirmation is needed.
    assert invited.get("/organisation/").wsgi_request.user == colleague

    # Single use.
    again = Client().get(path)
    assert again.status_code == 404
    assert "already been used" in again.content.decode()


def test_invitation_signup_must_use_the_invited_address(
    client, vendor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organisation=vendor_user.organisation, email="right@x.example", by=vendor_user
        )
    token = _last_token(mailoutbox)
    response = client.post(
        f"/invitations/{token}/",
        {"email": "wrong@x.example", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert not User.objects.filter(email="wrong@x.example").exists()


def _last_token(mailoutbox):
    return link_in(mailoutbox[-1]).rstrip("/").rsplit("/", 1)[1]


def test_expired_invitation_is_refused(
    client, vendor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invitation_create(
            organisation=vendor_user.organisation, email="late@x.example", by=vendor_user
        )
    token = _last_token(mailoutbox)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - dt.timedelta(days=14, minutes=1)
    )
    response = client.get(f"/invitations/{token}/")
    assert response.status_code == 404
    assert "expired" in response.content.decode()
    late = UserFactory(organisation=None, email="late@x.example")
    with pytest.raises(ValidationError, match="expired"):
        invitation_accept(token=token, user=late)
    late.refresh_from_db()
    assert late.organisation_id is None


def test_signed_in_invitee_joins_and_others_cannot(
    client, vendor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organisation=vendor_user.organisation, email="Joiner@X.example", by=vendor_user
        )
    token = _last_token(mailoutbox)

    stranger = UserFactory(organisation=None, email="stranger@x.example")
    client.force_login(stranger)
    assert client.post(f"/invitations/{token}/").status_code == 400
    stranger.refresh_from_db()
    assert stranger.organisation_id is None

    joiner = UserFactory(organisation=None, email="joiner@x.example")
    client.force_login(joiner)
    assert client.get(f"/invitations/{token}/").status_code == 200
    assert client.post(f"/invitations/{token}/").status_code == 302
    joiner.refresh_from_db()
    assert joiner.organisation_id == vendor_user.organisation_id
    assert client.post(f"/invitations/{token}/").status_code == 404


def test_member_of_another_organisation_cannot_accept(
    vendor_user, other_vendor_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organisation=vendor_user.organisation, email=other_vendor_user.email, by=vendor_user
        )
    with pytest.raises(ValidationError, match="another organisation"):
        invitation_accept(token=_last_token(mailoutbox), user=other_vendor_user)


def test_inviting_an_existing_member_shows_the_reason(client, vendor_user):
    colleague = UserFactory(organisation=vendor_user.organisation)
    client.force_login(vendor_user)
    response = client.post(
        "/organisation/invitations/", {"email": colleague.email}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    # A Korean organisation's people read Korean until they pick: the reason too.
    assert "이미 구성원인 사람입니다." in response.content.decode()
    assert "already a member" not in response.content.decode()
    assert not Invitation.objects.exists()


def test_only_the_organisations_admins_invite(vendor_user, other_vendor_user):
    member = UserFactory(organisation=vendor_user.organisation, is_org_admin=False)
    for outsider in (member, other_vendor_user):
        with pytest.raises(PermissionDenied):
            invitation_create(
                organisation=vendor_user.organisation, email="new@x.example", by=outsider
            )
    assert not Invitation.objects.exists()


# --- membership ------------------------------------------------------------------------------


def test_admin_removes_a_colleague_through_the_page_and_their_tokens_go(client, vendor_user):
    colleague = UserFactory(organisation=vendor_user.organisation)
    Token.objects.create(user=colleague)
    client.force_login(vendor_user)
    page = client.get("/organisation/").content.decode()
    assert f"/organisation/members/{colleague.pk}/remove/" in page
    assert "csrfmiddlewaretoken" in page

    response = client.post(f"/organisation/members/{colleague.pk}/remove/")
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.organisation_id is None and not colleague.is_org_admin
    assert not Token.objects.filter(user=colleague).exists()


def test_non_admin_cannot_remove_a_colleague(client, vendor_user):
    member = UserFactory(organisation=vendor_user.organisation)
    client.force_login(member)
    assert client.post(f"/organisation/members/{vendor_user.pk}/remove/").status_code == 403
    vendor_user.refresh_from_db()
    assert vendor_user.organisation_id is not None
    assert f"/members/{vendor_user.pk}/remove/" not in client.get("/organisation/").content.decode()


def test_sole_admin_is_not_offered_to_give_up_the_role(client, vendor_user):
    client.force_login(vendor_user)
    take_back = f'action="/organisation/members/{vendor_user.pk}/admin/"'
    html = client.get("/organisation/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert take_back not in html
    assert "유일한 관리자입니다." in html  # the Korean organisation's pages are Korean
    UserFactory(organisation=vendor_user.organisation, is_org_admin=True)
    html = client.get("/organisation/").content.decode()
    assert take_back in html


def test_last_admin_cannot_be_removed_or_demoted(vendor_user):
    org = vendor_user.organisation
    with translation.override("en"), pytest.raises(ValidationError, match="last admin"):
        member_remove(organisation=org, member=vendor_user, by=vendor_user)
    with translation.override("ko"), pytest.raises(ValidationError, match="관리자가 한 명 이상"):
        member_set_admin(organisation=org, member=vendor_user, by=vendor_user, is_admin=False)
    second = UserFactory(organisation=org)
    second = member_set_admin(organisation=org, member=second, by=vendor_user, is_admin=True)
    member_remove(organisation=org, member=vendor_user, by=second)
    vendor_user.refresh_from_db()
    assert vendor_user.organisation_id is None


def test_another_organisations_admin_cannot_remove_your_member(
    client, vendor_user, other_vendor_user
):
    colleague = UserFactory(organisation=vendor_user.organisation)
    with pytest.raises(PermissionDenied):
        member_remove(organisation=vendor_user.organisation, member=colleague, by=other_vendor_user)
    client.force_login(other_vendor_user)
    assert client.post(f"/organisation/members/{colleague.pk}/remove/").status_code == 404
    colleague.refresh_from_db()
    assert colleague.organisation_id == vendor_user.organisation_id


# --- password reset --------------------------------------------------------------------------


def test_password_reset_by_email_end_to_end(db, client, mailoutbox):
    user = UserFactory(email="forgetful@x.example")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)

    response = client.post("/accounts/password/reset/", {"email": "forgetful@x.example"})
    assert response.status_code == 302
    (mail,) = mails_to(mailoutbox, "forgetful@x.example")
    reset_path = link_in(mail)
    assert reset_path.startswith("/accounts/password/reset/key/")

    form_page = client.get(reset_path, follow=True)
    assert form_page.status_code == 200
    set_path = form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_path
    new_password = "another-long-passphrase-77"
    response = client.post(set_path, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302

    fresh = Client()
    response = fresh.post(
        "/accounts/login/", {"login": "forgetful@x.example", "password": new_password}
    )
    assert response.status_code == 302
    assert fresh.get("/organisation/").wsgi_request.user == user
    old = Client().post(
        "/accounts/login/",
        {"login": "forgetful@x.example", "password": "correct horse battery staple"},
    )
    assert old.status_code == 200  # the form again, with an error
