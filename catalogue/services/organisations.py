"""Writes about organisations: registration, approval, invitations and membership.

Every service checks who may do it (PermissionDenied) and what is valid (ValidationError),
owns its transaction, and sends its e-mails only after the commit.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from ..models import Invitation, Organisation, User
from ..selectors_organisations import (
    invitation_expires_at,
    invitation_state,
    invitation_token_hash,
    operator_emails,
    organisation_admin_emails,
)
from ..vocabularies import COUNTRY_CODES, Tier, VendorSize

SELF_REGISTERED_KINDS = (
    Organisation.Kind.VENDOR,
    Organisation.Kind.MUNICIPALITY,
    Organisation.Kind.AGENCY,
)
NAME_MAX_LENGTH = Organisation._meta.get_field("name_en").max_length


def organisation_clean(
    *,
    kind: str,
    name_en: str,
    name_ko: str,
    country: str,
    tier: str = "",
    population: int | None = None,
    size: str = "",
    website: str = "",
) -> dict[str, Any]:
    """Check a registration and return its normalised fields; ValidationError names each field."""
    errors: dict[str, str] = {}
    name_en, name_ko = (name_en or "").strip(), (name_ko or "").strip()
    country = (country or "").strip().upper()
    tier, size, website = (tier or "").strip(), (size or "").strip(), (website or "").strip()
    if kind not in SELF_REGISTERED_KINDS:
        errors["kind"] = _("Choose one of %(choices)s.") % {
            "choices": ", ".join(str(k) for k in SELF_REGISTERED_KINDS)
        }
    if not name_en and not name_ko:
        errors["name_en"] = _("Give the organisation's name in Korean, English or both.")
    for field, value in (("name_en", name_en), ("name_ko", name_ko)):
        if len(value) > NAME_MAX_LENGTH:
            errors[field] = _("At most %(n)s characters.") % {"n": NAME_MAX_LENGTH}
    if country not in COUNTRY_CODES:
        errors["country"] = _("Use a two-letter ISO 3166-1 country code, such as KR or VN.")
    if kind == Organisation.Kind.MUNICIPALITY:
        if tier not in Tier.values:
            errors["tier"] = _("Municipalities choose a tier: %(choices)s.") % {
                "choices": ", ".join(str(label) for label in Tier.labels)
            }
        if population is None:
            errors["population"] = _("Municipalities give their population.")
        elif not isinstance(population, int) or population <= 0:
            errors["population"] = _("The population is a whole number above zero.")
    else:
        if tier:
            errors["tier"] = _("Only municipalities have a tier.")
        if population is not None:
            errors["population"] = _("Only municipalities give a population.")
    if size and kind != Organisation.Kind.VENDOR:
        errors["size"] = _("Only vendors give a company size.")
    elif size and size not in VendorSize.values:
        errors["size"] = _("Choose one of %(choices)s.") % {"choices": ", ".join(VendorSize.values)}
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            errors["website"] = _("Enter a web address starting with http:// or https://.")
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "name_en": name_en,
        "name_ko": name_ko,
        "country": country,
        "tier": tier,
        "population": population,
        "size": size,
        "website": website,
    }


def organisation_register(
    *,
    user: User,
    kind: str,
    name_en: str,
    name_ko: str,
    country: str,
    tier: str = "",
    population: int | None = None,
    size: str = "",
    website: str = "",
) -> Organisation:
    """Create a pending organisation with ``user`` as its first admin; tell the operators."""
    fields = organisation_clean(
        kind=kind,
        name_en=name_en,
        name_ko=name_ko,
        country=country,
        tier=tier,
        population=population,
        size=size,
        website=website,
    )
    with transaction.atomic():
        if User.objects.select_for_update().get(pk=user.pk).organisation_id is not None:
            raise ValidationError(_("You already belong to an organisation."))
        organisation = Organisation(status=Organisation.Status.PENDING, **fields)
        organisation._history_user = user
        organisation._change_reason = "registered"
        organisation.save()
        user.organisation = organisation
        user.is_org_admin = True
        user.save(update_fields=["organisation", "is_org_admin"])
        transaction.on_commit(lambda: _mail_operators_pending(organisation, user))
    return organisation


def organisation_approve(*, organisation: Organisation, by: User) -> Organisation:
    """An operator approves ``organisation``; its admins get an e-mail."""
    _require_operator(by)
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.kind == Organisation.Kind.OPERATOR:
            raise ValidationError(_("The operator's own organisation is not reviewed."))
        if organisation.status == Organisation.Status.APPROVED:
            raise ValidationError({"status": _("This organisation is already approved.")})
        organisation.status = Organisation.Status.APPROVED
        organisation.status_reason = ""
        organisation.approved_at = timezone.now()
        organisation.approved_by = by
        organisation._history_user = by
        organisation._change_reason = "approved"
        organisation.save()
        transaction.on_commit(lambda: _mail_decision(organisation))
    return organisation


def organisation_reject(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    """An operator rejects ``organisation`` (or withdraws its approval), saying why."""
    _require_operator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the organisation is rejected.")})
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        if organisation.kind == Organisation.Kind.OPERATOR:
            raise ValidationError(_("The operator's own organisation is not reviewed."))
        if organisation.status == Organisation.Status.REJECTED:
            raise ValidationError({"status": _("This organisation is already rejected.")})
        organisation.status = Organisation.Status.REJECTED
        organisation.status_reason = reason
        organisation.approved_at = None
        organisation.approved_by = None
        organisation._history_user = by
        organisation._change_reason = "rejected"
        organisation.save()
        transaction.on_commit(lambda: _mail_decision(organisation))
    return organisation


def invitation_create(*, organisation: Organisation, email: str, by: User) -> Invitation:
    """An admin of ``organisation`` invites ``email``; the e-mail carries a single-use link."""
    _require_org_admin(organisation, by)
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")})
    if User.objects.filter(organisation=organisation, email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # A new invitation replaces any open one for the same address.
        Invitation.objects.filter(
            organisation=organisation, email__iexact=email, accepted_at__isnull=True
        ).delete()
        invitation = Invitation.objects.create(
            organisation=organisation,
            email=email,
            token=invitation_token_hash(token),
            invited_by=by,
        )
        transaction.on_commit(lambda: _mail_invitation(invitation, token))
    return invitation


def invitation_accept(*, token: str, user: User) -> Invitation:
    """``user``, signed in with the invited address, joins the organisation; once only."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(token=invitation_token_hash(token or ""))
            .first()
        )
        if invitation is None:
            raise ValidationError({"token": _("This invitation link is not valid.")})
        state = invitation_state(invitation)
        if state == "accepted":
            raise ValidationError({"token": _("This invitation has already been used.")})
        if state == "expired":
            raise ValidationError({"token": _("This invitation has expired; ask for a new one.")})
        if not _user_has_email(user, invitation.email):
            raise PermissionDenied(
                _(
                    "This invitation was sent to another e-mail address; "
                    "sign in with that address to accept it."
                )
            )
        current = User.objects.select_for_update().get(pk=user.pk).organisation_id
        if current == invitation.organisation_id:
            raise ValidationError({"token": _("You are already a member of this organisation.")})
        if current is not None:
            raise ValidationError(
                {"token": _("You already belong to another organisation; leave it first.")}
            )
        user.organisation = invitation.organisation
        user.is_org_admin = False
        user.save(update_fields=["organisation", "is_org_admin"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
    return invitation


def member_remove(*, organisation: Organisation, member: User, by: User) -> None:
    """An admin removes ``member``: they lose the organisation and their API tokens."""
    _require_org_admin(organisation, by)
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        locked = User.objects.select_for_update().get(pk=member.pk)
        if locked.organisation_id != organisation.id:
            raise ValidationError(
                {"member": _("This person is not a member of your organisation.")}
            )
        if locked.is_org_admin and _admin_count(organisation) <= 1:
            raise ValidationError(
                {"member": _("The last admin cannot be removed; make someone else admin first.")}
            )
        member.organisation = None
        member.is_org_admin = False
        member.save(update_fields=["organisation", "is_org_admin"])
        Token.objects.filter(user=member).delete()


def member_set_admin(*, organisation: Organisation, member: User, by: User, is_admin: bool) -> User:
    """An admin makes ``member`` an admin or takes it back; there is always one admin left."""
    _require_org_admin(organisation, by)
    with transaction.atomic():
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        locked = User.objects.select_for_update().get(pk=member.pk)
        if locked.organisation_id != organisation.id:
            raise ValidationError(
                {"member": _("This person is not a member of your organisation.")}
            )
        if locked.is_org_admin and not is_admin and _admin_count(organisation) <= 1:
            raise ValidationError({"is_org_admin": _("The organisation needs at least one admin.")})
        member.is_org_admin = is_admin
        member.save(update_fields=["is_org_admin"])
    return member


def _require_operator(user: User) -> None:
    if not (user and user.is_authenticated and user.is_operator()):
        raise PermissionDenied(_("Only operators can approve or reject organisations."))


def _require_org_admin(organisation: Organisation, user: User) -> None:
    if not (
        user
        and user.is_authenticated
        and user.is_org_admin
        and user.organisation_id == organisation.id
    ):
        raise PermissionDenied(_("Only an admin of this organisation can do this."))


def _admin_count(organisation: Organisation) -> int:
    return User.objects.filter(organisation=organisation, is_org_admin=True, is_active=True).count()


def _user_has_email(user: User, email: str) -> bool:
    from allauth.account.models import EmailAddress

    email = email.lower()
    if (user.email or "").lower() == email:
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _send(template: str, context: dict[str, Any], recipients: list[str]) -> None:
    subject = render_to_string(f"catalogue/email/{template}_subject.txt", context)
    body = render_to_string(f"catalogue/email/{template}_message.txt", context)
    subject = " ".join(subject.split())
    for recipient in recipients:
        send_mail(subject, body, None, [recipient])


def _mail_operators_pending(organisation: Organisation, user: User) -> None:
    try:
        admin_url = _absolute_url(
            reverse("admin:catalogue_organisation_change", args=[organisation.pk])
        )
    except NoReverseMatch:
        admin_url = ""
    context = {
        "organisation": organisation,
        "user": user,
        "admin_url": admin_url,
        "review_url": _absolute_url(reverse("catalogue:review") + "#organisations"),
        "api_url": _absolute_url(
            reverse("api-organisation-detail", kwargs={"organisation_id": organisation.pk})
        ),
    }
    _send("organisation_pending", context, operator_emails())


def _mail_decision(organisation: Organisation) -> None:
    context = {
        "organisation": organisation,
        "url": _absolute_url(reverse("catalogue:organisation")),
    }
    template = (
        "organisation_approved"
        if organisation.status == Organisation.Status.APPROVED
        else "organisation_rejected"
    )
    _send(template, context, organisation_admin_emails(organisation=organisation))


def _mail_invitation(invitation: Invitation, token: str) -> None:
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "invited_by": invitation.invited_by,
        "expires_at": invitation_expires_at(invitation),
        "url": _absolute_url(reverse("catalogue:invitation", args=[token])),
    }
    _send("invitation", context, [invitation.email])
