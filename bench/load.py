"""Load benchmark: the production server (as ``make serve`` runs it) under a realistic mix.

usage: python bench/load.py [--docs 10000] [--seconds 20] [--concurrency 32] [--ceiling]
                            [--database-url URL] [--analyze] [--keep] [--data DIR [--reindex]]

Prepares a throw-away installation (temp VAR_DIR, SQLite unless --database-url, temp index and
media), fills it with ``--docs`` generated bilingual published solutions (bench/search.py's
generator), the demo users (load_demo), a few published needs with matches and a few vendor
drafts, builds the index, then starts gunicorn with config/gunicorn.py (its default of one
worker per core plus one, or ``--workers``; DEBUG off,
a generated SECRET_KEY, SECURE_SSL_REDIRECT off since it is plain http) and a job worker on a
free 127.0.0.1 port. A thread-pool client (http.client, keep-alive) drives it for ``--seconds``
with a mix of search (two words + two filters), suggest, solution pages (HTML), a need's match
list (token API) and vendor PATCHes of their own drafts with If-Match, and prints requests/s,
p50/p99 and errors per kind and overall. With --ceiling it also drives the product's search
alone, then ../shared/bench/serve_ceiling.py (raw tantivy behind one DRF view) with the same
client and concurrency, and prints the product's search figures as ratios of the ceiling's.
Throttle rates are raised for the run: every request comes from 127.0.0.1. The server's CPU per
request (its process group's, from /proc) is printed with each table: unlike req/s and latency,
the other load on the machine hardly moves it. --data DIR keeps the installation for reuse.
Everything listens on 127.0.0.1 only; every process started is stopped on exit.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SHARED_BENCH = BASE_DIR.parent / "shared" / "bench"
sys.path.insert(0, str(BASE_DIR))

from bench.search import CATEGORIES, EN_V, KO_V, en_words, generate, ko_words  # noqa: E402

# Share of each kind of request in the mix (weights, not percentages).
MIX = {"search": 40, "suggest": 20, "solution page": 25, "need matches": 10, "vendor patch": 5}
# The search request: two words (one English, one Korean) and two filters.
SEARCH_PATH = "/api/v1/search/solutions/?q={words}&tier=county&price_max=500000000"
NEEDS = 5
DRAFTS = 8
CPU = "cpu ms"  # the key of the server's CPU per request in a summary


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(tmp: Path, database_url: str | None, workers: int | None = None) -> dict[str, str]:
    """The environment of ``make serve`` for a throw-away installation under ``tmp``."""
    env = dict(os.environ)
    env.pop("ELASTICSEARCH_URL", None)
    env.pop("WEB_CONCURRENCY", None)
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "DATABASE_URL": database_url or f"sqlite:///{tmp / 'var' / 'db.sqlite3'}",
            "VAR_DIR": str(tmp / "var"),
            "STATIC_ROOT": str(tmp / "static"),
            "MEDIA_ROOT": str(tmp / "media"),
            "SEARCH_INDEX_DIR": str(tmp / "index"),
            "SEARCH_BACKEND": "search.backends.tantivy.TantivyBackend",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_PRELOAD": "true",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "THROTTLE_ANON": "100000000/minute",
            "THROTTLE_USER": "100000000/minute",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def prepare(n: int, env: dict[str, str], analyze: bool = False) -> dict:
    """Fill the installation; returns ids and tokens the client needs."""
    os.environ.update(env)
    for sub in ("var", "static", "media", "index"):
        Path(env["VAR_DIR"]).parent.joinpath(sub).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from catalogue.models import User
    from catalogue.services.solutions import solution_create
    from matching.services import need_create, need_publish
    from search import indexing

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(7)
    t = time.perf_counter()
    generate(n, rng)
    print(f"generated {n} solutions in {time.perf_counter() - t:.1f} s", flush=True)
    call_command("load_demo", stdout=open(os.devnull, "w"))
    t = time.perf_counter()
    count = indexing.rebuild()
    print(f"indexed {count} solutions in {time.perf_counter() - t:.1f} s", flush=True)
    buyer = User.objects.get(email="county@demo.example")
    vendor = User.objects.get(email="vendor@demo.example")
    t = time.perf_counter()
    for i in range(NEEDS):
        need = need_create(
            user=buyer,
            data={
                "title_en": en_words(rng, 5),
                "title_ko": ko_words(rng, 4),
                "description_en": en_words(rng, 40),
                "description_ko": ko_words(rng, 30),
                "category": CATEGORIES[i % len(CATEGORIES)],
            },
        )
        need_publish(user=buyer, need=need)
    print(f"published and matched {NEEDS} needs in {time.perf_counter() - t:.1f} s", flush=True)
    drafts = [
        solution_create(
            user=vendor,
            data={
                "name_en": f"Load draft {i}",
                "name_ko": f"부하 초안 {i}",
                "summary_en": en_words(rng, 12),
                "category": rng.choice(CATEGORIES),
            },
        )
        for i in range(DRAFTS)
    ]
    call_command("collectstatic", interactive=False, verbosity=0)
    if analyze:
        # Planner statistics: without them SQLite reads a search page's 10 solutions through
        # the status index (every published row) instead of by primary key.
        with connections["default"].cursor() as cursor:
            cursor.execute("ANALYZE")
    assert len(drafts) == DRAFTS
    return client_info()


def client_info() -> dict:
    """Ids, draft versions and tokens the client needs, read from the prepared database."""
    import django

    django.setup()
    from django.db import connections
    from rest_framework.authtoken.models import Token

    from catalogue.models import Solution, User
    from matching.models import Need

    buyer = User.objects.get(email="county@demo.example")
    vendor = User.objects.get(email="vendor@demo.example")
    drafts = Solution.objects.filter(vendor=vendor.organisation, name_en__startswith="Load draft ")
    info = {
        "solutions": list(
            Solution.objects.filter(status="published").values_list("pk", flat=True)[:5000]
        ),
        "needs": list(
            Need.objects.filter(organisation=buyer.organisation).values_list("pk", flat=True)
        ),
        "drafts": dict(drafts.values_list("pk", "version")),
        "buyer_token": Token.objects.get_or_create(user=buyer)[0].key,
        "vendor_token": Token.objects.get_or_create(user=vendor)[0].key,
    }
    connections.close_all()
    return info


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path = BASE_DIR):
    """A child process in its own process group, output to ``log``."""
    return subprocess.Popen(
        cmd,
        env=env,
        cwd=cwd,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> None:
    """Stop a child's whole process group: TERM, then KILL after 10 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def wait_ready(port: int, path: str, proc: subprocess.Popen, log: Path, seconds=60) -> None:
    """Poll until ``path`` answers 200 or fail with the server's log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"server on port {port} did not come up; log:\n{log.read_text()[-3000:]}")


class Mix:
    """Builds the next request of each kind; keeps the drafts' versions for If-Match."""

    def __init__(self, info: dict, rng: random.Random):
        self.info = info
        self.rng = rng
        self.lock = threading.Lock()
        self.free_drafts = list(info["drafts"].items())

    def pick(self, kinds):
        with self.lock:
            return self.rng.choices(list(kinds), weights=[MIX[k] for k in kinds])[0]

    def request(self, kind: str):
        """(method, path, headers, body, on_response) for one request of this kind."""
        rng = self.rng
        with self.lock:
            if kind == "search":
                q = urllib.parse.quote(f"{rng.choice(EN_V[10:400])} {rng.choice(KO_V[10:400])}")
                return "GET", SEARCH_PATH.format(words=q)
            if kind == "suggest":
                return "GET", f"/api/v1/search/suggest/?q={rng.choice(EN_V[:400])[:3]}"
            if kind == "solution page":
                return "GET", f"/solutions/{rng.choice(self.info['solutions'])}/"
            if kind == "need matches":
                return "GET", f"/api/v1/needs/{rng.choice(self.info['needs'])}/matches/"
            if kind == "vendor patch":
                if not self.free_drafts:
                    return None
                return "PATCH", self.free_drafts.pop(rng.randrange(len(self.free_drafts)))
        raise ValueError(kind)

    def headers(self, kind: str) -> dict[str, str]:
        token = {"need matches": "buyer_token", "vendor patch": "vendor_token"}.get(kind)
        return {"Authorization": f"Token {self.info[token]}"} if token else {}


def group_cpu(pgid: int) -> float:
    """CPU seconds used by a process group so far: its processes and the children they reaped.

    The servers run in their own groups (``start``), so this is the server's CPU per request
    when divided by the requests served: a measure the other load on the machine hardly moves.
    """
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:
            ticks += sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def drive_measured(proc, port, seconds, concurrency, kinds, mix) -> dict:
    """``drive``, summarised, plus the server's CPU ms per request (under ``CPU``)."""
    cpu = group_cpu(proc.pid)
    stats, elapsed = drive(port, seconds, concurrency, kinds, mix)
    cpu = group_cpu(proc.pid) - cpu
    rows = summarise(stats, elapsed)
    served = sum(len(st["ms"]) + st["errors"] for st in stats.values())
    rows[CPU] = 1000 * cpu / max(served, 1)
    return rows


def drive(port: int, seconds: float, concurrency: int, kinds, mix: Mix) -> tuple[dict, float]:
    """Run ``concurrency`` keep-alive clients for ``seconds``; returns per-kind samples."""
    stats = {k: {"ms": [], "errors": 0, "codes": {}} for k in kinds}
    stats_lock = threading.Lock()
    end = time.monotonic() + seconds

    def record(kind, ms, code):
        with stats_lock:
            st = stats[kind]
            ok = code is not None and 200 <= code < 300
            if ok:
                st["ms"].append(ms)
            else:
                st["errors"] += 1
                st["codes"][code] = st["codes"].get(code, 0) + 1

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < end:
            kind = mix.pick(kinds)
            req = mix.request(kind)
            if req is None:
                kind, req = "search", mix.request("search")
            method, target = req
            headers = mix.headers(kind)
            body = None
            draft = None
            if method == "PATCH":
                draft = target
                target = f"/api/v1/solutions/{draft[0]}/"
                headers |= {"If-Match": f'"{draft[1]}"', "Content-Type": "application/json"}
                body = json.dumps({"summary_en": en_words(random.Random(), 12)})
            code = None
            t = time.perf_counter()
            try:
                conn.request(method, target, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                code = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ms = (time.perf_counter() - t) * 1000
            if draft is not None:
                version = draft[1]
                if code == 200:
                    version = int(resp.getheader("ETag", f'"{version}"').strip('"'))
                with mix.lock:
                    mix.free_drafts.append((draft[0], version))
            record(kind, ms, code)
        conn.close()

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        for f in [pool.submit(client) for _ in range(concurrency)]:
            f.result()
    return stats, time.monotonic() - started


def wrk_search_script(path: Path, seed: int = 11) -> Path:
    """A wrk Lua script asking the product's search API what ``Mix`` asks: one English and one
    Korean word, drawn at random for every request, and the two filters."""
    before, after = SEARCH_PATH.split("{words}")
    en = ", ".join(f'"{urllib.parse.quote(w)}"' for w in EN_V[10:400])
    ko = ", ".join(f'"{urllib.parse.quote(w)}"' for w in KO_V[10:400])
    path.write_text(
        f"local en = {{{en}}}\n"
        f"local ko = {{{ko}}}\n"
        f"math.randomseed({seed})\n"
        "request = function()\n"
        '  local words = en[math.random(#en)] .. "%20" .. ko[math.random(#ko)]\n'
        f'  return wrk.format("GET", "{before}" .. words .. "{after}")\n'
        "end\n"
    )
    return path


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> tuple:
    """wrk --latency's report as a table row: (req/s, p50 ms, p99 ms, errors, codes).
    Errors are responses other than 2xx/3xx plus socket errors (connect, read, write, timeout)."""

    def latency(label: str) -> float:
        found = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return float(found[1]) * _WRK_UNITS[found[2]] if found else float("nan")

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rps is None:
        raise ValueError(f"not a wrk report: {output[:300]!r}")
    codes: dict = {}
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output):
        errors += int(non_2xx[1])
        codes["non-2xx/3xx"] = int(non_2xx[1])
    if sockets := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        for name, count in zip(
            ("connect", "read", "write", "timeout"), sockets.groups(), strict=True
        ):
            if int(count):
                errors += int(count)
                codes[name] = int(count)
    return float(rps[1]), latency("50"), latency("99"), errors, codes


def drive_wrk(proc, url: str, seconds: float, concurrency: int, script: Path | None) -> dict:
    """Drive ``url`` with wrk (2 threads, ``concurrency`` connections) after a 2 s warm-up;
    one table row per run, plus the server's CPU ms per request (under ``CPU``)."""

    def run(duration: float) -> str:
        cmd = ["wrk", "-t2", f"-c{concurrency}", f"-d{duration:g}s", "--latency"]
        cmd += ["-s", str(script)] if script else []
        done = subprocess.run([*cmd, url], capture_output=True, text=True, check=True)
        return done.stdout

    run(2)
    cpu = group_cpu(proc.pid)
    report = run(seconds)
    cpu = group_cpu(proc.pid) - cpu
    row = parse_wrk(report)
    served = int(re.search(r"(\d+) requests in", report)[1])
    return {"search": row, "overall": row, CPU: 1000 * cpu / max(served, 1)}


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def summarise(stats: dict, elapsed: float) -> dict:
    """Per-kind and overall requests/s, p50, p99, errors."""
    rows = {}
    everything, errors = [], 0
    for kind, st in stats.items():
        rows[kind] = (
            (len(st["ms"]) + st["errors"]) / elapsed,
            pct(st["ms"], 0.50),
            pct(st["ms"], 0.99),
            st["errors"],
            st["codes"],
        )
        everything += st["ms"]
        errors += st["errors"]
    total = (len(everything) + errors) / elapsed
    rows["overall"] = (total, pct(everything, 0.50), pct(everything, 0.99), errors, {})
    return rows


def print_table(title: str, rows: dict) -> None:
    print(f"\n{title}")
    print(f"{'kind':16}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}  codes")
    for kind, row in rows.items():
        if kind == CPU:
            print(f"server CPU per request: {row:.2f} ms (all its processes, over the run)")
            continue
        rps, p50, p99, errs, codes = row
        codes = ", ".join(f"{c}x{n}" for c, n in sorted(codes.items(), key=str)) if codes else ""
        print(f"{kind:16}{rps:9.1f}{p50:9.1f}{p99:9.1f}{errs:8d}  {codes}")


def run_ceiling(
    n: int, tmp: Path, seconds: float, concurrency: int, procs: list, client: str = "python"
) -> dict | None:
    """Build the floor index, serve serve_ceiling.py with gunicorn -w 3, drive its /search."""
    if not (SHARED_BENCH / "serve_ceiling.py").is_file():
        print(f"no {SHARED_BENCH / 'serve_ceiling.py'}: ceiling skipped")
        return None
    index_dir = tmp / "floor-index"
    built = tmp / "floor-ready"
    if built.is_file() and built.read_text().strip() == str(n):
        print(f"reusing the ceiling's index ({n} docs)", flush=True)
    else:
        shutil.rmtree(index_dir, ignore_errors=True)
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "tantivy_floor.py", "--docs", str(n), "--queries", "20",
             "--dir", str(index_dir)],
            cwd=SHARED_BENCH, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        built.write_text(str(n))
        print(
            f"built the ceiling's index ({n} docs) in {time.perf_counter() - t:.1f} s", flush=True
        )
    port = free_port()
    env = dict(os.environ, FLOOR_INDEX=str(index_dir))
    log = tmp / "ceiling.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    proc = start(
        [gunicorn, "-w", "3", "-b", f"127.0.0.1:{port}", "--chdir", str(SHARED_BENCH),
         "serve_ceiling:application"],
        env, log, cwd=SHARED_BENCH,
    )  # fmt: skip
    procs.append(proc)
    try:
        wait_ready(port, "/plain", proc, log)
        if client == "wrk":
            return drive_wrk(proc, f"http://127.0.0.1:{port}/search", seconds, concurrency, None)
        ceiling = _CeilingMix()
        drive(port, 2, concurrency, ["search"], ceiling)  # warm up
        return drive_measured(proc, port, seconds, concurrency, ["search"], ceiling)
    finally:
        stop(proc)


class _CeilingMix(Mix):
    """The ceiling's server picks its own words: one path only."""

    def __init__(self):
        super().__init__({"drafts": {}}, random.Random())

    def request(self, kind):
        return "GET", "/search"

    def headers(self, kind):
        return {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--ceiling", action="store_true", help="also measure serve_ceiling.py")
    ap.add_argument(
        "--client",
        choices=("python", "wrk"),
        default="python",
        help="what drives the search-alone and ceiling runs of --ceiling (the mix is always "
        "driven by the Python client): wrk leaves the servers more of the machine",
    )
    ap.add_argument("--database-url", help="an empty database to use instead of SQLite")
    ap.add_argument(
        "--workers",
        type=int,
        help="gunicorn workers (default: config/gunicorn.py's, one per core plus one; the "
        "ceiling always runs the 3 its docstring gives)",
    )
    ap.add_argument("--analyze", action="store_true", help="run ANALYZE before the load")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    ap.add_argument(
        "--data",
        type=Path,
        help="a directory kept between runs: prepared on the first run, reused after "
        "(building 100,000 solutions takes minutes)",
    )
    ap.add_argument(
        "--reindex",
        action="store_true",
        help="with --data: rebuild the reused search index first (without it, the index is "
        "repaired, and rebuilt if an earlier version built it with other fields)",
    )
    args = ap.parse_args()
    if args.client == "wrk" and not shutil.which("wrk"):
        ap.error("--client wrk needs wrk on PATH (apt-get install wrk)")
    # Ctrl-C and TERM both unwind through the finally below, which stops every child.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = args.data.resolve() if args.data else Path(tempfile.mkdtemp(prefix="bench-load-"))
    ready = tmp / "ready"
    procs: list[subprocess.Popen] = []
    try:
        env = server_env(tmp, args.database_url, args.workers)
        if args.data and ready.is_file() and ready.read_text().strip() == str(args.docs):
            os.environ.update(env)
            info = client_info()
            print(f"reusing the installation in {tmp} ({args.docs} solutions)", flush=True)
            from search import indexing

            t = time.perf_counter()
            if args.reindex:
                count = indexing.rebuild()
                print(f"reindexed {count} solutions in {time.perf_counter() - t:.1f} s", flush=True)
            elif indexing.repair_or_rebuild() is None:  # as `make serve` does before serving
                print(
                    f"the index had other fields (an earlier version's): rebuilt in "
                    f"{time.perf_counter() - t:.1f} s",
                    flush=True,
                )
        else:
            if args.data:
                shutil.rmtree(tmp, ignore_errors=True)
                tmp.mkdir(parents=True)
            info = prepare(args.docs, env, analyze=args.analyze)
            if args.data:
                ready.write_text(str(args.docs))
        for name in ("server.log", "worker.log", "ceiling.log"):
            (tmp / name).unlink(missing_ok=True)
        port = free_port()
        env["BIND"] = f"127.0.0.1:{port}"
        log = tmp / "server.log"
        bin_dir = Path(sys.executable).parent
        worker = start([sys.executable, "manage.py", "jobs_worker"], env, tmp / "worker.log")
        procs.append(worker)
        server = start([str(bin_dir / "gunicorn"), "-c", "config/gunicorn.py"], env, log)
        procs.append(server)
        wait_ready(port, "/healthz", server, log)
        mix = Mix(info, random.Random(11))
        drive(port, 2, args.concurrency, list(MIX), mix)  # warm up every worker
        print(
            f"\ndriving 127.0.0.1:{port} for {args.seconds:g} s, {args.concurrency} clients, "
            f"{args.docs} solutions, {args.workers or len(os.sched_getaffinity(0)) + 1} workers, "
            f"load average before: {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        rows = drive_measured(server, port, args.seconds, args.concurrency, list(MIX), mix)
        print_table(f"mixed load ({args.seconds:g} s)", rows)
        print(f"load average after: {os.getloadavg()}")
        if args.ceiling:
            if args.client == "wrk":
                script = wrk_search_script(tmp / "search.lua")
                url = f"http://127.0.0.1:{port}/"
                alone = drive_wrk(server, url, args.seconds, args.concurrency, script)
            else:
                kinds = ["search"]
                alone = drive_measured(server, port, args.seconds, args.concurrency, kinds, mix)
            print_table(f"product search alone ({args.seconds:g} s, {args.client})", alone)
            stop(server)
            stop(worker)
            ceiling = run_ceiling(
                args.docs, tmp, args.seconds, args.concurrency, procs, args.client
            )
            if ceiling:
                print_table(f"ceiling /search alone ({args.seconds:g} s, {args.client})", ceiling)
                c_rps, _, c_p99, _, _ = ceiling["search"]
                print("\nproduct search as a ratio of the ceiling (target req/s >= 0.70, "
                      "p99 <= 1.50, 0 errors):")  # fmt: skip
                # In the mix, search is 40% of the requests: its req/s ratio cannot pass 0.40.
                for label, r in (("alone", alone["search"]), ("in the mix", rows["search"])):
                    print(
                        f"  {label:11} req/s {r[0] / c_rps:5.2f}   p99 {r[2] / c_p99:5.2f}"
                        f"   errors {r[3]}"
                    )
                print(
                    f"  server CPU per search request: {alone[CPU]:.2f} ms vs the ceiling's "
                    f"{ceiling[CPU]:.2f} ms ({alone[CPU] / ceiling[CPU]:.2f}x)"
                )
                print(f"load average after: {os.getloadavg()}")
        errors_log = [
            line for line in log.read_text(errors="replace").splitlines() if '"ERROR"' in line
        ]
        if errors_log:
            print(f"\nserver logged {len(errors_log)} errors; first: {errors_log[0][:500]}")
    finally:
        for proc in reversed(procs):
            stop(proc)
        if args.keep or args.data:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
