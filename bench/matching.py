"""Matching benchmark: time to match one need against N generated solutions, and batch speed.

usage: python bench/matching.py [--solutions 10000] [--needs 200] [--workdir DIR]

Builds a throw-away SQLite database and tantivy index (nothing else is touched), fills them
with ``--solutions`` published solutions with certifications, pilots and KPIs (the generator of
bench/search.py, bulk_create), posts ``--needs`` published needs written like the catalogue
(Korean and English words, a category, a budget, sometimes a required certificate), then
prints p50/p95 (wall clock, and CPU time of the process, which a busy machine disturbs less)
of (a) scoring one need (retrieval + profiles + scoring, nothing stored) and (b)
``need_match`` (the same plus storing matches), and (c) batch throughput of ``match_all``.
As the in-run reference it also times (d) retrieval alone (the search engine's queries for the
same needs: the floor under (a)) and prints the ratio of (a) to it. Since retrieval is
matching's own code, (e) one engine query of the need's whole text (both languages, as
retrieval once sent it) is timed too: a reference no change to matching moves.

``--workdir DIR`` keeps the database and index in DIR; a later run with the same DIR and
``--solutions`` reuses them (building 100,000 solutions takes minutes) and only posts new needs.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _bench_search():
    # bench/search.py holds the catalogue generator; loaded by path so it does not shadow the
    # ``search`` app.
    spec = importlib.util.spec_from_file_location("bench_search", HERE / "search.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_search"] = module
    spec.loader.exec_module(module)
    return module


def percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[max(int(len(ordered) * 0.95) - 1, 0)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--solutions", type=int, default=10_000)
    ap.add_argument("--needs", type=int, default=200)
    ap.add_argument("--workdir", help="keep the database and index here; reuse them next time")
    args = ap.parse_args()
    bs = _bench_search()
    if args.workdir:
        tmp = Path(args.workdir).resolve()
        tmp.mkdir(parents=True, exist_ok=True)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="bench-matching-"))
    bs.setup_django(tmp)

    from django.core.management import call_command

    from catalogue.models import Organisation, Solution
    from matching import selectors, services
    from matching.models import Need
    from search import indexing
    from search.backends import get_backend
    from search.types import SearchQuery

    call_command("migrate", verbosity=0)
    have = Solution.objects.count()
    if have and have == args.solutions and len(get_backend().indexed_versions()) == have:
        Need.objects.all().delete()  # an earlier run's needs (and their matches)
        Organisation.objects.filter(kind="municipality").delete()
        print(f"reusing {have} solutions and their index in {tmp}")
    else:
        if have:
            sys.exit(f"{tmp} holds {have} solutions, not {args.solutions}: use another --workdir")
        rng = random.Random(7)
        t = time.perf_counter()
        bs.generate(args.solutions, rng)
        print(f"generated {args.solutions} solutions in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        get_backend().rebuild(indexing.iter_documents(batch_size=1000))
        print(f"indexed in {time.perf_counter() - t:.1f} s")

    towns = Organisation.objects.bulk_create(
        Organisation(
            kind="municipality", name_ko=f"군 {i}", name_en=f"County {i}", tier=tier,
            population=pop, status="approved",
        )
        for i, (tier, pop) in enumerate(
            [("county", 33_000), ("city", 280_000), ("metropolitan", 2_900_000)]
        )
    )  # fmt: skip
    qrng = random.Random(11)
    needs = Need.objects.bulk_create(
        Need(
            organisation=qrng.choice(towns),
            title_ko=bs.ko_words(qrng, 3),
            title_en=" ".join(qrng.choices(bs.EN_V[:300], k=3)),
            description_ko=bs.ko_words(qrng, 20),
            description_en=bs.en_words(qrng, 25),
            category=qrng.choice(bs.CATEGORIES),
            budget_max=qrng.randrange(100, 1500) * 1_000_000,
            budget_currency="KRW",
            required_certifications=qrng.choice([[], [], ["gs"], ["pps-innovation"]]),
            deadline=None,
            status=Need.Status.PUBLISHED,
        )
        for _ in range(args.needs)
    )
    needs = list(Need.objects.select_related("organisation").filter(id__in=[n.id for n in needs]))
    for need in needs[:5]:  # warm caches (engine searcher, query plans)
        services.score_candidates(
            selectors.need_profile(need),
            selectors.query_texts(need),
            explain_top=services.MATCHES_KEPT,
        )

    score_ms, score_cpu, store_ms, store_cpu, candidates = [], [], [], [], []
    for need in needs:
        t, c = time.perf_counter(), time.process_time()
        ranked = services.score_candidates(
            selectors.need_profile(need),
            selectors.query_texts(need),
            explain_top=services.MATCHES_KEPT,
        )
        score_ms.append((time.perf_counter() - t) * 1000)
        score_cpu.append((time.process_time() - c) * 1000)
        candidates.append(len(ranked))
        t, c = time.perf_counter(), time.process_time()
        services.need_match(need=need)
        store_ms.append((time.perf_counter() - t) * 1000)
        store_cpu.append((time.process_time() - c) * 1000)

    retrieve_ms, retrieve_cpu = [], []
    for need in needs:  # the reference: the engine's part of (a), the same queries
        t, c = time.perf_counter(), time.process_time()
        services.retrieve(selectors.query_texts(need), category=need.category)
        retrieve_ms.append((time.perf_counter() - t) * 1000)
        retrieve_cpu.append((time.process_time() - c) * 1000)

    backend = get_backend()
    whole_ms, whole_cpu = [], []
    for need in needs:  # the fixed reference: one query of the need's whole text
        text = "\n".join(selectors.query_texts(need))
        t, c = time.perf_counter(), time.process_time()
        backend.search(SearchQuery(text=text, page_size=50, facets=False, highlight=False))
        whole_ms.append((time.perf_counter() - t) * 1000)
        whole_cpu.append((time.process_time() - c) * 1000)

    warm_ms, warm_cpu = [], []
    for need in needs:  # profiles now cached (until a solution changes)
        t, c = time.perf_counter(), time.process_time()
        services.score_candidates(
            selectors.need_profile(need),
            selectors.query_texts(need),
            explain_top=services.MATCHES_KEPT,
        )
        warm_ms.append((time.perf_counter() - t) * 1000)
        warm_cpu.append((time.process_time() - c) * 1000)

    t = time.perf_counter()
    counts = services.match_all(leads=False)
    batch = time.perf_counter() - t

    print(f"\nN = {args.solutions} solutions, {len(needs)} needs, "
          f"{statistics.mean(candidates):.0f} candidates scored per need on average")  # fmt: skip
    print(f"{'measure':<44}{'p50 ms':>10}{'p95 ms':>10}")
    for label, values in (
        ("match one need (retrieve + score), wall", score_ms),
        ("match one need, CPU time of this process", score_cpu),
        ("need_match (+ store), wall", store_ms),
        ("need_match (+ store), CPU time", store_cpu),
        ("match one need, warm profile cache, wall", warm_ms),
        ("match one need, warm profile cache, CPU", warm_cpu),
        ("reference: retrieval alone, wall", retrieve_ms),
        ("reference: retrieval alone, CPU", retrieve_cpu),
        ("reference: one whole-text query, wall", whole_ms),
        ("reference: one whole-text query, CPU", whole_cpu),
    ):
        p50, p95 = percentiles(values)
        print(f"{label:<44}{p50:>10.1f}{p95:>10.1f}")
    for label, ours, floor in (
        ("match one need / retrieval alone, wall", score_ms, retrieve_ms),
        ("match one need / retrieval alone, CPU", score_cpu, retrieve_cpu),
        ("match one need / whole-text query, wall", score_ms, whole_ms),
        ("match one need / whole-text query, CPU", score_cpu, whole_cpu),
    ):
        print(f"{label:<44}{percentiles(ours)[0] / percentiles(floor)[0]:>10.2f}"
              f"{percentiles(ours)[1] / percentiles(floor)[1]:>10.2f}")  # fmt: skip
    print(f"{'batch match_all (re-run, decisions kept)':<44}"
          f"{counts['needs'] / batch:>10.1f} needs/s")  # fmt: skip


if __name__ == "__main__":
    main()
