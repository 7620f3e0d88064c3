"""The one task the queue carries: run the stored job with this id."""

from django.conf import settings
from django_tasks import task

from . import runner


@task(queue_name=settings.JOBS_QUEUE)
def run_job(job_id: int) -> str:
    """Run job ``job_id`` (a no-op when it is not queued any more)."""
    return runner.run_job(job_id)
