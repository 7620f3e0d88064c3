"""``manage.py jobs_bench``: jobs per second through the configured queue, with real workers."""

import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from catalogue.models import Organisation
from jobs import services
from jobs.models import Job


class Command(BaseCommand):
    help = "Queue N no-op jobs, run them with W worker processes, print jobs/s."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=200)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args, jobs, workers, **options):
        users = get_user_model().objects
        operator = users.filter(organisation__kind="operator").first()
        if operator is None:
            org = Organisation.objects.create(name_en="Bench operator", kind="operator")
            operator = users.create_user(username="bench-operator", organisation=org)
        started = time.perf_counter()
        ids = [services.job_create(kind="noop", actor=operator).pk for _ in range(jobs)]
        queued = time.perf_counter() - started
        started = time.perf_counter()
        procs = [
            subprocess.Popen([sys.executable, "manage.py", "jobs_worker", "--burst"])
            for _ in range(workers)
        ]
        for proc in procs:
            proc.wait()
        ran = time.perf_counter() - started
        done = Job.objects.filter(pk__in=ids, status="done").count()
        mode = "redis (rq)" if settings.REDIS_URL else "database"
        self.stdout.write(
            f"{mode}: queued {jobs} jobs in {queued:.2f} s ({jobs / queued:,.0f}/s); "
            f"{workers} worker(s) ran {done} in {ran:.2f} s ({done / ran:,.1f} jobs/s, "
            "including worker start-up)"
        )
