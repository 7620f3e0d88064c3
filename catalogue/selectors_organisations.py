"""Reads about organisations, their members and invitations."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Invitation, Organisation, User

INVITATION_TTL = dt.timedelta(days=14)


def invitation_token_hash(token: str) -> str:
    """The stored form of an invitation token: only its SHA-256 is kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_expires_at(invitation: Invitation) -> dt.datetime:
    """When ``invitation`` stops being usable."""
    return invitation.created_at + INVITATION_TTL


def invitation_state(invitation: Invitation, *, now: dt.datetime | None = None) -> str:
    """``"open"``, ``"accepted"`` or ``"expired"``."""
    if invitation.accepted_at is not None:
        return "accepted"
    if (now or timezone.now()) >= invitation_expires_at(invitation):
        return "expired"
    return "open"


def invitation_get_by_token(*, token: str) -> Invitation | None:
    """The invitation a link token belongs to (whatever its state), or None."""
    if not token:
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token=invitation_token_hash(token))
        .first()
    )


def invitation_open_list(*, organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations of ``organisation`` that can still be accepted, newest first."""
    return (
        Invitation.objects.filter(
            organisation=organisation,
            accepted_at__isnull=True,
            created_at__gt=timezone.now() - INVITATION_TTL,
        )
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def organisation_list(*, user: User, status: str | None = None) -> QuerySet[Organisation]:
    """All organisations (operators only), optionally with one status, with member counts."""
    if not user.is_operator():
        raise PermissionDenied(_("Only operators can list organisations."))
    if status and status not in Organisation.Status.values:
        raise ValidationError(
            {
                "status": _("Unknown status %(status)r; use one of %(choices)s.")
                % {"status": status, "choices": Organisation.Status.values}
            }
        )
    queryset = Organisation.objects.annotate(member_count=Count("members"))
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("created_at", "id")


def organisation_get(*, user: User, organisation_id: int) -> Organisation:
    """One organisation: operators see any, others only their own (else DoesNotExist)."""
    queryset = Organisation.objects.all()
    if not user.is_operator():
        queryset = queryset.filter(id=user.organisation_id)
    return queryset.get(id=organisation_id)


def organisation_members(*, organisation: Organisation, user: User) -> QuerySet[User]:
    """The people of ``organisation``, admins first; visible to its members and operators."""
    if user.organisation_id != organisation.id and not user.is_operator():
        raise PermissionDenied(_("You can only see the members of your own organisation."))
    return User.objects.filter(organisation=organisation, is_active=True).order_by(
        "-is_org_admin", "email", "id"
    )


def organisation_admin_emails(*, organisation: Organisation) -> list[str]:
    """E-mail addresses of the active admins of ``organisation``."""
    return list(
        User.objects.filter(organisation=organisation, is_org_admin=True, is_active=True)
        .exclude(email="")
        .order_by("id")
        .values_list("email", flat=True)
    )


def operator_emails() -> list[str]:
    """E-mail addresses of the people who approve organisations."""
    return list(
        User.objects.filter(
            Q(organisation__kind=Organisation.Kind.OPERATOR) | Q(is_superuser=True),
            is_active=True,
        )
        .exclude(email="")
        .order_by("id")
        .values_list("email", flat=True)
        .distinct()
    )


def organisation_history(*, organisation: Organisation) -> list[dict[str, Any]]:
    """Every recorded version of ``organisation``, newest first: who, when, why, what changed."""
    records = list(organisation.history.select_related("history_user").order_by("history_date"))
    entries = []
    previous = None
    for record in records:
        if previous is None:
            changes = [
                {"field": field.name, "old": None, "new": getattr(record, field.attname)}
                for field in record.instance_type._meta.fields
                if field.name not in {"id", "created_at"}
                and getattr(record, field.attname) not in (None, "")
            ]
        else:
            delta = record.diff_against(previous)
            changes = [
                {"field": change.field, "old": change.old, "new": change.new}
                for change in delta.changes
            ]
        user = record.history_user
        entries.append(
            {
                "at": record.history_date,
                "type": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "by": None if user is None else {"id": user.id, "email": user.email},
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
        previous = record
    entries.reverse()
    return entries
