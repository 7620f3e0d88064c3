"""Writes: start a job, retry it, hand it to the queue."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import get_valid_filename

from catalogue.permissions import is_operator

from .kinds import KINDS, jobs_dir
from .models import Job


def _enqueue_now(job_id: int) -> None:
    from .tasks import run_job

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_id=str(result.id))


def job_enqueue(job: Job) -> None:
    """Hand ``job`` to the queue once the surrounding transaction commits."""
    transaction.on_commit(functools.partial(_enqueue_now, job.pk), robust=False)


def _store_upload(upload) -> tuple[str, str]:
    name = get_valid_filename(Path(getattr(upload, "name", "") or "input").name) or "input"
    relative = Path(uuid.uuid4().hex) / name
    target = jobs_dir() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with target.open("wb") as out:
        chunks = upload.chunks() if hasattr(upload, "chunks") else [upload.read()]
        for chunk in chunks:
            size += len(chunk)
            if size > settings.JOBS_UPLOAD_MAX_BYTES:
                out.close()
                target.unlink(missing_ok=True)
                raise ValidationError(
                    {"file": [f"larger than {settings.JOBS_UPLOAD_MAX_BYTES} bytes"]}
                )
            out.write(chunk)
    return str(relative), name


def _check_registration(actor, registration_id) -> None:
    from matching.registrations import registration_list

    if not str(registration_id or "").isdigit():
        raise ValidationError({"registration": ["the id of the registration to export"]})
    if not registration_list(user=actor).filter(pk=int(registration_id)).exists():
        raise ValidationError({"registration": ["no such registration"]})


def job_create(*, kind: str, actor, upload=None, params: dict | None = None) -> Job:
    """Record a job, store its input file privately, and queue it."""
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError({"kind": [f"unknown kind; one of: {', '.join(KINDS)}"]})
    if not spec.available():
        raise ValidationError({"kind": [f"not available in this build ({spec.wraps} missing)"]})
    if spec.operator_only and not is_operator(actor):
        raise PermissionDenied("Only operators may start this kind of job.")
    if spec.needs_file and upload is None:
        raise ValidationError({"file": ["this kind of job needs an input file"]})
    params = dict(params or {})
    if kind == Job.Kind.DOSSIER_EXPORT:
        _check_registration(actor, params.get("registration"))
    stored, name = _store_upload(upload) if spec.needs_file else ("", "")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, started_by=actor, params=params, input_file=stored, input_name=name
        )
        job_enqueue(job)
    return job


def job_retry(*, job: Job, actor) -> Job:
    """Queue a failed job again; its input file is kept for this."""
    if job.status != Job.Status.FAILED:
        raise ValidationError(
            {"status": [f"only failed jobs can be retried (this one is {job.status})"]}
        )
    with transaction.atomic():
        changed = Job.objects.filter(pk=job.pk, status=Job.Status.FAILED).update(
            status=Job.Status.QUEUED,
            error="",
            result={},
            progress_done=0,
            started_at=None,
            finished_at=None,
            worker="",
        )
        if not changed:
            raise ValidationError({"status": ["the job changed meanwhile; reload it"]})
        job.refresh_from_db()
        job_enqueue(job)
    return job
