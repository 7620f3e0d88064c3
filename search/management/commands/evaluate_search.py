"""``manage.py evaluate_search FILE``: relevance of our search against a judged exchange file.

The file is loaded into a throw-away database and index (a child process with its own
``DATABASE_URL`` and ``SEARCH_INDEX_DIR``), its ``queries`` are run with their filters, and
nDCG@10, recall@10 and MRR are printed beside those of plain BM25 over all the text.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

FILTER_KEYS = ("category", "certification", "tier", "country", "deployment", "standard", "language")


def query_from(spec: dict):
    """A ``SearchQuery`` for one ``queries`` item of an exchange file."""
    from search.types import SearchQuery

    filters = spec.get("filters") or {}
    kwargs = {}
    for key in FILTER_KEYS:
        value = filters.get(key)
        if value:
            kwargs[key] = tuple(value) if isinstance(value, list) else (value,)
    return SearchQuery(
        text=spec.get("text", ""), page_size=10, facets=False, highlight=False, **kwargs
    )


class Command(BaseCommand):
    help = "Evaluate search on a judged smartcity-exchange/1 file (nDCG@10, recall@10, MRR)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--rankings-out", help="write {query id: [solution ids]} as JSON")
        parser.add_argument(
            "--baseline",
            action="store_true",
            help="also write plain BM25's rankings (beside OUT.json as OUT.baseline.json)",
        )
        parser.add_argument("--per-query", action="store_true", help="print nDCG@10 per query")
        parser.add_argument("--child-out", help=argparse.SUPPRESS)

    def handle(self, *args, file, **options):
        if options.get("child_out"):
            return self.run_child(file, options["child_out"])
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        with tempfile.TemporaryDirectory(prefix="evaluate-search-") as tmp:
            out = Path(tmp) / "result.json"
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'eval.sqlite3'}",
                "SEARCH_INDEX_DIR": str(Path(tmp) / "index"),
                "VAR_DIR": str(Path(tmp) / "var"),
                "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE
                or os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.base"),
                "SEARCH_BACKEND": "search.backends.tantivy.TantivyBackend",
            }
            env.pop("ELASTICSEARCH_URL", None)
            manage = Path(settings.BASE_DIR) / "manage.py"
            cmd = [
                sys.executable,
                str(manage),
                "evaluate_search",
                str(path.resolve()),
                "--child-out",
                str(out),
            ]
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                raise CommandError(f"evaluation failed:\n{proc.stderr.strip()[-3000:]}")
            result = json.loads(out.read_text())
        self.report(result, options)

    def report(self, result: dict, options) -> None:
        ours, base = result["metrics"], result["baseline_metrics"]
        self.stdout.write(f"queries: {ours['queries']}  solutions: {result['solutions']}")
        self.stdout.write(f"{'':16}{'nDCG@10':>9}{'recall@10':>11}{'MRR':>7}")
        for label, m in (("search", ours), ("plain BM25", base)):
            self.stdout.write(f"{label:16}{m['ndcg@10']:9.3f}{m['recall@10']:11.3f}{m['mrr']:7.3f}")
        gain = ours["ndcg@10"] - base["ndcg@10"]
        self.stdout.write(f"gain in nDCG@10 over plain BM25: {gain:+.3f}")
        if options.get("per_query"):
            for qid, value in result["per_query"].items():
                self.stdout.write(
                    f"  {qid}: {value:.3f} (BM25 {result['baseline_per_query'][qid]:.3f})"
                )
        if options.get("rankings_out"):
            out = Path(options["rankings_out"])
            out.write_text(json.dumps(result["rankings"], indent=1))
            self.stdout.write(f"rankings written to {out}")
            if options.get("baseline"):
                base_out = out.with_name(f"{out.stem}.baseline{out.suffix}")
                base_out.write_text(json.dumps(result["baseline_rankings"], indent=1))
                self.stdout.write(f"baseline rankings written to {base_out}")

    def run_child(self, file: str, out: str) -> None:
        from catalogue import exchange
        from catalogue.models import Solution
        from search import evaluation, indexing
        from search.backends import get_backend

        call_command("migrate", verbosity=0, interactive=False)
        data = exchange.load_document(file)
        exchange.import_document(data, publish=True)
        get_backend().rebuild(indexing.iter_documents())
        public = dict(Solution.objects.values_list("id", "exchange_id"))
        docs = list(indexing.iter_documents())
        baseline = evaluation.PlainBM25(docs)
        backend = get_backend()
        rankings, base_rankings = {}, {}
        for spec in data.get("queries", []):
            query = query_from(spec)
            hits = backend.search(query).hits
            rankings[spec["id"]] = [public[h.solution_id] for h in hits]
            base_rankings[spec["id"]] = [
                public[i] for i in baseline.search(query.text, category=query.category)
            ]
        result = {
            "solutions": len(docs),
            "rankings": rankings,
            "baseline_rankings": base_rankings,
            "metrics": evaluation.score_rankings(rankings, data),
            "baseline_metrics": evaluation.score_rankings(base_rankings, data),
            "per_query": evaluation.per_query_ndcg(rankings, data),
            "baseline_per_query": evaluation.per_query_ndcg(base_rankings, data),
        }
        Path(out).write_text(json.dumps(result))
