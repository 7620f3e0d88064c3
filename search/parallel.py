"""A per-process pool of threads for engine calls that run side by side.

The embedded engine releases the GIL while it searches or aggregates, so two of its calls
overlap on two cores (one thread per core is enough). The pool is made lazily per process, so
a forked server worker gets its own and never inherits a parent's dead threads.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

# SEARCH_ENGINE_THREADS=0 runs every engine call in its caller's thread.
ENGINE_THREADS = int(os.environ.get("SEARCH_ENGINE_THREADS", "2"))
THREAD_PREFIX = "engine"
_pool: tuple[int, ThreadPoolExecutor] | None = None


def engine_pool() -> ThreadPoolExecutor:
    """This process's pool (made on first use, and again after a fork)."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (
            os.getpid(),
            ThreadPoolExecutor(max(ENGINE_THREADS, 1), thread_name_prefix=THREAD_PREFIX),
        )
    return _pool[1]


# the cores this process may run on (a container's cpuset), not the host's
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
_busy = 0
_busy_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child has none of its parent's threads: none of them is busy for it."""
    global _busy, _busy_lock
    _busy, _busy_lock = 0, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def beside(fn, *args) -> Future:
    """``fn(*args)`` on the pool while the caller goes on.

    Run at once instead when the caller is itself one of the pool's threads (a search run by a
    parallel retrieval: waiting there for a queued task could leave every pool thread waiting on
    another), or when every pool thread is busy (many request threads at once: queueing would
    only add waiting to work that the caller's own thread can do).
    """
    global _busy
    with _busy_lock:
        free = (
            _busy < ENGINE_THREADS
            and not threading.current_thread().name.startswith(THREAD_PREFIX)
            and _idle_core()
        )
        if free:
            _busy += 1
    if not free:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:  # noqa: BLE001 - handed to the caller by future.result()
            future.set_exception(exc)
        return future
    return engine_pool().submit(_counted, fn, *args)


def _idle_core() -> bool:
    """Whether a core is idle right now (fewer runnable threads than cores, the caller being one
    of them): under load a second thread only adds switching (search CPU per request was 10 %
    higher with it in bench/load.py), while on an idle core it halves a search's wait."""
    try:
        with open("/proc/loadavg", "rb") as f:
            return runnable_threads(f.read()) < CORES
    except (OSError, ValueError, IndexError):
        return True  # no such file (not Linux): assume idle


def runnable_threads(loadavg: bytes) -> int:
    """Threads running or ready to run, from ``/proc/loadavg`` (``0.50 0.40 0.30 2/134 999``)."""
    return int(loadavg.split()[3].split(b"/")[0])


def _counted(fn, *args):
    """``fn(*args)``, the thread counted free again before its result is handed over."""
    global _busy
    try:
        return fn(*args)
    finally:
        with _busy_lock:
            _busy -= 1
