"""A Redis cache whose outage costs a cache miss, not a failed request.

The cache holds nothing the site cannot do without: sign-in rate limits (django-allauth) and,
with ``REDIS_URL``, the API's rate-limit counters. Django's ``RedisCache`` raises when Redis is
unreachable, so a Redis outage turned every sign-in into a 500. This one logs a warning, answers
as an empty cache that accepts every write, and skips Redis for ``RETRY_AFTER`` seconds so that
requests do not each wait for a connection to fail. Rate limits are therefore not applied while
Redis is down (the API's throttles chose the same: ``config/throttling.py``).
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_AFTER = 5.0  # seconds without trying Redis after it failed


class FailOpenRedisCache(RedisCache):
    """``RedisCache`` that behaves as an empty cache while Redis cannot be reached."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._down_until = 0.0

    def _call(self, name: str, fallback, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return getattr(super(), name)(*args, **kwargs)
        except UNREACHABLE as exc:
            self._down_until = time.monotonic() + RETRY_AFTER
            log.warning(
                "cache unavailable (%s: %s); rate limits are not applied for %g s",
                type(exc).__name__,
                exc,
                RETRY_AFTER,
            )
            return fallback

    # An unreachable cache reads as empty and takes every write: ``add`` says stored, so a
    # caller using it as a lock (allauth's rate limit) goes on instead of waiting for it.
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", delta, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", [], data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
