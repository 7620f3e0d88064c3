"""django-filter FilterSets for the catalogue; applied inside selectors, never in views."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.fields import BooleanField as ApiBooleanField

from .models import Certification, Pilot, Solution
from .vocabularies import (
    LANGUAGE_CODES,
    Category,
    CertificationType,
    Deployment,
    PricingModel,
    Tier,
)


class _RegexFilter(django_filters.CharFilter):
    field_class = forms.RegexField
    regex = ""
    message = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("regex", self.regex)
        kwargs.setdefault("error_messages", {"invalid": self.message})
        super().__init__(*args, **kwargs)


class CountryFilter(_RegexFilter):
    regex = r"^[A-Z]{2}$"
    message = "Expected an ISO 3166-1 alpha-2 code such as KR or VN."


class CurrencyFilter(_RegexFilter):
    regex = r"^[A-Z]{3}$"
    message = "Expected an ISO 4217 code such as KRW or USD."


# Ids are BigAutoField: a larger number is no row, and the database driver cannot even send it.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row's id: a whole number from 1 to MAX_ID (not 1.5, not 10**23)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true/false, 1/0, yes/no, on/off (as the search API's switches, DRF's BooleanField);
    any other word is an error instead of being read as "not given"."""

    widget = forms.TextInput  # NullBooleanSelect turns unknown words into None

    def to_python(self, value):
        if value in (None, ""):
            return None
        word = value.lower() if isinstance(value, str) else value
        if word in ApiBooleanField.TRUE_VALUES:
            return True
        if word in ApiBooleanField.FALSE_VALUES:
            return False
        raise ValidationError(_("Expected true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class SolutionFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        low, high = data.get("price_min"), data.get("price_max")
        if low is not None and high is not None and low > high:
            self.add_error("price_max", "Must not be below price_min.")
        return data


class SolutionFilter(django_filters.FilterSet):
    """Catalogue filters: every parameter is checked; a bad value is a 400 naming it."""

    category = django_filters.ChoiceFilter(choices=Category.choices)
    status = django_filters.ChoiceFilter(choices=Solution.Status.choices)
    vendor = IdFilter(field_name="vendor_id")
    certification = django_filters.ChoiceFilter(
        choices=CertificationType.choices,
        method="filter_certification",
        help_text="Certification type valid on `valid_on` (default: today).",
    )
    valid_on = django_filters.DateFilter(
        method="filter_valid_on",
        help_text="Date (YYYY-MM-DD) the certification must be valid on; with no "
        "`certification`, any certification valid on that date.",
    )
    pilot_tier = django_filters.ChoiceFilter(choices=Tier.choices, method="filter_pilot_tier")
    pilot_country = CountryFilter(method="filter_pilot_country")
    reference_country = CountryFilter(field_name="reference_countries", lookup_expr="has_item")
    price_min = django_filters.NumberFilter(
        method="filter_price_min",
        help_text="Solutions whose price range reaches at least this amount.",
    )
    price_max = django_filters.NumberFilter(
        method="filter_price_max",
        help_text="Solutions whose price range starts at or below this amount.",
    )
    currency = CurrencyFilter(field_name="currency")
    pricing_model = django_filters.ChoiceFilter(choices=PricingModel.choices)
    standard = django_filters.CharFilter(field_name="standards", lookup_expr="has_item")
    tag = django_filters.CharFilter(field_name="tags", lookup_expr="has_item")
    language = django_filters.ChoiceFilter(
        choices=[(code, code) for code in LANGUAGE_CODES],
        field_name="languages",
        lookup_expr="has_item",
    )
    deployment = django_filters.ChoiceFilter(
        choices=Deployment.choices, field_name="deployment", lookup_expr="has_item"
    )
    trl_min = django_filters.NumberFilter(field_name="trl", lookup_expr="gte")
    changed_since_review = StrictBooleanFilter()

    class Meta:
        model = Solution
        fields: list[str] = []
        form = SolutionFilterForm

    def _valid_on(self):
        return self.form.cleaned_data.get("valid_on") or timezone.localdate()

    def filter_certification(self, queryset, name, value):
        return queryset.with_valid_certification(value, on=self._valid_on())

    def filter_valid_on(self, queryset, name, value):
        if self.form.cleaned_data.get("certification"):
            return queryset  # handled together with the type
        return queryset.filter(id__in=Certification.objects.valid_on(value).values("solution_id"))

    def filter_pilot_tier(self, queryset, name, value):
        return queryset.filter(id__in=Pilot.objects.filter(tier=value).values("solution_id"))

    def filter_pilot_country(self, queryset, name, value):
        return queryset.filter(id__in=Pilot.objects.filter(country=value).values("solution_id"))

    def filter_price_min(self, queryset, name, value):
        # Overlap with the asked range; a missing bound on the solution is open-ended,
        # but a solution without any price does not match a price filter.
        return queryset.filter(
            Q(price_max__gte=value) | Q(price_max__isnull=True, price_min__isnull=False)
        )

    def filter_price_max(self, queryset, name, value):
        return queryset.filter(
            Q(price_min__lte=value) | Q(price_min__isnull=True, price_max__isnull=False)
        )
