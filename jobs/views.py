"""Web page of a job: its status and progress, refreshed by static/js/jobs.js; retry when failed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Job

LEAD_IMPORTS = (Job.Kind.LEADS_CSV_IMPORT, Job.Kind.LEADS_OCDS_IMPORT)


ERRORS_SHOWN = 200  # a file with 10,000 bad rows gives a readable page; job.error has the count


def _errors(job: Job) -> tuple[list[tuple[str, str]], int]:
    """The first ERRORS_SHOWN (place, reason) pairs and how many more there are."""
    found = (job.result or {}).get("errors") or {}
    if not isinstance(found, dict):
        return [], 0
    pairs = [(where, reason) for where, reasons in found.items() for reason in reasons]
    return pairs[:ERRORS_SHOWN], max(0, len(pairs) - ERRORS_SHOWN)


def _report(job: Job) -> dict:
    """The lead-import report (also while matching, once the import phase is done)."""
    result = job.result or {}
    report = result.get("import") if result.get("phase") == "matching" else result
    if not isinstance(report, dict) or "created" not in report:
        return {}
    return {
        "created": report.get("created", 0),
        "updated": report.get("updated", 0),
        "warnings": [tuple(item) for item in report.get("warnings", [])],
        "matched": result.get("matched"),
        "match_errors": result.get("match_errors", []),
    }


def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """One of your jobs: status, progress (done of total) and, when it ended, its outcome."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    job = selectors.job_get(user=request.user, job_id=job_id)
    result = job.result or {}
    percent = round(100 * job.progress_done / job.progress_total) if job.progress_total else 0
    errors, errors_more = _errors(job)
    context = {
        "job": job,
        "percent": 100 if job.status == Job.Status.DONE else percent,
        "phase": result.get("phase", ""),
        "is_lead_import": job.kind in LEAD_IMPORTS,
        "report": _report(job),
        "errors": errors,
        "errors_more": errors_more,
        "api_url": reverse("job-detail", args=[job.pk]),
    }
    return render(request, "jobs/job_detail.html", context)


@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    """Queue a failed job again and go back to its page."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("job", args=[job_id]))
    job = selectors.job_get(user=request.user, job_id=job_id)
    try:
        services.job_retry(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The job is queued again."))
    return redirect("job", job_id=job.pk)
