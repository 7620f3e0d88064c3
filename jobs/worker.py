"""The job worker: the queue library's own worker plus the sweep for jobs whose worker died."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connections

from .maintenance import refresh_planner_statistics
from .runner import recover_stale

logger = logging.getLogger("jobs")


def sweep_safely() -> None:
    """Recover stale jobs, logging instead of raising (the database may be busy)."""
    try:
        for job_id, action in recover_stale():
            logger.info("stale job %s %s", job_id, action)
    except DatabaseError as exc:
        logger.warning("stale-job sweep deferred: %s", exc)


class Sweeper(threading.Thread):
    """Runs ``recover_stale`` every JOBS_SWEEP_SECONDS and refreshes the database's planner
    statistics every JOBS_ANALYZE_SECONDS, while the worker lives."""

    def __init__(self, interval: float, analyze_interval: float | None = None):
        super().__init__(name="jobs-sweeper", daemon=True)
        self.interval = interval
        self.analyze_interval = analyze_interval or settings.JOBS_ANALYZE_SECONDS
        self.stopped = threading.Event()

    def run(self) -> None:
        analyzed = time.monotonic()
        while not self.stopped.wait(self.interval):
            sweep_safely()
            if time.monotonic() - analyzed >= self.analyze_interval:
                refresh_planner_statistics()
                analyzed = time.monotonic()
            connections.close_all()


def run_worker(*, burst: bool = False, interval: float = 0.5) -> None:
    """Sweep once (and refresh the planner statistics), then process the queue (until it is
    empty with ``burst``)."""
    sweep_safely()
    refresh_planner_statistics()
    sweeper = None
    if not burst:
        sweeper = Sweeper(settings.JOBS_SWEEP_SECONDS)
        sweeper.start()
    try:
        if settings.REDIS_URL:
            _run_rq(burst=burst)
        else:
            _run_db(burst=burst, interval=interval)
    finally:
        if sweeper is not None:
            sweeper.stopped.set()


def _run_db(*, burst: bool, interval: float) -> None:
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=[settings.JOBS_QUEUE],
        interval=interval,
        batch=burst,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    if burst:
        _drain_db(worker)
        return
    worker.configure_signals()
    worker.run()


def _drain_db(worker) -> None:
    """Run ready tasks until none is left, without the loop's connection recycling.

    (The library's loop closes connections between tasks, which would end a test's
    transaction; here each task is claimed and run exactly as the library does.)
    """
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    tasks = DBTaskResult.objects.ready().filter(
        backend_name="default", queue_name=settings.JOBS_QUEUE
    )
    while True:
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(worker.worker_id)
        if task_result is None:
            return
        worker.run_task(task_result)


def _run_rq(*, burst: bool) -> None:
    import django_rq
    from django_tasks_rq.backend import Job as TaskJob
    from rq import SimpleWorker

    # SimpleWorker runs jobs in this process: the job records this pid, so a killed worker
    # is recognised at once, and no fork shares database connections or index handles.
    worker = django_rq.get_worker(settings.JOBS_QUEUE, worker_class=SimpleWorker, job_class=TaskJob)
    worker.work(burst=burst, with_scheduler=False, logging_level="WARNING")
