"""The catalogue: organisations and their people, solutions, certifications, pilots, KPIs, images.

Invariants live here; writes go through ``services.py`` and reads through ``selectors.py``.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import lookups  # noqa: F401  (registers the has_item JSON lookup)
from .texts import pick
from .vocabularies import (
    Better,
    Category,
    CertificationType,
    PricingModel,
    Tier,
    VendorSize,
)


def new_exchange_id(prefix: str) -> str:
    """The exchange id of an object made here (not imported): the format's prefix and a random
    part, so that it is stable across exports and re-imports, and collides neither with a
    sender's ids (``s-1``) nor with the objects of another installation that imports it."""
    return f"{prefix}-{secrets.token_hex(5)}"


def name_in_own_language(ko: str, en: str, country: str) -> str:
    """Of a bilingual name, the one a body of ``country`` goes by: Korean first in Korea,
    English first elsewhere."""
    return (ko or en) if country == "KR" else (en or ko)


class Organisation(models.Model):
    """A vendor, a municipality, an export agency or the operator; every user acts for one."""

    class Kind(models.TextChoices):
        VENDOR = "vendor", _("Vendor")
        MUNICIPALITY = "municipality", _("Municipality")
        AGENCY = "agency", _("Export agency")
        OPERATOR = "operator", _("Operator")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    exchange_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name_en = models.CharField(max_length=200, blank=True)
    name_ko = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, default="KR")
    tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    size = models.CharField(max_length=16, choices=VendorSize.choices, blank=True)
    website = models.URLField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    status_reason = models.TextField(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_en="") | ~Q(name_ko=""), name="organisation_has_a_name"
            ),
            models.CheckConstraint(
                condition=Q(kind="municipality") | Q(tier=""), name="only_municipality_has_tier"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self._state.adding and not self.exchange_id and self.kind == self.Kind.VENDOR:
            self.exchange_id = new_exchange_id("v")
        super().save(*args, **kwargs)

    @property
    def name(self) -> str:
        """The name in the organisation's own language: stored copies, exports, the API."""
        return name_in_own_language(self.name_ko, self.name_en, self.country)

    @property
    def display_name(self) -> str:
        """The name in the page's language, falling back to the other one."""
        return pick(self, "name")

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class User(AbstractUser):
    """A person. ``organisation`` is who they act for; ``is_org_admin`` may invite and remove."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    is_org_admin = models.BooleanField(default=False)

    @property
    def kind(self) -> str | None:
        return self.organisation.kind if self.organisation_id else None

    def is_operator(self) -> bool:
        return self.is_superuser or self.kind == Organisation.Kind.OPERATOR


class Invitation(models.Model):
    """An organisation admin's invitation of a colleague by e-mail; accepted once."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"


class SolutionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Solution.Status.PUBLISHED)

    def visible_to(self, user):
        """Published ones for everybody; a vendor also sees its own; operators see all."""
        if user is not None and user.is_authenticated:
            if user.is_operator():
                return self
            if user.organisation_id:
                return self.filter(
                    Q(status=Solution.Status.PUBLISHED) | Q(vendor_id=user.organisation_id)
                )
        return self.published()

    def with_valid_certification(self, cert_type: str, on: dt.date):
        """Solutions holding a certification of ``cert_type`` valid on ``on``."""
        return self.filter(
            id__in=Certification.objects.valid_on(on).filter(type=cert_type).values("solution_id")
        )


class Solution(models.Model):
    """A product a vendor lists; bilingual texts (at least one language each)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted for review")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    exchange_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    vendor = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="solutions")
    name_en = models.CharField(max_length=200, blank=True)
    name_ko = models.CharField(max_length=200, blank=True)
    summary_en = models.TextField(blank=True)
    summary_ko = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    description_ko = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=Category.choices)
    tags = models.JSONField(default=list, blank=True)
    standards = models.JSONField(default=list, blank=True)
    deployment = models.JSONField(default=list, blank=True)
    price_min = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    pricing_model = models.CharField(max_length=16, choices=PricingModel.choices, blank=True)
    languages = models.JSONField(default=list, blank=True)
    trl = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    reference_countries = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_note = models.TextField(blank=True, help_text=_("Why the operator sent it back."))
    changed_since_review = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1, help_text=_("Bumped on every edit."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = SolutionQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name_en="") | ~Q(name_ko=""), name="solution_has_a_name"
            ),
            models.CheckConstraint(
                condition=Q(price_min__isnull=True)
                | Q(price_max__isnull=True)
                | Q(price_min__lte=models.F("price_max")),
                name="solution_price_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return self.name_ko or self.name_en

    def save(self, *args, **kwargs):
        if self._state.adding and not self.exchange_id:
            self.exchange_id = new_exchange_id("s")
        super().save(*args, **kwargs)

    @property
    def public_id(self) -> str:
        """The id used in the exchange format."""
        return self.exchange_id or f"s-{self.pk}"


class CertificationQuerySet(models.QuerySet):
    def valid_on(self, day: dt.date):
        """Certifications in force on ``day`` (open-ended dates count as unbounded)."""
        return self.exclude(verification=Certification.Verification.REJECTED).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
        )


class Verification(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified by the operator")
    REJECTED = "rejected", _("Rejected by the operator")


class Certification(models.Model):
    """A certificate with its validity window; only operators verify it."""

    Verification = Verification

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="certifications")
    type = models.CharField(max_length=32, choices=CertificationType.choices)
    number = models.CharField(max_length=100, blank=True)
    issuer = models.CharField(max_length=200, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_until = models.DateField(null=True, blank=True)
    evidence = models.FileField(upload_to="evidence/%Y/%m/", blank=True)
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verification_note = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    objects = CertificationQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="certification_from_le_until",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.number}".strip()

    def is_valid_on(self, day: dt.date) -> bool:
        return (
            self.verification != Verification.REJECTED
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or self.valid_until >= day)
        )


class Pilot(models.Model):
    """A deployment in a city, with the KPIs it measured."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="pilots")
    city = models.CharField(max_length=200)
    country = models.CharField(max_length=2)
    tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    population = models.PositiveIntegerField(null=True, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    summary_en = models.TextField(blank=True)
    summary_ko = models.TextField(blank=True)
    verification = models.CharField(
        max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    verification_note = models.TextField(blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__isnull=True)
                | Q(end__isnull=True)
                | Q(start__lte=models.F("end")),
                name="pilot_start_le_end",
            )
        ]

    def __str__(self) -> str:
        return f"{self.city} ({self.country})"

    @property
    def counts_as_evidence(self) -> bool:
        """Whether its results count (charts, comparisons, figures): unless an operator
        rejected it, as a rejected certification is never valid (matching scores alike)."""
        return self.verification != Verification.REJECTED


# What a KPI's baseline or result may be, either sign: far beyond any measured indicator, and
# small enough that their difference, the improvement and the JSON stay finite.
KPI_VALUE_LIMIT = 1e12


class Kpi(models.Model):
    """A measured indicator: baseline → result. The improvement is derived, never stored."""

    pilot = models.ForeignKey(Pilot, on_delete=models.CASCADE, related_name="kpis")
    indicator = models.CharField(max_length=300)
    iso37122 = models.CharField(max_length=32, blank=True)
    baseline = models.FloatField()
    result = models.FloatField()
    unit = models.CharField(max_length=50, blank=True)
    better = models.CharField(max_length=8, choices=Better.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.indicator

    def clean(self) -> None:
        """Baseline and result are finite numbers within ±KPI_VALUE_LIMIT."""
        errors = {}
        for field in ("baseline", "result"):
            value = getattr(self, field)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or (isinstance(value, float) and not math.isfinite(value))
            ):
                errors[field] = [_("Expected a finite number.")]
            elif abs(value) > KPI_VALUE_LIMIT:
                limit = f"{KPI_VALUE_LIMIT:g}"
                errors[field] = [_("Must be between -%(limit)s and %(limit)s.") % {"limit": limit}]
        if errors:
            raise ValidationError(errors)

    @property
    def improvement(self) -> float | None:
        """Relative improvement (0.25 = 25 % better), or None when the baseline is zero."""
        return kpi_improvement(self.baseline, self.result, self.better)


def kpi_improvement(baseline: float, result: float, better: str) -> float | None:
    """Relative change in the good direction: positive is better, negative is worse.

    None when the baseline is zero, or so close to zero that the ratio is not a finite number
    (which JSON cannot carry).
    """
    if baseline == 0:
        return None
    try:
        change = (result - baseline) / abs(baseline)
    except OverflowError:  # possible only with ints beyond a float's range
        return None
    if not math.isfinite(change):
        return None
    return -change if better == Better.LOWER else change


class SolutionImage(models.Model):
    """A product image, decoded, stripped of metadata and re-encoded; with a thumbnail."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(upload_to="images/%Y/%m/")
    thumbnail = models.FileField(upload_to="thumbnails/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    format = models.CharField(max_length=8)
    alt_en = models.CharField(max_length=300, blank=True)
    alt_ko = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"image {self.pk} of {self.solution_id}"


class ReviewEvent(models.Model):
    """What happened in the review of a solution or its evidence: who, when, why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("Submitted")
        PUBLISH = "publish", _("Published")
        SEND_BACK = "send_back", _("Sent back")
        ARCHIVE = "archive", _("Archived")
        VERIFY = "verify", _("Verified")
        REJECT = "reject", _("Rejected")

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="review_events")
    action = models.CharField(max_length=16, choices=Action.choices)
    target = models.CharField(max_length=64, blank=True, help_text=_("e.g. certification:12"))
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    # Reasons written by the system, not a person: stored as this English text (rows from
    # before this constant have the same text) and shown in the reader's language.
    IMPORTED_REASON = "Imported from smartcity-exchange/1."
    SYSTEM_REASONS = {IMPORTED_REASON: _("Imported from smartcity-exchange/1.")}

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.solution_id} {self.target}".strip()

    @property
    def reason_display(self) -> str:
        """The reason in the reader's language if the system wrote it; a person's as written."""
        return str(self.SYSTEM_REASONS.get(self.reason, self.reason))
