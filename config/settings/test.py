"""Test settings: same as base, with fast hashing, a temporary index and media root."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

_TMP = Path(tempfile.mkdtemp(prefix="sce-test-"))
MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", _TMP / "media"))
SEARCH_INDEX_DIR = _TMP / "search-index"
# One test process, one cache: counters of one test never reach another test or worker
# (tests/reliability/test_shared_rate_limits.py runs the shared backends across processes).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATE_LIMIT_COUNTERS = "cache"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute",
        "user": "100000/minute",
        "login": "100000/minute",
    },
}

# Each test process gets its own job queue, so parallel test workers sharing one Redis never
# take each other's jobs (the database queue is per test database anyway).
JOBS_QUEUE = f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
TASKS = {"default": {**TASKS["default"], "QUEUES": [JOBS_QUEUE]}}  # noqa: F405
RQ_QUEUES = {JOBS_QUEUE: next(iter(RQ_QUEUES.values()))}  # noqa: F405
