"""``manage.py export_exchange [FILE]``: write the catalogue as smartcity-exchange/1."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand

from catalogue.exchange import dump_document, export_document


class Command(BaseCommand):
    help = (
        "Export published solutions and approved vendors as a smartcity-exchange/1 document "
        "(to FILE, or standard output). --all exports every status."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write; standard output if omitted")
        parser.add_argument(
            "--all", action="store_true", help="include drafts, submitted and archived solutions"
        )

    def handle(self, *args, **options):
        document = export_document(include_unpublished=options["all"])
        text = dump_document(document)
        if not options["file"]:
            self.stdout.write(text, ending="")
            return
        target = Path(options["file"])
        # Write beside the target and rename, so a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self.stderr.write(
            f"Wrote {len(document['vendors'])} vendors and {len(document['solutions'])} "
            f"solutions to {target}."
        )
