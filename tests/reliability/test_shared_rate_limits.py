"""Rate limits hold across server processes: every gunicorn worker counts against one limit.

Each check runs real separate Python processes with the production settings (no test
settings), as two workers of ``make serve`` would: the second process must see what the first
one counted. With a per-process cache the second would get the whole rate again.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tests.reliability.windows import start_clear_of_window_edge

# One "worker": asks the anonymous API throttle ``n`` times for one client address.
WORKER = """
import json, sys
import django
django.setup()
from django.conf import settings
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.views import APIView
from config.throttling import AnonRateThrottle
allowed = []
for _ in range(int(sys.argv[1])):
    request = Request(RequestFactory().get("/api/v1/solutions/", REMOTE_ADDR="203.0.113.9"))
    allowed.append(AnonRateThrottle().allow_request(request, APIView()))
from config.counters import counters
store = type(counters()).__name__
backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[1]
print(json.dumps({"store": f"{store}/{backend}", "allowed": allowed}))
"""


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def worker(requests: int, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(requests)],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def production_env(tmp_path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "CACHE_BACKEND", "RATE_LIMIT_COUNTERS", "DATABASE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        VAR_DIR=str(tmp_path / "var"),
        THROTTLE_ANON="5/hour",  # an hour's window; the tests start clear of its edge
        CACHE_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        **extra,
    )
    return env


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_second_worker_process_sees_what_the_first_counted(tmp_path, backend):
    extra = {}
    if backend == "redis":
        if not redis_reachable():
            pytest.skip("no Redis on 127.0.0.1:6379")
        extra["REDIS_URL"] = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env = production_env(tmp_path, **extra)
    start_clear_of_window_edge(3600, margin=60)  # two short processes fit in a minute
    first = worker(3, env)
    second = worker(5, env)
    expected = {"sqlite": "SqliteCounters/", "redis": "CacheCounters/FailOpenRedisCache"}[backend]
    assert first["store"].startswith(expected) and second["store"] == first["store"]
    assert first["allowed"] == [True, True, True]
    # 5 an hour in all: the second process has 2 left, not 5 of its own
    assert second["allowed"] == [True, True, False, False, False]


def test_one_process_cache_is_only_what_it_says(tmp_path):
    """The opt-out (counters in a per-process cache) really is per process: why it is not the
    default, and what the two tests above would see without shared counters."""
    env = production_env(tmp_path, CACHE_BACKEND="locmem", RATE_LIMIT_COUNTERS="cache")
    assert worker(3, env)["store"] == "CacheCounters/LocMemCache"
    assert worker(3, env)["allowed"] == [True] * 3
    assert worker(5, env)["allowed"] == [True] * 5
