"""Writes: start a job, retry it, hand it to the queue."""

from __future__ import annotations

import functools
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

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
                    {
                        "file": [
                            _("larger than %(limit)s bytes")
                            % {"limit": settings.JOBS_UPLOAD_MAX_BYTES}
                        ]
                    }
                )
            out.write(chunk)
    return str(relative), name


def _check_registration(actor, registration_id) -> None:
    from matching.registrations import registration_list

    if not str(registration_id or "").isdigit():
        raise ValidationError({"registration": [_("the id of the registration to export")]})
    if not registration_list(user=actor).filter(pk=int(registration_id)).exists():
        raise ValidationError({"registration": [_("no such registration")]})


def _language(language: str | None) -> str:
    """A supported language code: the one given, else the active one, else the site's."""
    try:
        return translation.get_supported_language_variant(
            language or translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        return settings.LANGUAGE_CODE


def job_create(
    *, kind: str, actor, upload=None, params: dict | None = None, language: str | None = None
) -> Job:
    """Record a job, store its input file privately, and queue it.

    The job keeps ``language`` (by default the active one: the request's) and its messages
    are written in it.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValidationError(
            {"kind": [_("unknown kind; one of: %(kinds)s") % {"kinds": ", ".join(KINDS)}]}
        )
    if not spec.available():
        raise ValidationError(
            {
                "kind": [
                    _("not available in this build (%(function)s missing)")
                    % {"function": spec.wraps}
                ]
            }
        )
    if spec.operator_only and not is_operator(actor):
        raise PermissionDenied(_("Only operators may start this kind of job."))
    if spec.needs_file and upload is None:
        raise ValidationError({"file": [_("this kind of job needs an input file")]})
    params = dict(params or {})
    if kind == Job.Kind.DOSSIER_EXPORT:
        _check_registration(actor, params.get("registration"))
    stored, name = _store_upload(upload) if spec.needs_file else ("", "")
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            started_by=actor,
            params=params,
            input_file=stored,
            input_name=name,
            language=_language(language),
        )
        job_enqueue(job)
    return job


def job_retry(*, job: Job, actor) -> Job:
    """Queue a failed job again; its input file is kept for this."""
    if job.status != Job.Status.FAILED:
        raise ValidationError(
            {
                "status": [
                    _("only failed jobs can be retried (this one is %(status)s)")
                    % {"status": job.get_status_display().lower()}
                ]
            }
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
            raise ValidationError({"status": [_("the job changed meanwhile; reload it")]})
        job.refresh_from_db()
        job_enqueue(job)
    return job
