"""Who may see and change what in the catalogue; used by services, selectors and the API.

Invisible objects are "not found" (404); visible objects a user may not change are
"permission denied" (403), so nobody learns that another vendor's draft exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from .models import Organisation, Solution


def is_operator(user) -> bool:
    """True for the platform operator's people (and superusers)."""
    return bool(user is not None and user.is_authenticated and user.is_operator())


def is_vendor(user) -> bool:
    """True when the user acts for a vendor organisation."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.organisation_id
        and user.organisation.kind == Organisation.Kind.VENDOR
    )


def owns_solution(user, solution: Solution) -> bool:
    """True when the user acts for the vendor that lists ``solution``."""
    return is_vendor(user) and user.organisation_id == solution.vendor_id


def can_view_solution(user, solution: Solution) -> bool:
    """Published ones for everybody; drafts and archives for their vendor and operators."""
    return (
        solution.status == Solution.Status.PUBLISHED
        or owns_solution(user, solution)
        or is_operator(user)
    )


def ensure_can_view_solution(user, solution: Solution) -> None:
    """Raise Http404 when the user may not see ``solution``."""
    if not can_view_solution(user, solution):
        raise Http404("No such solution.")


def ensure_owner(user, solution: Solution) -> None:
    """404 if invisible, 403 unless the user acts for the solution's vendor."""
    ensure_can_view_solution(user, solution)
    if not owns_solution(user, solution):
        raise PermissionDenied(_("Only the vendor that lists this solution can change it."))


def ensure_operator_for(user, solution: Solution) -> None:
    """404 if invisible, 403 unless the user is an operator."""
    ensure_can_view_solution(user, solution)
    if not is_operator(user):
        raise PermissionDenied(_("Only the operator can do this."))


def ensure_owner_or_operator(user, solution: Solution) -> None:
    """404 if invisible, 403 unless the user is the owning vendor or an operator."""
    ensure_can_view_solution(user, solution)
    if not (owns_solution(user, solution) or is_operator(user)):
        raise PermissionDenied(_("Only the vendor that lists this solution or the operator can."))


def ensure_approved_vendor(user) -> None:
    """403 with the reason unless the user acts for an approved vendor organisation."""
    if not is_vendor(user):
        raise PermissionDenied(_("Only people acting for a vendor organisation can do this."))
    ensure_organisation_approved(
        user,
        pending=_(
            "Your organisation is waiting for approval by the operator; "
            "it cannot submit solutions for review yet."
        ),
        rejected=_(
            "Your organisation was not approved by the operator; it cannot submit solutions."
        ),
    )


def ensure_organisation_approved(user, *, pending: str = "", rejected: str = "") -> None:
    """403 with the reason unless the operator approved the user's organisation (operators
    pass): a pending or rejected organisation may prepare drafts, but show nothing to others."""
    if is_operator(user):
        return
    org = user.organisation
    if org is not None and org.status == Organisation.Status.REJECTED:
        raise PermissionDenied(
            rejected or _("Your organisation was not approved by the operator; it cannot publish.")
        )
    if org is None or not org.is_approved:
        raise PermissionDenied(
            pending
            or _(
                "Your organisation is waiting for approval by the operator; "
                "it can publish once it is approved."
            )
        )


class IsOperator(BasePermission):
    """DRF permission: the request's user is an operator."""

    message = gettext_lazy("Only the operator can do this.")

    def has_permission(self, request, view) -> bool:
        return is_operator(request.user)
