"""Web pages: home, the organisation members page and the invitation link."""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from allauth.account.views import SignupView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import InvitationForm
from .models import User
from .selectors_organisations import (
    invitation_expires_at,
    invitation_get_by_token,
    invitation_open_list,
    invitation_state,
    organisation_members,
)
from .services.organisations import (
    invitation_accept,
    invitation_create,
    member_remove,
    member_set_admin,
)


def home(request: HttpRequest) -> HttpResponse:
    """The front page."""
    return render(request, "catalogue/home.html")


@login_required
def organisation(request: HttpRequest) -> HttpResponse:
    """My organisation: its status, members and (for admins) invitations."""
    return _organisation_page(request, InvitationForm())


def _organisation_page(request: HttpRequest, form: InvitationForm, status: int = 200):
    org = request.user.organisation
    context = {"organisation": org, "form": form}
    if org is not None:
        members = list(organisation_members(organisation=org, user=request.user))
        context["members"] = members
        # The last admin's role cannot be taken back: offer no button that can only fail.
        context["sole_admin"] = sum(1 for m in members if m.is_org_admin and m.is_active) <= 1
        if request.user.is_org_admin:
            context["invitations"] = [
                (invitation, invitation_expires_at(invitation))
                for invitation in invitation_open_list(organisation=org)
            ]
    return render(request, "catalogue/organisation.html", context, status=status)


@login_required
@require_POST
def organisation_invite(request: HttpRequest) -> HttpResponse:
    """An admin sends an invitation."""
    form = InvitationForm(request.POST)
    if form.is_valid() and request.user.organisation is not None:
        try:
            invitation = invitation_create(
                organisation=request.user.organisation,
                email=form.cleaned_data["email"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Invitation sent to %s.") % invitation.email)
            return redirect("catalogue:organisation")
    if request.user.organisation is None:
        raise PermissionDenied(_("You do not belong to an organisation."))
    return _organisation_page(request, form, status=400)


@login_required
@require_POST
def member_remove_view(request: HttpRequest, member_id: int) -> HttpResponse:
    """An admin removes a colleague."""
    org = request.user.organisation
    member = get_object_or_404(User, pk=member_id, organisation=org, organisation__isnull=False)
    try:
        member_remove(organisation=org, member=member, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%s was removed from the organisation.") % member.email)
    return redirect("catalogue:organisation")


@login_required
@require_POST
def member_admin_view(request: HttpRequest, member_id: int) -> HttpResponse:
    """An admin gives or takes back the admin role."""
    org = request.user.organisation
    member = get_object_or_404(User, pk=member_id, organisation=org, organisation__isnull=False)
    is_admin = request.POST.get("is_org_admin") == "1"
    try:
        member_set_admin(organisation=org, member=member, by=request.user, is_admin=is_admin)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("catalogue:organisation")


class InvitationSignupView(SignupView):
    """allauth's sign-up, joining the invitation's organisation instead of creating one."""

    template_name = "account/signup.html"
    success_url = reverse_lazy("catalogue:organisation")

    def get_form_kwargs(self) -> dict:
        kwargs = super().get_form_kwargs()
        kwargs["invitation_token"] = self.kwargs["token"]
        return kwargs

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["invitation"] = self.invitation
        context["action_url"] = self.request.path
        return context

    def dispatch(self, request, *args, **kwargs):
        self.invitation = invitation_get_by_token(token=kwargs["token"])
        return super().dispatch(request, *args, **kwargs)


invitation_signup = InvitationSignupView.as_view()


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail: sign up into the organisation, or join it."""
    found = invitation_get_by_token(token=token)
    state = invitation_state(found) if found is not None else "unknown"
    if state != "open":
        return render(request, "catalogue/invitation_invalid.html", {"state": state}, status=404)
    if not request.user.is_authenticated:
        if request.method == "GET":
            # The link came by e-mail to this address: sign-up need not confirm it again.
            get_adapter(request).stash_verified_email(request, found.email)
        return invitation_signup(request, token=token)
    if request.method == "POST":
        try:
            invitation_accept(token=token, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            reason = " ".join(getattr(error, "messages", [str(error)]))
            return render(
                request,
                "catalogue/invitation_join.html",
                {"invitation": found, "error": reason},
                status=400,
            )
        messages.success(request, _("You joined %s.") % found.organisation.display_name)
        return redirect(reverse("catalogue:organisation"))
    email_matches = request.user.email.lower() == found.email.lower()
    return render(
        request,
        "catalogue/invitation_join.html",
        {"invitation": found, "email_matches": email_matches},
    )
