"""Search benchmark: N generated bilingual solutions, indexing throughput and query latency.

usage: python bench/search.py [--docs 10000] [--queries 200] [--no-floor] [--index-runs 1]

Builds a throw-away SQLite database and index, fills them with ``--docs`` realistic solutions
(bulk_create), then prints: indexing docs/s (database -> committed index), index size, peak
memory, and p50/p95 of (a) two-word query + two filters + all facets + highlights, (b) suggest,
(c) a one-typo query (the ranked page only, like the floor's fuzzy query: ``facets=false`` and
``highlight=false`` through the API), each through the backend and through the HTTP API (Django
test client).
It also runs ../shared/bench/tantivy_floor.py with the same N and prints the ratios.
``--index-runs K`` repeats the indexing measurement K times, each one beside a run of the floor,
and prints every pair and the median ratio: on a noisy machine one pair can be off by 0.1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

KO = (
    "교통 신호 주차 안전 감시 영상 대기질 측정 센서 스마트 횡단보도 침수 예측 수요응답 버스 "
    "에너지 절감 조명 관제 플랫폼 쓰레기 수거 복지 돌봄 관광 안내 건물 물류 배송 상수도 누수 "
    "탐지 화재 경보 미세먼지 드론 자율주행 충전소 공유 데이터 허브 디지털트윈 통합"
).split()
EN = (
    "traffic signal parking safety surveillance video air quality sensor smart crosswalk flood "
    "forecast demand responsive bus energy saving lighting control platform waste collection "
    "welfare care tourism guide building logistics delivery water leak detection fire alarm "
    "dust drone autonomous charging sharing data hub digital twin integrated"
).split()
HANGUL = [chr(c) for c in range(0xAC00, 0xD7A4, 37)]
PARTICLES = ["", "", "", "를", "을", "의", "에서", "으로", "는"]
CATEGORIES = (
    "mobility safety energy environment water waste health welfare governance education "
    "tourism building logistics platform"
).split()
COUNTRIES = "KR VN ID AE SA PE KE PL UZ PH CL US".split()
CERTS = "gs pps-innovation pps-excellent nep net kc cc iso-27001 ce".split()
DEPLOY = ["cloud", "on-premise", "hybrid", "edge"]
STANDARDS = ["NGSI-LD", "oneM2M", "MQTT", "OCPP", "CityGML"]
TIERS = ["metropolitan", "city", "county"]


def vocab(rng, seed, make, size):
    words = list(seed)
    while len(words) < size:
        words.append(make(rng))
    return words, list(itertools.accumulate(1 / (r + 1) for r in range(len(words))))


EN_V, EN_W = vocab(
    random.Random(1),
    EN,
    lambda r: "".join(
        r.choice("bcdfghklmnprstvz") + r.choice("aeiou") for _ in range(r.randint(2, 4))
    ),
    8000,
)
KO_V, KO_W = vocab(
    random.Random(2), KO, lambda r: "".join(r.choice(HANGUL) for _ in range(r.randint(2, 3))), 8000
)


def en_words(rng, n):
    return " ".join(rng.choices(EN_V, cum_weights=EN_W, k=n))


def ko_words(rng, n):
    # Korean as written: particles attached to some nouns
    return " ".join(w + rng.choice(PARTICLES) for w in rng.choices(KO_V, cum_weights=KO_W, k=n))


def setup_django(tmp: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "VAR_DIR": str(tmp / "var"),
            "SEARCH_INDEX_DIR": str(tmp / "index"),
            "SEARCH_BACKEND": "search.backends.tantivy.TantivyBackend",
            "DEBUG": "0",
            "SECRET_KEY": "bench-only-" + "x" * 40,
            "ALLOWED_HOSTS": "testserver,localhost",
            "THROTTLE_ANON": "100000000/minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("ELASTICSEARCH_URL", None)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


def generate(n: int, rng: random.Random) -> None:
    """N published solutions with vendors, certifications, pilots and KPIs (bulk_create)."""
    from catalogue.models import Certification, Kpi, Organisation, Pilot, Solution

    vendors = Organisation.objects.bulk_create(
        Organisation(
            kind="vendor",
            name_en=f"{en_words(rng, 2).title()} Inc",
            name_ko=f"{ko_words(rng, 1)} 주식회사",
            status="approved",
        )
        for _ in range(max(1, n // 20))
    )
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    for start in range(0, n, 2000):
        count = min(2000, n - start)
        solutions = Solution.objects.bulk_create(
            Solution(
                vendor=rng.choice(vendors),
                name_ko="".join(rng.choices(KO_V, cum_weights=KO_W, k=3)),
                name_en=en_words(rng, 3).title(),
                summary_ko=ko_words(rng, 12),
                summary_en=en_words(rng, 15),
                description_ko=ko_words(rng, 60),
                description_en=en_words(rng, 80),
                category=rng.choice(CATEGORIES),
                tags=rng.sample(EN, 3),
                standards=rng.sample(STANDARDS, 2),
                deployment=rng.sample(DEPLOY, 2),
                price_min=rng.randrange(10, 900) * 1_000_000,
                price_max=1_000_000_000,
                currency="KRW",
                languages=["ko", "en"],
                reference_countries=rng.sample(COUNTRIES, 2),
                status="published",
                published_at=now + dt.timedelta(minutes=start + i),
            )
            for i in range(count)
        )
        Certification.objects.bulk_create(
            Certification(
                solution=s,
                type=rng.choice(CERTS),
                valid_from=dt.date(2023, rng.randint(1, 12), 1),
                valid_until=dt.date(2027, rng.randint(1, 12), 28),
                verification="verified",
            )
            for s in solutions
        )
        pilots = Pilot.objects.bulk_create(
            Pilot(
                solution=s,
                city=en_words(rng, 1).title(),
                country=rng.choice(COUNTRIES),
                tier=rng.choice(TIERS),
                summary_en=en_words(rng, 20),
                summary_ko=ko_words(rng, 15),
                verification=rng.choice(["verified", "pending"]),
            )
            for s in solutions
        )
        Kpi.objects.bulk_create(
            Kpi(pilot=p, indicator=en_words(rng, 4), baseline=10, result=8, better="lower")
            for p in pilots
        )


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    out.sort()
    return statistics.median(out), out[max(int(len(out) * 0.95) - 1, 0)]


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def run_floor(n: int, queries: int, workdir: Path, quiet: bool = False) -> dict:
    script = BASE_DIR.parent / "shared" / "bench" / "tantivy_floor.py"
    if not script.is_file():
        return {}
    out = subprocess.run(
        [
            sys.executable,
            str(script),
            "--docs",
            str(n),
            "--queries",
            str(queries),
            "--dir",
            str(workdir / "floor"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if not quiet:
        print("floor output:\n  " + out.strip().replace("\n", "\n  "))
    floor = {"indexing": float(re.search(r"indexing=([\d,.]+)", out).group(1).replace(",", ""))}
    for key, label in (("a", r"\(a\)"), ("b", r"\(b\)"), ("c", r"\(c\)")):
        m = re.search(label + r".*?p50=([\d.]+) ms p95=([\d.]+) ms", out)
        floor[key] = (float(m.group(1)), float(m.group(2)))
    return floor


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--index-runs", type=int, default=1, help="indexing measured K times")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-search-"))
    setup_django(tmp)

    from django.core.management import call_command
    from django.test import Client

    from search import indexing
    from search.backends import get_backend
    from search.types import SearchQuery

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    t = time.perf_counter()
    generate(args.docs, rng)
    print(f"generated {args.docs} solutions in {time.perf_counter() - t:.1f} s")

    backend = get_backend()
    t, cpu = time.perf_counter(), time.process_time()
    count = backend.rebuild(indexing.iter_documents(batch_size=1000))
    seconds = time.perf_counter() - t
    cpu_seconds = time.process_time() - cpu  # all threads: the tantivy writer's too
    rate = count / seconds
    size = dir_size(Path(os.environ["SEARCH_INDEX_DIR"]))

    qrng = random.Random(11)
    pairs = [(qrng.choice(EN_V[10:400]), qrng.choice(KO_V[10:400])) for _ in range(args.queries)]
    long_words = [w for w in EN_V[:400] if len(w) >= 5]

    def typo(word):
        j = qrng.randrange(1, len(word) - 1)
        return word[:j] + word[j + 1 :]

    shapes = {
        "a": (
            lambda p: backend.search(
                SearchQuery(text=f"{p[0]} {p[1]}", tier=("county",), price_max=500e6)
            ),
            lambda p: f"/api/v1/search/solutions/?q={p[0]}+{p[1]}&tier=county&price_max=500000000",
            lambda: qrng.choice(pairs),
        ),
        "b": (
            lambda p: backend.suggest(p),
            lambda p: f"/api/v1/search/suggest/?q={p}",
            lambda: qrng.choice(EN_V[:400])[:3],
        ),
        "c": (
            lambda p: backend.search(SearchQuery(text=p, facets=False, highlight=False)),
            lambda p: f"/api/v1/search/solutions/?q={p}&facets=false&highlight=false",
            lambda: typo(qrng.choice(long_words)),
        ),
    }
    client = Client()
    results = {}
    for key, (direct, url, pick) in shapes.items():

        def backend_call(direct=direct, pick=pick):
            direct(pick())

        def http(url=url, pick=pick):
            resp = client.get(url(pick()))
            assert resp.status_code == 200, resp.content[:200]

        timed(backend_call, 20)  # warm up
        results[key, "backend"] = timed(backend_call, args.queries)

        timed(http, 10)
        results[key, "http"] = timed(http, args.queries)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    floor = {} if args.no_floor else run_floor(args.docs, args.queries, tmp)
    pairs = [(rate, floor.get("indexing"))]
    for run in range(1, args.index_runs):
        t = time.perf_counter()
        backend.rebuild(indexing.iter_documents(batch_size=1000))
        again = count / (time.perf_counter() - t)
        floor_again = {} if args.no_floor else run_floor(args.docs, 5, tmp / f"f{run}", True)
        pairs.append((again, floor_again.get("indexing")))
    shutil.rmtree(tmp, ignore_errors=True)
    print()
    load = os.getloadavg()[0]
    print(
        f"docs={count}  index size={size / 1e6:.1f} MB  peak RSS={peak_mb:.0f} MB"
        f"  load average {load:.1f} on {os.cpu_count()} CPUs (other work skews the ratios)"
    )
    line = (
        f"indexing (DB -> committed index): {rate:,.0f} docs/s ({seconds:.1f} s,"
        f" {cpu_seconds:.1f} s CPU)"
    )
    if floor:
        line += f"  floor {floor['indexing']:,.0f} docs/s  ratio {rate / floor['indexing']:.2f}"
    print(line)
    if len(pairs) > 1:
        print("indexing runs (docs/s, floor, ratio):")
        for ours, theirs in pairs:
            print(f"  {ours:8,.0f} {theirs or 0:8,.0f} {ours / theirs if theirs else 0:6.2f}")
        if all(theirs for _, theirs in pairs):
            median = statistics.median(ours / theirs for ours, theirs in pairs)
            print(f"  median ratio {median:.2f}")
    names = {
        "a": "(a) 2 words + 2 filters + facets + highlights",
        "b": "(b) suggest",
        "c": "(c) one-typo query",
    }
    print(f"{'shape':48}{'path':9}{'p50 ms':>8}{'p95 ms':>8}{'floor p95':>10}{'ratio':>7}")
    for key in "abc":
        for path in ("backend", "http"):
            p50, p95 = results[key, path]
            fp95 = floor.get(key, (None, None))[1] if floor else None
            ratio = f"{p95 / fp95:7.2f}" if fp95 else f"{'':>7}"
            fcol = f"{fp95:10.2f}" if fp95 else f"{'':>10}"
            print(f"{names[key]:48}{path:9}{p50:8.2f}{p95:8.2f}{fcol}{ratio}")


if __name__ == "__main__":
    main()
