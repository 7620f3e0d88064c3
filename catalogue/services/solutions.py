"""Writes to solutions and their evidence: create, edit, review workflow, verification.

Every service is keyword-only, checks permissions itself (so web pages can reuse it),
owns its transaction and asks the search index to follow after commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from search import indexing

from .. import permissions, signals
from ..models import Certification, Kpi, Pilot, ReviewEvent, Solution, Verification
from ..vocabularies import (
    COUNTRY_CODES,
    CURRENCY_CODES,
    LANGUAGE_CODES,
    Better,
    Category,
    CertificationType,
    Deployment,
    PricingModel,
    Tier,
)

MAX_LIST_ITEMS = 50
MAX_ITEM_LENGTH = 100

SOLUTION_FIELDS = frozenset(
    {
        "name_en",
        "name_ko",
        "summary_en",
        "summary_ko",
        "description_en",
        "description_ko",
        "category",
        "tags",
        "standards",
        "deployment",
        "price_min",
        "price_max",
        "currency",
        "pricing_model",
        "languages",
        "trl",
        "reference_countries",
    }
)
CERTIFICATION_FIELDS = frozenset(
    {"type", "number", "issuer", "valid_from", "valid_until", "evidence"}
)
PILOT_FIELDS = frozenset(
    {"city", "country", "tier", "population", "start", "end", "summary_en", "summary_ko"}
)
KPI_FIELDS = frozenset({"indicator", "iso37122", "baseline", "result", "unit", "better"})


class ServiceConflict(Exception):
    """The request clashes with the object's current state (HTTP 409)."""

    def __init__(self, message: str, *, current_version: int | None = None):
        super().__init__(message)
        self.message = message
        self.current_version = current_version


class VersionConflict(ServiceConflict):
    """The client edited a version that is no longer the current one."""


# --- validation ---------------------------------------------------------------------------


def _check_fields(data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in unknown})


def _string_list(
    errors: dict, field: str, value: Any, *, choices: Iterable[str] | None = None, codes=None
) -> list[str]:
    """Check a list of strings item by item; return it stripped and without duplicates."""
    if not isinstance(value, list | tuple):
        errors.setdefault(field, []).append(_("Expected a list of strings."))
        return []
    if len(value) > MAX_LIST_ITEMS:
        errors.setdefault(field, []).append(_("At most %(n)s items.") % {"n": MAX_LIST_ITEMS})
    allowed = set(choices) if choices is not None else None
    cleaned: list[str] = []
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item.strip():
            errors.setdefault(field, []).append(
                _("Item %(n)s: expected a non-empty string.") % {"n": position}
            )
            continue
        item = item.strip()
        if len(item) > MAX_ITEM_LENGTH:
            errors.setdefault(field, []).append(
                _("Item %(n)s: at most %(max)s characters.")
                % {"n": position, "max": MAX_ITEM_LENGTH}
            )
        elif allowed is not None and item not in allowed:
            errors.setdefault(field, []).append(
                _("Item %(n)s: “%(value)s” is not one of %(choices)s.")
                % {"n": position, "value": item, "choices": ", ".join(sorted(allowed))}
            )
        elif codes is not None and item not in codes:
            errors.setdefault(field, []).append(
                _(
                    "Item %(n)s: “%(value)s” is not an ISO 3166-1 alpha-2 country code "
                    "(e.g. KR, VN)."
                )
                % {"n": position, "value": item}
            )
        elif item not in cleaned:
            cleaned.append(item)
    return cleaned


def _choice(errors: dict, field: str, value: Any, choices, *, blank: bool = False) -> None:
    if value in (None, "") and blank:
        return
    if value not in choices.values:
        errors.setdefault(field, []).append(
            _("“%(value)s” is not one of %(choices)s.")
            % {"value": value, "choices": ", ".join(choices.values)}
        )


def _validate_solution(solution: Solution) -> None:
    errors: dict[str, list[str]] = {}
    for field in ("name_en", "name_ko"):
        if len(getattr(solution, field) or "") > 200:
            errors.setdefault(field, []).append(_("At most %(n)s characters.") % {"n": 200})
    if not (solution.name_en or "").strip() and not (solution.name_ko or "").strip():
        errors.setdefault("name_en", []).append(_("Give the name in English, Korean or both."))
    _choice(errors, "category", solution.category, Category)
    _choice(errors, "pricing_model", solution.pricing_model, PricingModel, blank=True)
    solution.tags = _string_list(errors, "tags", solution.tags)
    solution.standards = _string_list(errors, "standards", solution.standards)
    solution.deployment = _string_list(
        errors, "deployment", solution.deployment, choices=Deployment.values
    )
    solution.languages = _string_list(
        errors, "languages", solution.languages, choices=LANGUAGE_CODES
    )
    solution.reference_countries = _string_list(
        errors, "reference_countries", solution.reference_countries, codes=COUNTRY_CODES
    )
    if solution.currency and solution.currency not in CURRENCY_CODES:
        errors.setdefault("currency", []).append(
            _("“%(value)s” is not an ISO 4217 currency code (three upper-case letters, e.g. KRW).")
            % {"value": solution.currency}
        )
    for field in ("price_min", "price_max"):
        value = getattr(solution, field)
        if value is not None:
            try:
                value = Decimal(str(value))
            except ArithmeticError:
                errors.setdefault(field, []).append(_("Expected a number."))
                continue
            if not value.is_finite() or value < 0:
                errors.setdefault(field, []).append(_("Expected a number of zero or more."))
            setattr(solution, field, value)
    if (
        solution.price_min is not None
        and solution.price_max is not None
        and "price_min" not in errors
        and "price_max" not in errors
        and solution.price_min > solution.price_max
    ):
        errors.setdefault("price_max", []).append(_("Must not be below the lowest price."))
    if (solution.price_min is not None or solution.price_max is not None) and not (
        solution.currency
    ):
        errors.setdefault("currency", []).append(_("Give the currency of the price."))
    if solution.trl is not None and (
        isinstance(solution.trl, bool)
        or not isinstance(solution.trl, int)
        or not 1 <= solution.trl <= 9
    ):
        errors.setdefault("trl", []).append(_("Expected a whole number from 1 to 9."))
    _full_clean(
        solution,
        errors,
        exclude=["vendor", *(name for name in errors if name in SOLUTION_FIELDS)],
    )
    if errors:
        raise ValidationError(errors)


def _full_clean(instance, errors: dict, *, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(
                m for m in messages if m not in errors.get(field, [])
            )


def _validate_certification(cert: Certification) -> None:
    errors: dict[str, list[str]] = {}
    _choice(errors, "type", cert.type, CertificationType)
    _full_clean(cert, errors, exclude=["solution", "evidence", "type"])
    if not errors and cert.valid_from and cert.valid_until and cert.valid_from > cert.valid_until:
        errors.setdefault("valid_until", []).append(_("Must not be before the start of validity."))
    if errors:
        raise ValidationError(errors)


def _validate_evidence(upload) -> None:
    """Check the evidence's content and give it a random name with the extension it really has."""
    # The images helper owns the content checks; import late so this module loads without it.
    from ..validators import random_storage_name, validate_evidence_upload

    try:
        evidence = validate_evidence_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"evidence": exc.messages})
    upload.name = random_storage_name(evidence.extension)


def _validate_pilot(pilot: Pilot) -> None:
    errors: dict[str, list[str]] = {}
    if not (pilot.city or "").strip():
        errors.setdefault("city", []).append(_("Give the city."))
    if not isinstance(pilot.country, str) or pilot.country not in COUNTRY_CODES:
        errors.setdefault("country", []).append(
            _("“%(value)s” is not an ISO 3166-1 alpha-2 country code (e.g. KR, VN).")
            % {"value": pilot.country}
        )
    _choice(errors, "tier", pilot.tier, Tier, blank=True)
    _full_clean(pilot, errors, exclude=["solution", "city", "country", "tier"])
    if not errors and pilot.start and pilot.end and pilot.start > pilot.end:
        errors.setdefault("end", []).append(_("Must not be before the start date."))
    if errors:
        raise ValidationError(errors)


def _validate_kpi(kpi: Kpi) -> None:
    errors: dict[str, list[str]] = {}
    if not (kpi.indicator or "").strip():
        errors.setdefault("indicator", []).append(_("Give the indicator."))
    _choice(errors, "better", kpi.better, Better)
    # Kpi.clean() checks baseline and result (finite, within KPI_VALUE_LIMIT) for the admin too.
    _full_clean(kpi, errors, exclude=["pilot", "indicator", "baseline", "result", "better"])
    if errors:
        raise ValidationError(errors)


# --- helpers ------------------------------------------------------------------------------


def _index_after_commit(solution_id: int) -> None:
    """After commit: re-index the solution, then tell followers (matching) it changed."""
    indexing.solution_changed(solution_id)
    transaction.on_commit(
        lambda: signals.solutions_changed.send(sender=Solution, solution_ids=[solution_id]),
        robust=True,
    )


def _save(instance, *, user, reason: str = "") -> None:
    instance._history_user = user if user is not None and user.is_authenticated else None
    instance._change_reason = reason or None
    instance.save()


def _lock(solution: Solution) -> Solution:
    return Solution.objects.select_for_update().get(pk=solution.pk)


def ensure_editable(solution: Solution) -> None:
    """Refuse any change to an archived solution (its images too: catalogue/images.py)."""
    if solution.status == Solution.Status.ARCHIVED:
        raise ServiceConflict(_("Archived solutions cannot be changed."))


def _check_version(solution: Solution, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != solution.version:
        raise VersionConflict(
            _("Version %(expected)s is stale: the current version is %(current)s.")
            % {"expected": expected_version, "current": solution.version},
            current_version=solution.version,
        )


def record_edit(solution: Solution, *, user, reason: str) -> None:
    """Record an edit of the solution or its evidence: new version, back in the review queue."""
    solution.version += 1
    if solution.status == Solution.Status.PUBLISHED:
        solution.changed_since_review = True
    _save(solution, user=user, reason=reason)


def _event(solution: Solution, action: str, *, user, reason: str = "", target: str = ""):
    return ReviewEvent.objects.create(
        solution=solution,
        action=action,
        reason=reason,
        target=target,
        actor=user if user is not None and user.is_authenticated else None,
    )


# --- solutions ----------------------------------------------------------------------------


def solution_create(*, user, data: Mapping[str, Any]) -> Solution:
    """Create a draft solution for the user's vendor organisation."""
    if not permissions.is_vendor(user):
        raise PermissionDenied(
            _("Only people acting for a vendor organisation can list solutions.")
        )
    _check_fields(data, SOLUTION_FIELDS)
    solution = Solution(vendor_id=user.organisation_id, status=Solution.Status.DRAFT)
    for field, value in data.items():
        setattr(solution, field, value)
    _validate_solution(solution)
    with transaction.atomic():
        _save(solution, user=user, reason="create")
    return solution


def solution_update(
    *, user, solution: Solution, data: Mapping[str, Any], expected_version: int | None = None
) -> Solution:
    """Edit a solution; published ones stay published and return to the operator's queue."""
    permissions.ensure_owner(user, solution)
    _check_fields(data, SOLUTION_FIELDS)
    with transaction.atomic():
        current = _lock(solution)
        ensure_editable(current)
        _check_version(current, expected_version)
        for field, value in data.items():
            setattr(current, field, value)
        _validate_solution(current)
        record_edit(current, user=user, reason="update")
        _index_after_commit(current.id)
    return current


def solution_submit(*, user, solution: Solution) -> Solution:
    """Send a draft to the operator for review (approved vendors only)."""
    permissions.ensure_owner(user, solution)
    permissions.ensure_approved_vendor(user)
    with transaction.atomic():
        current = _lock(solution)
        if current.status != Solution.Status.DRAFT:
            raise ServiceConflict(
                _("Only drafts can be submitted; this one is %(status)s.")
                % {"status": current.get_status_display()}
            )
        current.status = Solution.Status.SUBMITTED
        current.submitted_at = timezone.now()
        _save(current, user=user, reason="submit")
        _event(current, ReviewEvent.Action.SUBMIT, user=user)
    return current


def solution_publish(*, user, solution: Solution) -> Solution:
    """Publish a submitted solution, or accept the edits of a published one (operators)."""
    permissions.ensure_operator_for(user, solution)
    with transaction.atomic():
        current = _lock(solution)
        republish = current.status == Solution.Status.PUBLISHED and current.changed_since_review
        if current.status != Solution.Status.SUBMITTED and not republish:
            raise ServiceConflict(
                _(
                    "Only submitted or edited published solutions can be published; "
                    "this one is %(status)s."
                )
                % {"status": current.get_status_display()}
            )
        current.status = Solution.Status.PUBLISHED
        current.changed_since_review = False
        current.review_note = ""
        current.published_at = current.published_at if republish else timezone.now()
        _save(current, user=user, reason="publish")
        _event(current, ReviewEvent.Action.PUBLISH, user=user)
        _index_after_commit(current.id)
    return current


def solution_send_back(*, user, solution: Solution, reason: str) -> Solution:
    """Return a submitted or published solution to its vendor as a draft, with the reason."""
    permissions.ensure_operator_for(user, solution)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the solution is sent back.")]})
    with transaction.atomic():
        current = _lock(solution)
        if current.status not in (Solution.Status.SUBMITTED, Solution.Status.PUBLISHED):
            raise ServiceConflict(
                _("Only submitted or published solutions can be sent back; this one is %(status)s.")
                % {"status": current.get_status_display()}
            )
        current.status = Solution.Status.DRAFT
        current.review_note = reason.strip()
        current.changed_since_review = False
        _save(current, user=user, reason="send back")
        _event(current, ReviewEvent.Action.SEND_BACK, user=user, reason=reason.strip())
        _index_after_commit(current.id)
    return current


def solution_archive(*, user, solution: Solution, reason: str = "") -> Solution:
    """Take a solution off the catalogue for good (its vendor or an operator)."""
    permissions.ensure_owner_or_operator(user, solution)
    with transaction.atomic():
        current = _lock(solution)
        if current.status == Solution.Status.ARCHIVED:
            raise ServiceConflict(_("The solution is already archived."))
        current.status = Solution.Status.ARCHIVED
        current.changed_since_review = False
        _save(current, user=user, reason="archive")
        _event(current, ReviewEvent.Action.ARCHIVE, user=user, reason=(reason or "").strip())
        _index_after_commit(current.id)
    return current


# --- certifications -----------------------------------------------------------------------


def certification_create(*, user, solution: Solution, data: Mapping[str, Any]) -> Certification:
    """Add a certification (pending verification) to the vendor's own solution."""
    permissions.ensure_owner(user, solution)
    _check_fields(data, CERTIFICATION_FIELDS)
    cert = Certification(solution=solution)
    for field, value in data.items():
        setattr(cert, field, value)
    _validate_certification(cert)
    if data.get("evidence"):
        _validate_evidence(data["evidence"])
    with transaction.atomic():
        current = _lock(solution)
        ensure_editable(current)
        cert.solution = current
        _save(cert, user=user, reason="create")
        record_edit(current, user=user, reason="certification added")
        _index_after_commit(current.id)
    return cert


def certification_update(
    *, user, certification: Certification, data: Mapping[str, Any]
) -> Certification:
    """Edit a certification; it goes back to pending verification."""
    permissions.ensure_owner(user, certification.solution)
    _check_fields(data, CERTIFICATION_FIELDS)
    if data.get("evidence"):
        _validate_evidence(data["evidence"])
    with transaction.atomic():
        solution = _lock(certification.solution)
        ensure_editable(solution)
        cert = Certification.objects.select_for_update().get(pk=certification.pk)
        for field, value in data.items():
            setattr(cert, field, value)
        _validate_certification(cert)
        cert.verification = Verification.PENDING
        cert.verification_note = ""
        cert.verified_by = None
        cert.verified_at = None
        _save(cert, user=user, reason="update")
        record_edit(solution, user=user, reason="certification changed")
        _index_after_commit(solution.id)
    return cert


def certification_delete(*, user, certification: Certification) -> None:
    """Remove a certification from the vendor's own solution."""
    permissions.ensure_owner(user, certification.solution)
    with transaction.atomic():
        solution = _lock(certification.solution)
        ensure_editable(solution)
        certification._history_user = user
        certification.delete()
        record_edit(solution, user=user, reason="certification removed")
        _index_after_commit(solution.id)


# How the state of evidence reads inside a sentence ("already verified"), in the reader's language.
EVIDENCE_STATES = {
    Verification.PENDING: pgettext_lazy("evidence state", "pending"),
    Verification.VERIFIED: pgettext_lazy("evidence state", "verified"),
    Verification.REJECTED: pgettext_lazy("evidence state", "rejected"),
}


def _evidence_state(state: str) -> str:
    return str(EVIDENCE_STATES.get(state, state))


def _verify(obj, *, user, decision: str, note: str, target: str, expected: str | None = None):
    """Record the decision on ``obj`` (locked by the caller).

    ``expected`` is the status the operator saw when deciding: if another operator decided
    meanwhile (verify against reject), the later one is told instead of silently overriding it.
    """
    if decision not in (Verification.VERIFIED, Verification.REJECTED):
        raise ValidationError({"decision": [_("Expected verified or rejected.")]})
    if decision == Verification.REJECTED and not (note or "").strip():
        raise ValidationError({"note": [_("Say why the evidence is rejected.")]})
    if obj.verification == decision:
        # Two operators deciding at once (obj is locked): the second learns it is done already.
        raise ServiceConflict(
            _("This evidence is already %(state)s.") % {"state": _evidence_state(decision)}
        )
    if expected is not None and obj.verification != expected:
        raise ServiceConflict(
            _(
                "This evidence was %(state)s meanwhile (you saw it %(seen)s); "
                "review it again before deciding."
            )
            % {"state": _evidence_state(obj.verification), "seen": _evidence_state(expected)}
        )
    obj.verification = decision
    obj.verification_note = (note or "").strip()
    obj.verified_by = user
    obj.verified_at = timezone.now()
    _save(obj, user=user, reason=decision)
    # The solution's evidence changed (not its content: same version, still reviewed): a new
    # updated_at tells every process that caches its profile or document (matching, search).
    Solution.objects.filter(pk=obj.solution_id).update(updated_at=obj.verified_at)
    action = (
        ReviewEvent.Action.VERIFY
        if decision == Verification.VERIFIED
        else (ReviewEvent.Action.REJECT)
    )
    _event(obj.solution, action, user=user, reason=obj.verification_note, target=target)


def certification_verify(
    *,
    user,
    certification: Certification,
    decision: str,
    note: str = "",
    expected: str | None = None,
) -> Certification:
    """Mark a certification verified or rejected (operators); see :func:`_verify`."""
    permissions.ensure_operator_for(user, certification.solution)
    with transaction.atomic():
        cert = Certification.objects.select_for_update().get(pk=certification.pk)
        target = f"certification:{cert.pk}"
        _verify(cert, user=user, decision=decision, note=note, target=target, expected=expected)
        _index_after_commit(cert.solution_id)
    return cert


# --- pilots -------------------------------------------------------------------------------


def pilot_create(*, user, solution: Solution, data: Mapping[str, Any]) -> Pilot:
    """Add a pilot (pending verification) to the vendor's own solution."""
    permissions.ensure_owner(user, solution)
    _check_fields(data, PILOT_FIELDS)
    pilot = Pilot(solution=solution)
    for field, value in data.items():
        setattr(pilot, field, value)
    _validate_pilot(pilot)
    with transaction.atomic():
        current = _lock(solution)
        ensure_editable(current)
        pilot.solution = current
        _save(pilot, user=user, reason="create")
        record_edit(current, user=user, reason="pilot added")
        _index_after_commit(current.id)
    return pilot


def pilot_update(*, user, pilot: Pilot, data: Mapping[str, Any]) -> Pilot:
    """Edit a pilot; it goes back to pending verification."""
    permissions.ensure_owner(user, pilot.solution)
    _check_fields(data, PILOT_FIELDS)
    with transaction.atomic():
        solution = _lock(pilot.solution)
        ensure_editable(solution)
        current = Pilot.objects.select_for_update().get(pk=pilot.pk)
        for field, value in data.items():
            setattr(current, field, value)
        _validate_pilot(current)
        _reset_verification(current)
        _save(current, user=user, reason="update")
        record_edit(solution, user=user, reason="pilot changed")
        _index_after_commit(solution.id)
    return current


def pilot_delete(*, user, pilot: Pilot) -> None:
    """Remove a pilot and its KPIs from the vendor's own solution."""
    permissions.ensure_owner(user, pilot.solution)
    with transaction.atomic():
        solution = _lock(pilot.solution)
        ensure_editable(solution)
        pilot._history_user = user
        pilot.delete()
        record_edit(solution, user=user, reason="pilot removed")
        _index_after_commit(solution.id)


def pilot_verify(
    *, user, pilot: Pilot, decision: str, note: str = "", expected: str | None = None
) -> Pilot:
    """Mark a pilot verified or rejected (operators); see :func:`_verify`."""
    permissions.ensure_operator_for(user, pilot.solution)
    with transaction.atomic():
        current = Pilot.objects.select_for_update().get(pk=pilot.pk)
        target = f"pilot:{current.pk}"
        _verify(current, user=user, decision=decision, note=note, target=target, expected=expected)
        _index_after_commit(current.solution_id)
    return current


def _reset_verification(obj) -> None:
    obj.verification = Verification.PENDING
    obj.verification_note = ""
    obj.verified_by = None
    obj.verified_at = None


# --- KPIs ---------------------------------------------------------------------------------


def kpi_create(*, user, pilot: Pilot, data: Mapping[str, Any]) -> Kpi:
    """Add a KPI to a pilot of the vendor's own solution; the pilot needs verifying again."""
    permissions.ensure_owner(user, pilot.solution)
    _check_fields(data, KPI_FIELDS)
    kpi = Kpi(pilot=pilot)
    for field, value in data.items():
        setattr(kpi, field, value)
    _validate_kpi(kpi)
    with transaction.atomic():
        solution = _lock(pilot.solution)
        ensure_editable(solution)
        _save(kpi, user=user, reason="create")
        _pilot_changed(pilot, user=user)
        record_edit(solution, user=user, reason="KPI added")
        _index_after_commit(solution.id)
    return kpi


def kpi_update(*, user, kpi: Kpi, data: Mapping[str, Any]) -> Kpi:
    """Edit a KPI; its pilot needs verifying again."""
    permissions.ensure_owner(user, kpi.pilot.solution)
    _check_fields(data, KPI_FIELDS)
    with transaction.atomic():
        solution = _lock(kpi.pilot.solution)
        ensure_editable(solution)
        current = Kpi.objects.select_for_update().get(pk=kpi.pk)
        for field, value in data.items():
            setattr(current, field, value)
        _validate_kpi(current)
        _save(current, user=user, reason="update")
        _pilot_changed(current.pilot, user=user)
        record_edit(solution, user=user, reason="KPI changed")
        _index_after_commit(solution.id)
    return current


def kpi_delete(*, user, kpi: Kpi) -> None:
    """Remove a KPI; its pilot needs verifying again."""
    permissions.ensure_owner(user, kpi.pilot.solution)
    with transaction.atomic():
        solution = _lock(kpi.pilot.solution)
        ensure_editable(solution)
        pilot = kpi.pilot
        kpi._history_user = user
        kpi.delete()
        _pilot_changed(pilot, user=user)
        record_edit(solution, user=user, reason="KPI removed")
        _index_after_commit(solution.id)


def _pilot_changed(pilot: Pilot, *, user) -> None:
    if pilot.verification != Verification.PENDING:
        _reset_verification(pilot)
        _save(pilot, user=user, reason="KPI changed")
