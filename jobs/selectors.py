"""Reads: a person's own jobs."""

from __future__ import annotations

from django.http import Http404

from .models import Job


def job_list(*, user):
    """The jobs ``user`` started, newest first."""
    return Job.objects.filter(started_by=user).order_by("-created_at", "-id")


def job_get(*, user, job_id: int) -> Job:
    """One of ``user``'s jobs; anyone else's is 404."""
    job = job_list(user=user).filter(pk=job_id).first()
    if job is None:
        raise Http404("No such job.")
    return job
