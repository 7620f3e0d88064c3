"""Jobs whose worker died are re-queued (or failed after the last attempt), never left running."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import runner
from jobs.models import Job


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English messages (Korean is the default language)."""
    settings.LANGUAGE_CODE = "en"


def dead_worker() -> str:
    import subprocess

    process = subprocess.Popen(["true"])
    process.wait()
    return f"{runner._HOST}:{process.pid}:1"


@pytest.mark.django_db
def test_a_running_job_of_a_dead_local_worker_is_requeued(
    operator_user, django_capture_on_commit_callbacks
):
    job = Job.objects.create(
        kind="search_repair", started_by=operator_user, status="running", attempts=1,
        worker=dead_worker(), started_at=timezone.now(), heartbeat_at=timezone.now(),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        actions = runner.recover_stale()
    job.refresh_from_db()
    assert actions == [(job.pk, "requeued")]
    assert job.status == "queued" and "stopped without finishing" in job.error
    assert job.task_id


@pytest.mark.django_db
def test_after_the_last_attempt_a_lost_job_fails_with_the_reason(operator_user, settings):
    settings.JOBS_MAX_ATTEMPTS = 2
    job = Job.objects.create(
        kind="search_repair", started_by=operator_user, status="running", attempts=2,
        worker=dead_worker(), started_at=timezone.now(),
    )  # fmt: skip
    assert runner.recover_stale() == [(job.pk, "failed")]
    job.refresh_from_db()
    assert job.status == "failed"
    assert "gave up after 2 attempt(s)" in job.error
    assert job.finished_at is not None


@pytest.mark.django_db
def test_a_live_local_worker_keeps_its_job_even_without_recent_heartbeats(operator_user):
    old = timezone.now() - timedelta(hours=1)
    job = Job.objects.create(
        kind="search_repair", started_by=operator_user, status="running", attempts=1,
        worker=runner.worker_identity(), started_at=old, heartbeat_at=old,
    )  # fmt: skip
    assert runner.recover_stale() == []
    assert Job.objects.get(pk=job.pk).status == "running"


@pytest.mark.django_db
def test_a_remote_worker_is_judged_by_its_heartbeat(operator_user, settings):
    settings.JOBS_STALE_SECONDS = 60
    fresh = Job.objects.create(
        kind="search_repair", status="running", attempts=1, worker="elsewhere:1:1",
        heartbeat_at=timezone.now(),
    )  # fmt: skip
    silent = Job.objects.create(
        kind="search_repair", status="running", attempts=1, worker="elsewhere:2:1",
        heartbeat_at=timezone.now() - timedelta(seconds=120),
    )  # fmt: skip
    assert runner.is_stale(fresh) is False
    assert runner.is_stale(silent) is True


def test_a_reused_pid_is_not_taken_for_the_old_worker():
    me = runner.worker_identity()
    host, pid, ticks = me.split(":")
    assert runner.worker_is_alive(me) is True
    assert runner.worker_is_alive(f"{host}:{pid}:{int(ticks) + 1}") is False
    assert runner.worker_is_alive(f"other-host:{pid}:{ticks}") is None
