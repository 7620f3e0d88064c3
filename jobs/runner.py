"""Running a job inside a worker: claim it, keep a heartbeat, record how it ended.

Progress and heartbeats are written from a side thread on its own database connection, so
they never join (or wait for) the job's own transaction. A job whose worker died is found by
``recover_stale``: re-queued while attempts remain, otherwise failed with the reason.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .kinds import KINDS
from .maintenance import refresh_planner_statistics
from .models import Job

logger = logging.getLogger("jobs")
_HOST = socket.gethostname()


def _start_ticks(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def worker_identity() -> str:
    """``host:pid:start-ticks`` of this process (the ticks tell a reused pid apart)."""
    pid = os.getpid()
    return f"{_HOST}:{pid}:{_start_ticks(pid)}"


def worker_is_alive(identity: str) -> bool | None:
    """True/False for a worker on this host; None when it runs elsewhere (use heartbeats)."""
    host, _, rest = identity.partition(":")
    pid_text, _, ticks = rest.partition(":")
    if host != _HOST or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if ticks and _start_ticks(pid) not in ("", ticks):
        return False
    return True


class Heartbeat(threading.Thread):
    """Writes heartbeat and the latest progress every few seconds until stopped."""

    def __init__(self, job_id: int, interval: float):
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id, self.interval = job_id, interval
        self.done, self.total = 0, 0
        self._stop_event = threading.Event()

    def progress(self, done: int, total: int) -> None:
        """The callback handed to the job's function."""
        self.done, self.total = int(done), int(total)

    def beat(self) -> None:
        Job.objects.filter(pk=self.job_id, status=Job.Status.RUNNING).update(
            heartbeat_at=timezone.now(), progress_done=self.done, progress_total=self.total
        )

    def run(self) -> None:
        try:
            while not self._stop_event.wait(self.interval):
                try:
                    self.beat()
                except DatabaseError:
                    # SQLite: the job's own transaction holds the write lock; try next time.
                    logger.debug("heartbeat of job %s deferred", self.job_id)
        finally:
            connections.close_all()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=1)


def readable_error(exc: BaseException) -> tuple[str, dict]:
    """A sentence for people and, when the exception carries them, the errors per field."""
    found: dict = {}
    report = getattr(exc, "report", None)
    if report is not None and hasattr(report, "error_dict"):
        found = report.error_dict()
    elif isinstance(getattr(exc, "errors", None), list | tuple):
        for item in exc.errors:
            where = getattr(item, "path", None) or "file"
            found.setdefault(str(where), []).append(str(getattr(item, "message", item)))
    elif hasattr(exc, "message_dict"):
        found = {key: [str(v) for v in value] for key, value in exc.message_dict.items()}
    if found:
        count = sum(len(v) for v in found.values())
        first = next(iter(found.items()))
        text = ngettext(
            "%(count)s problem(s) in the input, nothing was stored; first: %(where)s: %(reason)s",
            "%(count)s problem(s) in the input, nothing was stored; first: %(where)s: %(reason)s",
            count,
        ) % {"count": count, "where": first[0], "reason": first[1][0]}
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return text, found


def run_job(job_id: int) -> str:
    """Run one queued job to its end in this process; returns the final status.

    The job runs in its own language (the one of the request that started it), so the
    messages it stores read as the person who asked reads.
    """
    language = Job.objects.filter(pk=job_id).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        return _run_job(job_id)


def _run_job(job_id: int) -> str:
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        attempts=F("attempts") + 1,
        worker=worker_identity(),
        error="",
        progress_done=0,
    )
    if not claimed:
        # Already run, running elsewhere, or gone: a duplicate delivery is harmless.
        return "skipped"
    job = Job.objects.get(pk=job_id)
    kind = KINDS[job.kind]
    heartbeat = Heartbeat(job.pk, settings.JOBS_HEARTBEAT_SECONDS)
    heartbeat.start()
    logger.info("job started", extra={"job_id": job.pk, "kind": job.kind, "attempt": job.attempts})
    try:
        result = kind.run(job, heartbeat.progress)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
        heartbeat.stop()
        text, found = readable_error(exc)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED,
            finished_at=timezone.now(),
            error=text,
            result={"errors": found} if found else {},
            progress_done=heartbeat.done,
            progress_total=heartbeat.total,
        )
        logger.warning(
            "job failed",
            extra={
                "job_id": job.pk,
                "kind": job.kind,
                "error": text,
                "traceback": traceback.format_exc(limit=5),
            },
        )
        return Job.Status.FAILED
    heartbeat.stop()
    total = max(heartbeat.total, heartbeat.done)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.DONE,
        finished_at=timezone.now(),
        result=result or {},
        progress_done=total,
        progress_total=total,
    )
    logger.info("job done", extra={"job_id": job.pk, "kind": job.kind})
    if kind.writes_in_bulk:
        refresh_planner_statistics()
    return Job.Status.DONE


def is_stale(job: Job, now=None) -> bool:
    """True when the worker of a running job is dead, or silent for JOBS_STALE_SECONDS."""
    now = now or timezone.now()
    alive = worker_is_alive(job.worker) if job.worker else None
    if alive is False:
        return True
    if alive is True:
        return False
    beat = job.heartbeat_at or job.started_at or job.created_at
    return now - beat > timedelta(seconds=settings.JOBS_STALE_SECONDS)


def _forget_task(task_id: str) -> None:
    """Mark the dead worker's task row failed (database queue), so it does not look alive."""
    if settings.REDIS_URL or not task_id:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED", finished_at=timezone.now()
    )


def recover_stale() -> list[tuple[int, str]]:
    """Re-queue (or fail, after JOBS_MAX_ATTEMPTS) running jobs whose worker is gone."""
    from .services import job_enqueue

    actions = []
    for job in Job.objects.filter(status=Job.Status.RUNNING):
        if not is_stale(job):
            continue
        _forget_task(job.task_id)
        with transaction.atomic(), translation.override(job.language or settings.LANGUAGE_CODE):
            reason = _("the worker running it (%(worker)s) stopped without finishing") % {
                "worker": job.worker or _("unknown")
            }
            if job.attempts < settings.JOBS_MAX_ATTEMPTS:
                changed = Job.objects.filter(
                    pk=job.pk, status=Job.Status.RUNNING, worker=job.worker
                ).update(
                    status=Job.Status.QUEUED,
                    error=_("retrying: %(reason)s") % {"reason": reason},
                    worker="",
                )
                if changed:
                    job.refresh_from_db()
                    job_enqueue(job)
                    actions.append((job.pk, "requeued"))
            else:
                changed = Job.objects.filter(
                    pk=job.pk, status=Job.Status.RUNNING, worker=job.worker
                ).update(
                    status=Job.Status.FAILED,
                    finished_at=timezone.now(),
                    error=ngettext(
                        "%(reason)s; gave up after %(attempts)s attempt(s)",
                        "%(reason)s; gave up after %(attempts)s attempt(s)",
                        job.attempts,
                    )
                    % {"reason": reason, "attempts": job.attempts},
                )
                if changed:
                    actions.append((job.pk, "failed"))
        if changed:
            logger.warning(
                "stale job recovered", extra={"job_id": job.pk, "action": actions[-1][1]}
            )
    return actions
