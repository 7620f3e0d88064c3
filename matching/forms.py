"""Web forms of the municipality and export-agency workspaces."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from catalogue.forms_workspace import BLANK, UploadAwareForm
from catalogue.vocabularies import Category, CertificationType

from .models import Channel, Match, ProcurementMethod, Registration


class NeedForm(forms.Form):
    """A municipality's need, both languages side by side."""

    title_ko = forms.CharField(label=_("Title (Korean)"), required=False, max_length=300)
    title_en = forms.CharField(label=_("Title (English)"), required=False, max_length=300)
    description_ko = forms.CharField(
        label=_("Description (Korean)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    category = forms.ChoiceField(label=_("Category"), choices=BLANK + list(Category.choices))
    budget_max = forms.DecimalField(label=_("Budget (at most)"), required=False, min_value=0)
    budget_currency = forms.CharField(
        label=_("Currency of the budget"),
        required=False,
        max_length=3,
        initial="KRW",
        help_text=_("ISO 4217 code, e.g. KRW."),
    )
    required_certifications = forms.MultipleChoiceField(
        label=_("Required certifications"),
        required=False,
        choices=CertificationType.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    deadline = forms.DateField(
        label=_("Deadline"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    procurement_method = forms.ChoiceField(
        label=_("Procurement method"),
        required=False,
        choices=BLANK + list(ProcurementMethod.choices),
    )

    @classmethod
    def initial_for(cls, need) -> dict[str, Any]:
        """The form's initial values from a stored need."""
        return {name: getattr(need, name) for name in cls.base_fields}

    def clean_budget_currency(self) -> str:
        return (self.cleaned_data.get("budget_currency") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        if (
            not (cleaned.get("title_ko") or "").strip()
            and not (cleaned.get("title_en") or "").strip()
        ):
            self.add_error("title_ko", _("Give the title in Korean, in English or both."))
        if cleaned.get("budget_max") is not None and not cleaned.get("budget_currency"):
            self.add_error("budget_currency", _("Give the currency of the budget."))
        return cleaned


class MatchDecisionForm(forms.Form):
    """Shortlist, decline (with a reason) or move a match along."""

    status = forms.ChoiceField(choices=Match.Status.choices, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason (required to decline)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == Match.Status.DECLINED
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Say why the match is declined."))
        return cleaned


IMPORT_FORMATS = [
    ("csv", _("CSV (the column set of the template)")),
    ("exchange", _("smartcity-exchange/1 JSON")),
    ("ocds", _("OCDS release or record package (JSON)")),
]


class LeadUploadForm(UploadAwareForm):
    """A file of leads to import."""

    format = forms.ChoiceField(label=_("File format"), choices=IMPORT_FORMATS, initial="csv")
    file = forms.FileField(label=_("File"))
    default_country = forms.CharField(
        label=_("Country for OCDS tenders that do not name one"),
        required=False,
        max_length=2,
        help_text=_("Two-letter ISO code, e.g. VN. Only used for OCDS."),
    )

    def clean_default_country(self) -> str:
        return (self.cleaned_data.get("default_country") or "").strip().upper()


class RegistrationOpenForm(forms.Form):
    """Open a procurement registration for a shortlisted match."""

    channel = forms.ChoiceField(label=_("Procurement channel"), choices=BLANK + Channel.choices)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class RegistrationTransitionForm(forms.Form):
    """Move a registration along (submit it, or take it back to draft)."""

    status = forms.ChoiceField(choices=Registration.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
