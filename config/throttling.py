"""API rate limits that cost the same whatever the traffic: a sliding-window counter.

DRF's ``SimpleRateThrottle`` keeps every request time of the last period in one cache entry and
unpickles, trims and pickles that list on every request: at 100 requests/s from one address (an
office behind one NAT, a city's proxy, a load test) that is 6,000 timestamps per request and
throttle, about 0.5 ms of CPU. These count requests per fixed window instead and weigh the
previous window by the share of it still inside the last ``duration`` seconds, so a client gets
``num_requests`` per period (without a fixed window's double burst at the boundary) for two
cache reads and one increment. It is an estimate: just past a window's start the previous
window weighs a hair under its count, so one request over the rate can get through then.

The counters live in ``config.counters``: shared by every server process (a per-process count
would let each gunicorn worker allow the whole rate) and cheap enough for every request.
"""

from __future__ import annotations

import logging

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from config.counters import counters

log = logging.getLogger(__name__)


class SlidingWindowCounterMixin:
    """``allow_request`` and ``wait`` of a SimpleRateThrottle, by two per-window counters."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        current, previous = f"{self.key}:{window}", f"{self.key}:{window - 1}"
        try:
            store = counters()
            counts = store.read([current, previous])
            self.current, self.previous = counts.get(current, 0), counts.get(previous, 0)
            self.elapsed = now - window * self.duration
            if self.estimate(self.elapsed) >= self.num_requests:
                return self.throttle_failure()
            store.bump(current, 2 * self.duration)  # kept for two windows: the next weighs it
        except Exception as exc:  # noqa: BLE001 - any store failure (file, SQLite, Redis)
            # A rate limit must not turn its store's outage into an outage of the whole API:
            # the request goes through unthrottled, and the log says why.
            log.warning("rate limit not applied (%s): %s", type(exc).__name__, exc)
        return True

    def estimate(self, elapsed: float) -> float:
        """Requests in the last ``duration`` seconds, ``elapsed`` seconds into this window."""
        return self.current + self.previous * (1 - elapsed / self.duration)

    def wait(self) -> float:
        """Seconds until the estimate falls below the limit (``Retry-After``, at least 1)."""
        if self.current >= self.num_requests:
            # the next window, once this one's count has been weighed down enough
            left = self.duration - self.elapsed
            seconds = left + self.duration * (1 - self.num_requests / self.current)
        else:
            share = (self.num_requests - self.current) / max(self.previous, 1)
            seconds = self.duration * (1 - share) - self.elapsed
        return max(1.0, seconds)


class AnonRateThrottle(SlidingWindowCounterMixin, AnonRateThrottle):
    """DRF's anonymous rate (scope ``anon``), counted by :class:`SlidingWindowCounterMixin`."""


class UserRateThrottle(SlidingWindowCounterMixin, UserRateThrottle):
    """DRF's per-user rate (scope ``user``), counted by :class:`SlidingWindowCounterMixin`.

    Signed-in users only: DRF's counts an anonymous request by its address too, the same
    count as the anonymous rate's at a higher limit, so it never refused anything and only
    doubled the cost of every anonymous request.
    """

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
