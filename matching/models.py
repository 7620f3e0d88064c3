"""Municipal needs, overseas leads, their matches with solutions, and currency rates.

Writes go through ``services.py``; reads through ``selectors.py``; scoring is pure (``scoring.py``).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import Organisation, Solution, new_exchange_id
from catalogue.vocabularies import Category, CertificationType, Financing, LeadSource, Tier

from .validators import validate_budget_max, validate_country_code, validate_currency_code
from .weights import ALERT_THRESHOLD


class CurrencyRate(models.Model):
    """How many KRW one unit of ``currency`` was worth on ``date`` (seeded from rates.json)."""

    currency = models.CharField(max_length=3)
    krw_per_unit = models.DecimalField(max_digits=18, decimal_places=6)
    date = models.DateField()
    source = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="one_rate_per_currency_day")
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.krw_per_unit} KRW ({self.date})"


class ProcurementMethod(models.TextChoices):
    OPEN_TENDER = "open-tender", _("Open tender")
    NEGOTIATED = "negotiated", _("Negotiated contract")
    INNOVATION_PRODUCT = "innovation-product", _("Innovation product purchase")
    EXCELLENT_PRODUCT = "excellent-product", _("Excellent product purchase")
    DIGITAL_MALL = "digital-mall", _("Digital service mall")
    OTHER = "other", _("Other")


class Opportunity(models.Model):
    """What a need and a lead share: who brought it, what is asked, by when, for how much."""

    exchange_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    description_ko = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    budget_max = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, validators=[validate_budget_max]
    )
    budget_currency = models.CharField(
        max_length=3, blank=True, validators=[validate_currency_code]
    )
    required_certifications = models.JSONField(default=list, blank=True)
    deadline = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    ID_PREFIX = ""  # of the exchange id given to items created here ("n-3f9a0c21d4")

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(title_ko="") | ~Q(title_en=""), name="%(class)s_has_a_title"
            )
        ]

    def save(self, *args, **kwargs):
        if self._state.adding and not self.exchange_id:
            self.exchange_id = new_exchange_id(self.ID_PREFIX)
        super().save(*args, **kwargs)

    @property
    def public_id(self) -> str:
        return self.exchange_id or f"{self.ID_PREFIX}-{self.pk}"

    def clean(self):
        super().clean()
        errors = {}
        if not self.title_ko.strip() and not self.title_en.strip():
            message = _("Give a title in English (title_en), Korean (title_ko) or both.")
            errors["title_en"] = errors["title_ko"] = [message]
        if self.budget_max is not None and not self.budget_currency:
            errors["budget_currency"] = [_("is required with a budget (ISO 4217, such as KRW)")]
        if errors:
            raise ValidationError(errors)

    @property
    def required_certification_labels(self) -> list[str]:
        """The required certifications' names in the active language (unknown codes as they are)."""
        labels = dict(CertificationType.choices)
        return [str(labels.get(code, code)) for code in self.required_certifications or []]


class Need(Opportunity):
    """A municipality's need; private to its organisation until published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    # The buyer is the organisation; these hold a copy (or the imported buyer when there is none).
    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_country = models.CharField(max_length=2, default="KR", validators=[validate_country_code])
    buyer_tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    buyer_population = models.PositiveIntegerField(null=True, blank=True)
    title_ko = models.CharField(max_length=300, blank=True)
    title_en = models.CharField(max_length=300, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    procurement_method = models.CharField(
        max_length=24, choices=ProcurementMethod.choices, blank=True
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)

    ID_PREFIX = "n"

    def __str__(self) -> str:
        return self.title_ko or self.title_en


class Lead(Opportunity):
    """An overseas procurement lead, entered by an export agency or imported."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="leads"
    )
    source = models.CharField(max_length=16, choices=LeadSource.choices, default=LeadSource.OTHER)
    url = models.URLField(max_length=500, blank=True)
    country = models.CharField(max_length=2, validators=[validate_country_code])
    city = models.CharField(max_length=200, blank=True)
    buyer = models.CharField(max_length=300, blank=True)
    title_ko = models.CharField(max_length=500, blank=True)
    title_en = models.CharField(max_length=500, blank=True)
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    financing = models.CharField(max_length=16, choices=Financing.choices, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)

    ID_PREFIX = "l"

    def __str__(self) -> str:
        return self.title_en or self.title_ko


class Match(models.Model):
    """A solution suggested for a need or lead: score, breakdown and people's decision."""

    class Status(models.TextChoices):
        SUGGESTED = "suggested", _("Suggested")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        CONTACTED = "contacted", _("Contacted")
        PROPOSAL = "proposal", _("Proposal")
        REGISTERED = "registered", _("Registered")
        DECLINED = "declined", _("Declined")

    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="matches")
    rank = models.PositiveIntegerField()
    score = models.FloatField()
    text_score = models.FloatField(default=0.0)
    compliant = models.BooleanField(default=True)
    violations = models.JSONField(default=list, blank=True)
    breakdown = models.JSONField(default=dict)
    explanation_en = models.TextField(blank=True)
    explanation_ko = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUGGESTED)
    decline_reason = models.TextField(blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    stale = models.BooleanField(
        default=False, help_text=_("No longer among the candidates of the latest run.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["rank", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(need__isnull=False) & Q(lead__isnull=True))
                | (Q(need__isnull=True) & Q(lead__isnull=False)),
                name="match_for_need_xor_lead",
            ),
            models.UniqueConstraint(
                fields=["need", "solution"], condition=Q(need__isnull=False), name="one_need_match"
            ),
            models.UniqueConstraint(
                fields=["lead", "solution"], condition=Q(lead__isnull=False), name="one_lead_match"
            ),
        ]

    def __str__(self) -> str:
        target = f"need {self.need_id}" if self.need_id else f"lead {self.lead_id}"
        return f"{target} ↔ solution {self.solution_id} ({self.status})"

    def explanation(self, language: str) -> str:
        return self.explanation_ko if language == "ko" else self.explanation_en


class MatchEvent(models.Model):
    """Who moved a match to which status, when and why (the audit trail)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Match.Status.choices)
    to_status = models.CharField(max_length=16, choices=Match.Status.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    # The reason the system writes when a registration of the match is registered: stored as
    # this English text (rows from before this constant have the same text) and shown in the
    # reader's language, with the channel's name.
    REGISTERED_REASON = "Registration {number} ({channel}) registered."
    REGISTERED_REASON_PATTERN = re.compile(r"Registration (\d+) \(([a-z-]+)\) registered\.")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.match_id}: {self.from_status} → {self.to_status}"

    @classmethod
    def registered_reason(cls, registration: Registration) -> str:
        """The reason stored when ``registration`` is registered."""
        return cls.REGISTERED_REASON.format(number=registration.pk, channel=registration.channel)

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language if the system wrote it; a person's as written."""
        found = self.REGISTERED_REASON_PATTERN.fullmatch(self.reason)
        if found is None:
            return self.reason
        number, channel = found.groups()
        return _("Registration %(number)s (%(channel)s) registered.") % {
            "number": number,
            "channel": dict(Channel.choices).get(channel, channel),
        }


class Channel(models.TextChoices):
    """Where a solution is registered for procurement."""

    PPS_INNOVATION = "pps-innovation", _("Public-procurement innovation product")
    PPS_EXCELLENT = "pps-excellent", _("Public-procurement excellent product")
    DIGITAL_MALL = "digital-mall", _("Digital service mall")
    OVERSEAS_TENDER = "overseas-tender", _("Overseas tender")


class Registration(models.Model):
    """A procurement registration of a matched solution for one channel, with its audit trail."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        REGISTERED = "registered", _("Registered")
        REJECTED = "rejected", _("Rejected")

    match = models.ForeignKey(Match, on_delete=models.PROTECT, related_name="registrations")
    solution = models.ForeignKey(Solution, on_delete=models.PROTECT, related_name="registrations")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="registrations",
        help_text=_("The buyer or agency that opened it."),
    )  # fmt: skip
    channel = models.CharField(max_length=24, choices=Channel.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    note = models.TextField(blank=True)
    checklist_at_submit = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["match", "channel"], name="one_registration_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"registration {self.pk}: solution {self.solution_id} via {self.channel}"


class RegistrationEvent(models.Model):
    """Who moved a registration to which status, when, with what note."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Registration.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Registration.Status.choices)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.registration_id}: {self.from_status or '-'} → {self.to_status}"


class AlertSubscription(models.Model):
    """A vendor's wish to hear of new opportunities for one solution or one category."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="alert_subscriptions"
    )
    solution = models.ForeignKey(
        Solution, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    category = models.CharField(max_length=16, choices=Category.choices, blank=True)
    threshold = models.FloatField(
        default=ALERT_THRESHOLD, help_text=_("Minimum match score (0–1).")
    )
    email = models.EmailField(blank=True, help_text=_("Defaults to the subscriber's e-mail."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(solution__isnull=False) & Q(category=""))
                | (Q(solution__isnull=True) & ~Q(category="")),
                name="alert_for_solution_xor_category",
            )
        ]

    def __str__(self) -> str:
        return f"alerts for {self.solution_id or self.category} ({self.organisation_id})"


class AlertDelivery(models.Model):
    """A match already e-mailed to an organisation: never sent to it twice."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="alert_deliveries")
    subscription = models.ForeignKey(
        AlertSubscription, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "match"], name="one_alert_per_match")
        ]

    def __str__(self) -> str:
        return f"match {self.match_id} → organisation {self.organisation_id}"
