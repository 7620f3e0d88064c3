"""Web forms of the vendor workspace and the operator's review queue.

Forms only parse what a browser sends (text lists, check boxes, files) into the shapes the
services take; the services decide what is valid and their errors are put next to the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import KPI_VALUE_LIMIT, Verification
from .validators import safe_display_name
from .vocabularies import (
    LANGUAGE_CODES,
    Better,
    Category,
    CertificationType,
    Deployment,
    PricingModel,
    Tier,
)

BLANK = [("", "---------")]
LANGUAGE_NAMES = {"ko": _("Korean"), "en": _("English")}


def _split(text: str, *, upper: bool = False) -> list[str]:
    """'a, b; c' → ['a', 'b', 'c'] (commas, semicolons or new lines separate items)."""
    items = [part.strip() for part in text.replace(";", ",").replace("\n", ",").split(",")]
    return [item.upper() if upper else item for item in items if item]


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the form's fields (others above the form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class UploadAwareForm(forms.Form):
    """A form with file fields that says which chosen files were not kept when it fails."""

    def lost_uploads(self) -> list[str]:
        """Names of the files sent with a form that failed (browsers cannot keep them)."""
        if not self.is_bound or not self.errors:
            return []
        return [safe_display_name(f.name) for f in self.files.values() if getattr(f, "name", "")]


class SolutionForm(forms.Form):
    """Every field of a solution; both languages side by side."""

    name_ko = forms.CharField(label=_("Name (Korean)"), required=False, max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), required=False, max_length=200)
    summary_ko = forms.CharField(
        label=_("Summary (Korean)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    description_ko = forms.CharField(
        label=_("Description (Korean)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    description_en = forms.CharField(
        label=_("Description (English)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    category = forms.ChoiceField(label=_("Category"), choices=BLANK + list(Category.choices))
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate them with commas.")
    )
    standards = forms.CharField(
        label=_("Standards"),
        required=False,
        help_text=_("Separate them with commas, e.g. NGSI-LD, oneM2M."),
    )
    deployment = forms.MultipleChoiceField(
        label=_("Deployment"),
        required=False,
        choices=Deployment.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    price_min = forms.DecimalField(label=_("Lowest price"), required=False, min_value=0)
    price_max = forms.DecimalField(label=_("Highest price"), required=False, min_value=0)
    currency = forms.CharField(
        label=_("Currency"),
        required=False,
        max_length=3,
        help_text=_("ISO 4217 code, e.g. KRW or USD."),
    )
    pricing_model = forms.ChoiceField(
        label=_("Pricing model"), required=False, choices=BLANK + list(PricingModel.choices)
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages of the product"),
        required=False,
        choices=[(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGE_CODES],
        widget=forms.CheckboxSelectMultiple,
    )
    trl = forms.IntegerField(
        label=_("Technology readiness level (1–9)"), required=False, min_value=1, max_value=9
    )
    reference_countries = forms.CharField(
        label=_("Reference countries"),
        required=False,
        help_text=_("Two-letter codes separated by commas, e.g. KR, VN."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_for(cls, solution) -> dict[str, Any]:
        """The form's initial values from a stored solution."""
        initial = {name: getattr(solution, name) for name in cls.base_fields if name != "version"}
        for name in ("tags", "standards", "reference_countries"):
            initial[name] = ", ".join(getattr(solution, name) or [])
        initial["version"] = solution.version
        return initial

    def clean_currency(self) -> str:
        return (self.cleaned_data.get("currency") or "").strip().upper()

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as the keyword data of ``solution_create``/``solution_update``."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        data["tags"] = _split(data["tags"])
        data["standards"] = _split(data["standards"])
        data["reference_countries"] = _split(data["reference_countries"], upper=True)
        return data


class ImageForm(UploadAwareForm):
    """One product image with its alternative texts."""

    image = forms.FileField(
        label=_("Image file"),
        help_text=_("JPEG, PNG or WebP, up to 10 MB."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": "image/jpeg,image/png,image/webp",
                "data-wrong-type": _("Only JPEG, PNG and WebP images are accepted."),
                "data-preview-alt": _("Preview of the chosen image"),
            }
        ),
    )
    alt_ko = forms.CharField(label=_("Description of the image (Korean)"), required=False)
    alt_en = forms.CharField(label=_("Description of the image (English)"), required=False)


class CertificationForm(UploadAwareForm):
    """A certification with its validity window and an evidence file."""

    type = forms.ChoiceField(label=_("Certification"), choices=BLANK + CertificationType.choices)
    number = forms.CharField(label=_("Certificate number"), required=False, max_length=100)
    issuer = forms.CharField(label=_("Issuer"), required=False, max_length=200)
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        help_text=_("The certificate as a PDF or an image (JPEG, PNG, WebP)."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/*"}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and start > end:
            self.add_error("valid_until", _("Must not be before the start of validity."))
        return cleaned

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("evidence"):
            data.pop("evidence", None)
        return data


class PilotForm(forms.Form):
    """A pilot deployment."""

    city = forms.CharField(label=_("City"), max_length=200)
    country = forms.CharField(
        label=_("Country"), max_length=2, initial="KR", help_text=_("Two-letter ISO code.")
    )
    tier = forms.ChoiceField(label=_("Tier"), required=False, choices=BLANK + Tier.choices)
    population = forms.IntegerField(label=_("Population"), required=False, min_value=0)
    start = forms.DateField(
        label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    summary_ko = forms.CharField(
        label=_("Summary (Korean)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_country(self) -> str:
        return (self.cleaned_data.get("country") or "").strip().upper()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("Must not be before the start."))
        return cleaned


class KpiForm(forms.Form):
    """A KPI measured in a pilot: baseline → result."""

    indicator = forms.CharField(label=_("Indicator"), max_length=300)
    iso37122 = forms.CharField(label=_("ISO 37122 indicator"), required=False, max_length=32)
    baseline = forms.FloatField(
        label=_("Baseline"), min_value=-KPI_VALUE_LIMIT, max_value=KPI_VALUE_LIMIT
    )
    result = forms.FloatField(
        label=_("Result"), min_value=-KPI_VALUE_LIMIT, max_value=KPI_VALUE_LIMIT
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=50)
    better = forms.ChoiceField(label=_("Which way is better"), choices=Better.choices)


class ReasonForm(forms.Form):
    """A reason for sending back or rejecting (required)."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class VerificationForm(forms.Form):
    """The operator's decision on a certification or a pilot."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("verified", _("Verify")), ("rejected", _("Reject"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note (required to reject)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    # the status the operator saw: a decision taken meanwhile by another one is not overridden
    expected = forms.ChoiceField(
        choices=[(value, value) for value in Verification.values],
        required=False,
        widget=forms.HiddenInput,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "rejected" and not (cleaned.get("note") or "").strip():
            self.add_error("note", _("Say why the evidence is rejected."))
        return cleaned
