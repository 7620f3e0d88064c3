"""Two gunicorn workers and a job worker share one embedded index: no errors, prompt commits."""

import json
import secrets
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.jobs.procs import free_port
from tests.jobs.test_jobs import exchange_document

pytestmark = pytest.mark.slow


def named(count: int, prefix: str, word: str) -> dict:
    document = exchange_document(count, prefix=prefix)
    for n, solution in enumerate(document["solutions"]):
        solution["name"] = {"en": f"{word} sensor {n}", "ko": f"센서 {n}"}
    return document


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    except urllib.error.URLError:
        return 0, {}


def test_searches_stay_correct_while_a_worker_imports_and_rebuilds(make_site):
    port = free_port()
    site = make_site(
        "web", DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), SECURE_SSL_REDIRECT="false",
        ALLOWED_HOSTS="127.0.0.1", BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2",
        THROTTLE_ANON="100000/minute",
    )  # fmt: skip
    site.manage("import_exchange", str(site.write_json("a.json", named(8, "a", "Walrus"))))
    gunicorn = site.start(
        str(__import__("sys").executable.rsplit("/", 1)[0] + "/gunicorn"),
        "-c", "config/gunicorn.py", name="web",
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    site.wait_for(lambda: get(f"{base}/healthz")[0] == 200, 60, "gunicorn to answer")
    site.start_worker()

    def total(word: str) -> int:
        status, body = get(f"{base}/api/v1/search/solutions/?q={word}")
        assert status == 200, status
        return body["total"]

    failures, done = [], threading.Event()
    counted = [0]

    def hammer():
        while not done.is_set():
            try:
                status, body = get(f"{base}/api/v1/search/solutions/?q=walrus")
                if status != 200 or body["total"] != 8:
                    failures.append((status, body.get("total")))
                counted[0] += 1
            except Exception as exc:  # noqa: BLE001 - every failure is collected and asserted
                failures.append(repr(exc))

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        assert total("walrus") == 8
        path = site.write_json("b.json", named(6, "b", "Zebra"))
        job = int(
            site.manage("jobs", "start", "exchange_import", str(path), "--actor", "op").stdout
        )
        site.wait_for(lambda: site.job(job)["status"] == "done", 120, "the import job")
        committed = time.monotonic()
        site.wait_for(lambda: total("zebra") == 6, 5, "gunicorn workers to see the commit")
        seen_after = time.monotonic() - committed

        rebuild = int(site.manage("jobs", "start", "search_rebuild", "--actor", "op").stdout)
        site.wait_for(lambda: site.job(rebuild)["status"] == "done", 120, "the rebuild job")
        site.wait_for(lambda: total("zebra") == 6, 5, "the rebuilt index")
        assert total("walrus") == 8
    finally:
        done.set()
        for thread in threads:
            thread.join(15)
    assert failures == [], failures[:5]
    assert counted[0] > 20
    assert seen_after < 5
    assert gunicorn.poll() is None, site.log("web")
    assert "Traceback" not in site.log("web")
