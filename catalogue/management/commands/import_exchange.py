"""``manage.py import_exchange FILE``: import a smartcity-exchange/1 document, all or nothing."""

import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.db import DatabaseError

from catalogue.exchange import (
    ERROR_LISTING_CAP,
    ExchangeInvalid,
    import_document,
    load_document,
)


class ProgressBar:
    """A one-line progress bar on a stream, redrawn at most every 1 % (or at the end)."""

    def __init__(self, stream, width: int = 30):
        self.stream = stream
        self.width = width
        self.drawn = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 if total == 0 else done * 100 // total
        if percent == self.drawn and done != total:
            return
        self.drawn = percent
        filled = self.width * percent // 100
        bar = "#" * filled + "-" * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r[{bar}] {done}/{total} items ({percent}%)", ending=end)
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import a smartcity-exchange/1 JSON document (ids are upsert keys). Publishes what it "
        "brings unless --draft. On bad input lists every problem by JSON path and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the JSON document, or - for standard input")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="keep solutions as drafts and their certifications and pilots pending review",
        )
        parser.add_argument(
            "--actor", help="username or e-mail of the person recorded as approving/verifying"
        )
        parser.add_argument(
            "--progress",
            action="store_true",
            help="draw the progress bar even when standard error is not a terminal",
        )
        parser.add_argument(
            "--max-errors",
            type=int,
            default=ERROR_LISTING_CAP,
            help=f"list at most this many problems (default {ERROR_LISTING_CAP})",
        )

    @no_translations  # the command speaks English; jobs speak their starter's language
    def handle(self, *args, **options):
        actor = self._actor(options["actor"])
        started = time.monotonic()
        source = sys.stdin.buffer if options["file"] == "-" else options["file"]
        progress = None
        if options["progress"] or self.stderr.isatty():
            progress = ProgressBar(self.stderr)
        try:
            document = load_document(source)
            report = import_document(
                document, publish=not options["draft"], actor=actor, progress=progress
            )
        except ExchangeInvalid as invalid:
            for line in invalid.lines(limit=options["max_errors"]):
                self.stderr.write(line)
            raise CommandError(
                f"{len(invalid.errors)} problem(s) found in {options['file']}; nothing was changed."
            )
        except DatabaseError as exc:
            raise CommandError(f"the database refused the import, nothing was changed: {exc}")
        for line in report.lines():
            self.stdout.write(line)
        mode = "as drafts for review" if options["draft"] else "published"
        self.stdout.write(
            self.style.SUCCESS(f"Imported {mode} in {time.monotonic() - started:.2f} s.")
        )

    def _actor(self, name):
        if not name:
            return None
        users = get_user_model().objects
        user = users.filter(username=name).first() or users.filter(email__iexact=name).first()
        if user is None:
            raise CommandError(f"no user {name!r}")
        return user
