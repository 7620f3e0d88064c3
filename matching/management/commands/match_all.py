"""Match every open need and lead again (decisions people made are kept), with progress."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from matching.services import match_all


class ProgressBar:
    """A one-line text progress bar on a stream (stderr by default)."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        filled = int(self.width * done / total) if total else self.width
        rate = done / max(time.monotonic() - self.started, 1e-9)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} ({rate:.1f}/s)"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Match all open published needs and open leads again; safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--needs-only", action="store_true")
        parser.add_argument("--leads-only", action="store_true")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        progress = None if options["no_progress"] else ProgressBar(self.stderr._out)
        counts = match_all(
            progress=progress,
            needs=not options["leads_only"],
            leads=not options["needs_only"],
        )
        self.stdout.write(
            f"matched {counts['needs']} needs and {counts['leads']} leads "
            f"({counts['matches']} matches)"
        )
