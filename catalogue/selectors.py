"""Reads of the catalogue: what a user may see, filtered, with the related rows fetched up front."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from . import permissions
from .filters import SolutionFilter
from .models import Certification, Kpi, Pilot, ReviewEvent, Solution, Verification

HISTORY_IGNORED_FIELDS = ["updated_at"]


def _with_related(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("vendor").prefetch_related(
        "certifications",
        Prefetch("pilots", queryset=Pilot.objects.prefetch_related("kpis")),
        "images",
    )


def solution_list(*, user, filters: Mapping[str, Any] | None = None) -> QuerySet:
    """Solutions the user may see, filtered (bad filter values raise ValidationError)."""
    queryset = Solution.objects.visible_to(user)
    if filters:
        filterset = SolutionFilter(filters, queryset=queryset)
        if not filterset.is_valid():
            raise ValidationError({name: list(errs) for name, errs in filterset.errors.items()})
        queryset = filterset.qs
    return _with_related(queryset)


def solution_get(*, user, solution_id: int) -> Solution:
    """One solution the user may see, or Http404."""
    try:
        return _with_related(Solution.objects.visible_to(user)).get(pk=solution_id)
    except (Solution.DoesNotExist, ValueError, TypeError):
        raise Http404("No such solution.")


def certification_get(*, user, certification_id: int) -> Certification:
    """A certification of a solution the user may see, or Http404."""
    visible = Solution.objects.visible_to(user).values("id")
    try:
        return Certification.objects.select_related("solution").get(
            pk=certification_id, solution_id__in=visible
        )
    except (Certification.DoesNotExist, ValueError, TypeError):
        raise Http404("No such certification.")


def certification_list(*, user, solution: Solution) -> QuerySet:
    """The certifications of a solution the user may see."""
    permissions.ensure_can_view_solution(user, solution)
    return solution.certifications.all()


def pilot_get(*, user, pilot_id: int) -> Pilot:
    """A pilot of a solution the user may see, or Http404."""
    visible = Solution.objects.visible_to(user).values("id")
    try:
        return (
            Pilot.objects.select_related("solution")
            .prefetch_related("kpis")
            .get(pk=pilot_id, solution_id__in=visible)
        )
    except (Pilot.DoesNotExist, ValueError, TypeError):
        raise Http404("No such pilot.")


def pilot_list(*, user, solution: Solution) -> QuerySet:
    """The pilots (with KPIs) of a solution the user may see."""
    permissions.ensure_can_view_solution(user, solution)
    return solution.pilots.prefetch_related("kpis")


def kpi_get(*, user, kpi_id: int) -> Kpi:
    """A KPI of a pilot of a solution the user may see, or Http404."""
    visible = Solution.objects.visible_to(user).values("id")
    try:
        return Kpi.objects.select_related("pilot__solution").get(
            pk=kpi_id, pilot__solution_id__in=visible
        )
    except (Kpi.DoesNotExist, ValueError, TypeError):
        raise Http404("No such KPI.")


def kpi_list(*, user, pilot: Pilot) -> QuerySet:
    """The KPIs of a pilot the user may see."""
    permissions.ensure_can_view_solution(user, pilot.solution)
    return pilot.kpis.all()


@dataclass(frozen=True)
class ReviewQueue:
    submitted: QuerySet
    changed_since_review: QuerySet
    pending_certifications: QuerySet
    pending_pilots: QuerySet


def review_queue(*, user) -> ReviewQueue:
    """What waits for the operator: submissions, edited published solutions, pending evidence."""
    if not permissions.is_operator(user):
        raise PermissionDenied(_("Only the operator can see the review queue."))
    live = Q(solution__status__in=[Solution.Status.SUBMITTED, Solution.Status.PUBLISHED])
    return ReviewQueue(
        submitted=Solution.objects.filter(status=Solution.Status.SUBMITTED)
        .select_related("vendor")
        .order_by("submitted_at", "id"),
        changed_since_review=Solution.objects.filter(
            status=Solution.Status.PUBLISHED, changed_since_review=True
        )
        .select_related("vendor")
        .order_by("updated_at", "id"),
        pending_certifications=Certification.objects.filter(
            live, verification=Verification.PENDING
        ).select_related("solution"),
        pending_pilots=Pilot.objects.filter(live, verification=Verification.PENDING)
        .select_related("solution")
        .prefetch_related("kpis"),
    )


def review_events(*, solution: Solution, limit: int = 20) -> list[ReviewEvent]:
    """The solution's latest review events, each with ``target_label``: the evidence it is
    about as people name it ("GS (Good Software)", "pilot in Daejeon"), not its stored key
    (``certification:12``). The solution's evidence is read once for all of them."""
    events = list(solution.review_events.select_related("actor")[:limit])
    if any(e.target for e in events):
        certifications = {c.pk: c for c in solution.certifications.all()}
        pilots = {p.pk: p for p in solution.pilots.all()}
        for event in events:
            event.target_label = _target_label(event.target, certifications, pilots)
    return events


def _target_label(target: str, certifications: dict, pilots: dict) -> str:
    kind, _sep, key = target.partition(":")
    pk = int(key) if key.isdigit() else None
    if kind == "certification":
        found = certifications.get(pk)
        return found.get_type_display() if found else _("a removed certification")
    if kind == "pilot":
        found = pilots.get(pk)
        return _("pilot in %(city)s") % {"city": found.city} if found else _("a removed pilot")
    return target


def solution_history(*, user, solution: Solution) -> list[dict[str, Any]]:
    """Every saved version of a solution, newest first: who, when, why and which fields changed."""
    permissions.ensure_owner_or_operator(user, solution)
    records = list(solution.history.select_related("history_user").order_by("-history_id"))
    entries = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=HISTORY_IGNORED_FIELDS)
            changes = [
                {"field": change.field, "old": change.old, "new": change.new}
                for change in delta.changes
            ]
        entries.append(
            {
                "history_id": record.history_id,
                "version": record.version,
                "status": record.status,
                "at": record.history_date,
                "user": record.history_user.get_username() if record.history_user else None,
                "operation": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                "reason": record.history_change_reason or "",
                "changes": changes,
            }
        )
    return entries
