"""The engine's thread pool: side-by-side calls, and no deadlock when nested."""

import threading

import pytest

from search import parallel
from search.parallel import beside, engine_pool, runnable_threads


@pytest.fixture(autouse=True)
def idle_machine(monkeypatch):
    """The tests share the machine with other test processes: a core counts as idle."""
    monkeypatch.setattr(parallel, "_idle_core", lambda: True)


def test_beside_runs_on_an_engine_thread_and_returns_the_result():
    assert beside(lambda: threading.current_thread().name).result(timeout=5).startswith("engine")


def test_beside_called_from_every_engine_thread_at_once_does_not_deadlock():
    """Each pool thread asks for work beside it and waits: queued, that would wait forever."""
    barrier = threading.Barrier(2)

    def search():
        barrier.wait(timeout=5)  # both pool threads busy here
        return beside(lambda: 21 * 2).result(timeout=5)

    futures = [engine_pool().submit(search) for _ in range(2)]
    assert [f.result(timeout=10) for f in futures] == [42, 42]


def test_beside_hands_the_error_to_the_caller():
    def fail():
        raise ValueError("engine said no")

    def from_pool():
        return beside(fail)

    with pytest.raises(ValueError, match="engine said no"):
        engine_pool().submit(from_pool).result(timeout=5).result()
    with pytest.raises(ValueError, match="engine said no"):
        beside(fail).result(timeout=5)


def test_beside_runs_in_the_callers_thread_when_every_engine_thread_is_busy():
    release = threading.Event()
    started = threading.Barrier(3)

    def hold():
        started.wait(timeout=5)
        release.wait(timeout=5)

    held = [beside(hold) for _ in range(2)]
    started.wait(timeout=5)  # both engine threads are now busy
    try:
        here = threading.current_thread().name
        assert beside(lambda: threading.current_thread().name).result(timeout=1) == here
    finally:
        release.set()
    for future in held:
        future.result(timeout=5)
    # free again: back on the pool
    assert beside(lambda: threading.current_thread().name).result(timeout=5).startswith("engine")


def test_beside_runs_in_the_callers_thread_when_no_core_is_idle(monkeypatch):
    monkeypatch.setattr(parallel, "_idle_core", lambda: False)
    here = threading.current_thread().name
    assert beside(lambda: threading.current_thread().name).result(timeout=1) == here


def test_runnable_threads_read_from_loadavg():
    assert runnable_threads(b"0.50 0.40 0.30 3/134 999\n") == 3
    with open("/proc/loadavg", "rb") as f:
        assert runnable_threads(f.read()) >= 1  # this test's own thread is running


def test_a_forked_child_starts_with_every_engine_thread_free():
    import os

    release = threading.Event()
    held = beside(release.wait, 5)  # a busy engine thread in the parent at the fork
    pid = os.fork()
    if pid == 0:  # the child: its own pool, nothing busy
        name = beside(lambda: threading.current_thread().name).result(timeout=5)
        os._exit(0 if name.startswith("engine") and parallel._busy == 0 else 1)
    release.set()
    held.result(timeout=5)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
