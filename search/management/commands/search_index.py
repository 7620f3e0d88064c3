"""``manage.py search_index rebuild|check|repair``: rebuild the index, report drift, fix it."""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from search import indexing
from search.types import SearchUnavailable


class ProgressBar:
    """A one-line progress bar on stderr (plain lines when stderr is not a terminal)."""

    def __init__(self, total: int, stream=None, width: int = 30):
        self.total, self.width = max(total, 1), width
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.perf_counter()
        self.last = -1

    def __call__(self, done: int) -> None:
        percent = min(100, done * 100 // self.total)
        if percent == self.last and done != self.total:
            return
        self.last = percent
        filled = self.width * percent // 100
        rate = done / max(time.perf_counter() - self.started, 1e-9)
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {done}/{self.total} {rate:,.0f} docs/s"
        )
        if self.tty:
            self.stream.write("\r" + line)
        elif percent % 10 == 0:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Rebuild the search index, check it for drift against the database, or repair it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "check", "repair"])
        parser.add_argument("--json", action="store_true", help="print the drift report as JSON")

    def handle(self, *args, action, **options):
        try:
            if action == "rebuild":
                bar = ProgressBar(indexing.count_documents(), stream=self.stderr._out)
                started = time.perf_counter()
                count = indexing.rebuild(progress=bar)
                bar.close()
                seconds = time.perf_counter() - started
                self.stdout.write(f"indexed {count} solutions in {seconds:.1f} s")
                return
            if action == "repair":
                bar = ProgressBar(indexing.count_documents(), stream=self.stderr._out)
                drift = indexing.repair_or_rebuild(progress=bar)
                if drift is None:
                    bar.close()
                    self.stderr.write("the index was built with other fields: rebuilt it")
                    drift = indexing.check()
            else:
                drift = indexing.check()
        except SearchUnavailable as exc:
            raise CommandError(f"search engine unavailable: {exc}") from exc
        if options["json"]:
            self.stdout.write(json.dumps(drift.as_dict()))
            return
        verb = "repaired" if action == "repair" else "found"
        for name, ids in drift.as_dict().items():
            shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
            self.stdout.write(f"{name}: {len(ids)} {verb}" + (f" ({shown})" if ids else ""))
        if drift.clean:
            self.stdout.write("index is in step with the database")
