"""Where a search's time goes: the embedded backend's parts, in CPU and wall milliseconds.

usage: python bench/search_parts.py --data var/bench-load-100000 [--queries 300] [--rounds 3]

Uses the installation that ``bench/load.py --data DIR`` prepared (its database and index), runs
the load mix's search shape (one English and one Korean word, ``tier=county``,
``price_max=500000000``) through the backend with facets and highlights turned off one at a
time, and prints p50/p95 of the process's CPU time (all its threads) and of the wall time.
CPU minus CPU tells what a part costs; wall shows what running the facets beside the page saves.
Two more rows put it beside its neighbours in the same process: the whole API request (Django's
WSGI handler with every middleware, no server and no network) and, when ``load.py --ceiling``
built the ceiling's index in DIR, what ``serve_ceiling.py``'s view asks of tantivy (two words, a
filter, 6 facets, 10 snippets of one field). The rows are measured in turn, ``--rounds`` times,
and each figure is the median over the rounds: on a noisy machine one pass can be off by 20 %.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.load import (  # noqa: E402 - the installation's settings, as load.py serves it
    SEARCH_PATH,
    SHARED_BENCH,
    server_env,
)
from bench.search import EN_V, KO_V  # noqa: E402 - the generator's words


def measure(fn, texts) -> tuple[float, float, float, float]:
    cpu, wall = [], []
    for text in texts:
        c, w = time.process_time(), time.perf_counter()
        fn(text)
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    cpu.sort()
    wall.sort()
    p95 = max(int(len(texts) * 0.95) - 1, 0)
    return statistics.median(cpu), cpu[p95], statistics.median(wall), wall[p95]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True, help="a bench/load.py --data directory")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=3, help="passes over every row, in turn")
    args = ap.parse_args()
    if not (args.data / "ready").is_file():
        sys.exit(f"{args.data} is not prepared: run bench/load.py --data {args.data} first")
    os.environ.update(server_env(args.data.resolve(), None))
    import django

    django.setup()
    from search.backends import get_backend
    from search.types import SearchQuery

    backend = get_backend()
    rng = random.Random(3)
    texts = [f"{rng.choice(EN_V[10:400])} {rng.choice(KO_V[10:400])}" for _ in range(args.queries)]
    base = SearchQuery(tier=("county",), price_max=500_000_000.0)

    def search(**changes):
        return lambda text: backend.search(dataclasses.replace(base, text=text, **changes))

    for text in texts[:30]:  # warm up
        backend.search(dataclasses.replace(base, text=text))
    _, searcher = backend._searcher()
    print(
        f"{searcher.num_docs} documents, {searcher.num_segments} segments, {len(texts)} queries, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    rows = [
        ("whole search (facets + highlights)", search()),
        ("without facets", search(facets=False)),
        ("without highlights", search(highlight=False)),
        ("without either (ranked page only)", search(facets=False, highlight=False)),
        ("query building only", lambda text: backend._text_query(text, searcher)),
        ("the API request in-process (WSGI)", api_request()),
    ]
    if (args.data / "floor-ready").is_file():
        rows.append(("the ceiling's tantivy calls (its index)", ceiling_search(args.data)))
    figures: dict[str, list] = {name: [] for name, _ in rows}
    for _ in range(args.rounds):
        for name, fn in rows:
            figures[name].append(measure(fn, texts))
    print(f"{'part':40s} {'CPU p50':>8s} {'CPU p95':>8s} {'wall p50':>9s} {'wall p95':>9s}")
    for name, runs in figures.items():
        cpu50, cpu95, wall50, wall95 = (statistics.median(r[i] for r in runs) for i in range(4))
        print(f"{name:40s} {cpu50:8.2f} {cpu95:8.2f} {wall50:9.2f} {wall95:9.2f}")


def api_request():
    """The search API as gunicorn calls it, minus the server: every middleware, DRF, the hits
    from the database, JSON. The access log is silenced (one line per request otherwise)."""
    import io
    import logging
    import urllib.parse

    from django.core.handlers.wsgi import WSGIHandler

    logging.getLogger("sce.access").setLevel(logging.WARNING)
    app = WSGIHandler()

    def call(text):
        path, _, query = SEARCH_PATH.format(words=urllib.parse.quote(text)).partition("?")
        environ = {
            "REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
        }  # fmt: skip
        status = []
        b"".join(app(environ, lambda s, headers: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"the search API answered {status[0]}")

    return call


def ceiling_search(data: Path):
    """What serve_ceiling.py's view asks of tantivy, on the index load.py built for it; its own
    words (the floor's vocabulary), drawn per call as the ceiling's server draws them."""
    import tantivy

    sys.path.insert(0, str(SHARED_BENCH))
    import tantivy_floor as floor

    index = tantivy.Index.open(str(data / "floor-index"))
    floor.register(index)
    searcher = index.searcher()
    fields = ["name_ko", "summary_ko", "description_ko", "name_en", "summary_en", "description_en"]
    aggs = {f: {"terms": {"field": f, "size": 20}} for f in floor.FACETS}
    tier = tantivy.Query.term_query(index.schema, "tier", "county")
    rng = random.Random(5)

    def call(_text):
        en, ko = rng.choice(floor.EN_V[10:400]), rng.choice(floor.KO_V[10:400])
        text = index.parse_query(f"{en} {ko}", fields)
        q = tantivy.Query.boolean_query([(tantivy.Occur.Must, text), (tantivy.Occur.Must, tier)])
        hits = searcher.search(q, 10).hits
        searcher.aggregate(q, aggs)
        gen = tantivy.SnippetGenerator.create(searcher, text, index.schema, "description_en")
        for _, address in hits:
            gen.snippet_from_doc(searcher.doc(address)).to_html()

    return call


if __name__ == "__main__":
    main()
