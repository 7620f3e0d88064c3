"""A per-process pool of threads for engine calls that run side by side.

The embedded engine releases the GIL while it searches or aggregates, so two of its calls
overlap on two cores (one thread per core is enough). The pool is made lazily per process, so
a forked server worker gets its own and never inherits a parent's dead threads.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

ENGINE_THREADS = 2
_pool: tuple[int, ThreadPoolExecutor] | None = None


def engine_pool() -> ThreadPoolExecutor:
    """This process's pool (made on first use, and again after a fork)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(ENGINE_THREADS, thread_name_prefix="engine"))
    return _pool[1]
