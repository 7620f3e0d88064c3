"""Measure the matcher on a smartcity-exchange/1 file with judgements, in a throw-away database.

The file is loaded into a temporary SQLite database and a temporary search index by a child
process (so the real database and index are never touched); its solutions are published.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Print nDCG@5/@10, recall@10, MRR, ideal-first share and top-5 violations."

    def add_arguments(self, parser):
        parser.add_argument("file", help="smartcity-exchange/1 JSON with needs/leads/judgements")
        parser.add_argument("--rankings-out", help="write {item id: [solution ids]} here")
        parser.add_argument(
            "--search-backend",
            default="search.backends.tantivy.TantivyBackend",
            help="dotted path of the backend for the throw-away index (default: embedded tantivy)",
        )
        parser.add_argument("--in-throwaway", action="store_true", help="(internal) child mode")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        if options["in_throwaway"]:
            return self._evaluate_here(path, options.get("rankings_out"))
        with tempfile.TemporaryDirectory(prefix="sce-eval-") as tmp:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'eval.sqlite3'}",
                "SEARCH_INDEX_DIR": str(Path(tmp) / "index"),
                "SEARCH_INDEX_NAME": f"eval-{os.getpid()}",
                "SEARCH_BACKEND": options["search_backend"],
                "MEDIA_ROOT": str(Path(tmp) / "media"),
                "VAR_DIR": tmp,
                "DJANGO_SETTINGS_MODULE": os.environ.get(
                    "DJANGO_SETTINGS_MODULE", "config.settings.base"
                ),
                "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
                "LOG_LEVEL": "WARNING",
            }
            env.pop("ELASTICSEARCH_URL", None)
            command = [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "evaluate_matching",
                str(path.resolve()),
                "--in-throwaway",
            ]
            if options.get("rankings_out"):
                command += ["--rankings-out", str(Path(options["rankings_out"]).resolve())]
            done = subprocess.run(
                command, env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
            )
            self.stdout.write(done.stdout, ending="")
            if done.returncode != 0:
                self.stderr.write(done.stderr)
                raise CommandError(f"evaluation failed (exit {done.returncode})")

    def _evaluate_here(self, path: Path, rankings_out: str | None) -> None:
        from matching.evaluation import evaluate_loaded
        from matching.loading import load_exchange_file

        call_command("migrate", verbosity=0, interactive=False)
        with transaction.atomic():
            document = load_exchange_file(path)
        result = evaluate_loaded(document)
        self.stdout.write(
            f"{len(result['need_ids'])} needs, {len(result['lead_ids'])} leads, "
            f"{len(document.get('solutions', []))} solutions"
        )
        for line in result["metrics"].lines("matching (all factors)"):
            self.stdout.write(line)
        for line in result["text_metrics"].lines("text relevance alone"):
            self.stdout.write(line)
        if rankings_out:
            Path(rankings_out).write_text(
                json.dumps(result["rankings"], indent=1, ensure_ascii=False), encoding="utf-8"
            )
            self.stdout.write(f"rankings written to {rankings_out}")
