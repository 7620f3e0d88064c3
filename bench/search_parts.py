"""Where a search's time goes: the embedded backend's parts, in CPU and wall milliseconds.

usage: python bench/search_parts.py --data var/bench-load-100000 [--queries 300]

Uses the installation that ``bench/load.py --data DIR`` prepared (its database and index), runs
the load mix's search shape (one English and one Korean word, ``tier=county``,
``price_max=500000000``) through the backend with facets and highlights turned off one at a
time, and prints p50/p95 of the process's CPU time (all its threads) and of the wall time.
CPU minus CPU tells what a part costs; wall shows what running the facets beside the page saves.
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

from bench.load import server_env  # noqa: E402 - the installation's settings, as load.py serves it
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
    print(f"{'part':40s} {'CPU p50':>8s} {'CPU p95':>8s} {'wall p50':>9s} {'wall p95':>9s}")
    rows = [
        ("whole search (facets + highlights)", search()),
        ("without facets", search(facets=False)),
        ("without highlights", search(highlight=False)),
        ("without either (ranked page only)", search(facets=False, highlight=False)),
        ("query building only", lambda text: backend._text_query(text, searcher)),
    ]
    for name, fn in rows:
        cpu50, cpu95, wall50, wall95 = measure(fn, texts)
        print(f"{name:40s} {cpu50:8.2f} {cpu95:8.2f} {wall50:9.2f} {wall95:9.2f}")


if __name__ == "__main__":
    main()
