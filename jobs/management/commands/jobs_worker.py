"""``manage.py jobs_worker``: run background jobs (database queue, or RQ when REDIS_URL is set)."""

from django.core.management.base import BaseCommand

from jobs.worker import run_worker


class Command(BaseCommand):
    help = "Run queued jobs; re-queue or fail jobs whose worker died. Ctrl-C stops it."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="exit when the queue is empty")
        parser.add_argument("--interval", type=float, default=0.5, help="poll interval (s)")

    def handle(self, *args, burst, interval, **options):
        run_worker(burst=burst, interval=interval)
