"""Web forms: the organisation part of sign-up (allauth) and the members page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Organisation
from .selectors_organisations import invitation_get_by_token, invitation_state
from .services.organisations import (
    SELF_REGISTERED_KINDS,
    invitation_accept,
    organisation_clean,
    organisation_register,
)
from .vocabularies import Tier, VendorSize

ORGANISATION_FIELDS = (
    "kind",
    "name_ko",
    "name_en",
    "country",
    "tier",
    "population",
    "size",
    "website",
)


class OrganisationSignupForm(forms.Form):
    """Base of allauth's sign-up form (``ACCOUNT_SIGNUP_FORM_CLASS``): adds the organisation.

    With ``invitation_token`` (given by the invitation page) the person joins that
    organisation instead, and the organisation fields are left out.
    """

    kind = forms.ChoiceField(
        label=_("Organisation type"),
        choices=[("", "---------")]
        + [(k.value, k.label) for k in Organisation.Kind if k in SELF_REGISTERED_KINDS],
    )
    name_ko = forms.CharField(
        label=_("Name in Korean"),
        required=False,
        max_length=200,
        help_text=_("Give the name in Korean, in English, or both."),
    )
    name_en = forms.CharField(label=_("Name in English"), required=False, max_length=200)
    country = forms.CharField(
        label=_("Country"),
        initial="KR",
        max_length=2,
        min_length=2,
        help_text=_("Two-letter ISO code, such as KR or VN."),
        widget=forms.TextInput(attrs={"autocomplete": "country", "size": 3}),
    )
    tier = forms.ChoiceField(
        label=_("Municipality tier"),
        required=False,
        choices=[("", "---------"), *Tier.choices],
        help_text=_("Municipalities only."),
    )
    population = forms.IntegerField(
        label=_("Population"),
        required=False,
        min_value=1,
        help_text=_("Municipalities only."),
    )
    size = forms.ChoiceField(
        label=_("Company size"),
        required=False,
        choices=[("", "---------"), *VendorSize.choices],
        help_text=_("Vendors only."),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
    )

    organisation_fields = ORGANISATION_FIELDS

    def __init__(self, *args, invitation_token: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.invitation_token = invitation_token
        self.invitation = None
        if invitation_token:
            invitation = invitation_get_by_token(token=invitation_token)
            if invitation is not None and invitation_state(invitation) == "open":
                self.invitation = invitation
            for name in ORGANISATION_FIELDS:
                self.fields.pop(name, None)
            if "email" in self.fields and self.invitation is not None:
                self.fields["email"].initial = self.invitation.email

    def clean(self):
        cleaned = super().clean()
        if self.invitation_token:
            if self.invitation is None:
                raise ValidationError(_("This invitation is no longer valid."))
            email = (cleaned.get("email") or "").lower()
            if email and email != self.invitation.email.lower():
                self.add_error("email", _("Use the address the invitation was sent to."))
            return cleaned
        kind = cleaned.get("kind") or ""
        # Fields that do not apply to the chosen kind are dropped, not refused: the page
        # shows them all to people without JavaScript.
        if kind != Organisation.Kind.MUNICIPALITY:
            cleaned["tier"], cleaned["population"] = "", None
        if kind != Organisation.Kind.VENDOR:
            cleaned["size"] = ""
        if self.errors:
            return cleaned
        try:
            cleaned.update(organisation_clean(**{n: cleaned.get(n) for n in ORGANISATION_FIELDS}))
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def signup(self, request, user) -> None:
        """Called by allauth once the user exists: register or join the organisation."""
        if self.invitation_token:
            invitation_accept(token=self.invitation_token, user=user)
            return
        organisation_register(user=user, **{n: self.cleaned_data[n] for n in ORGANISATION_FIELDS})


class InvitationForm(forms.Form):
    """An admin invites a colleague by e-mail."""

    email = forms.EmailField(
        label=_("Colleague's e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
