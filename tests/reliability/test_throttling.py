"""The anon and user rates hold over any ``duration`` window at a constant cost per request."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.throttling import AnonRateThrottle, UserRateThrottle
from tests.factories import OrganisationFactory, UserFactory

START = 6_000_000.0  # a window boundary (a multiple of 60 s)


@pytest.fixture
def clock(monkeypatch):
    """10 requests a minute on a settable clock, and a clean cache around each test."""
    now = {"t": START}
    for cls in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(cls, "timer", lambda self: now["t"])
        monkeypatch.setattr(cls, "rate", "10/minute", raising=False)
    cache.clear()
    yield now
    cache.clear()


def _allowed(n, ip="203.0.113.7", user=None, cls=AnonRateThrottle):
    out = []
    for _ in range(n):
        request = Request(APIRequestFactory().get("/api/v1/solutions/", REMOTE_ADDR=ip))
        request.user = user or AnonymousUser()
        throttle = cls()
        out.append(throttle.allow_request(request, None))
    return out, throttle


def test_the_rate_is_allowed_then_refused_with_retry_after(clock):
    allowed, throttle = _allowed(12)
    assert allowed == [True] * 10 + [False] * 2
    assert throttle.wait() == pytest.approx(60)  # this window, then it weighs < 10 at once
    assert _allowed(1, ip="198.51.100.1")[0] == [True]  # per address


def test_the_previous_window_counts_for_the_part_still_inside_the_period(clock):
    clock["t"] = START + 50
    assert _allowed(10)[0] == [True] * 10
    clock["t"] = START + 60 + 15  # the previous window's 10 weigh 7.5
    allowed, throttle = _allowed(4)
    assert allowed == [True, True, True, False]
    assert throttle.wait() == pytest.approx(3)  # at 18 s: 3 + 10 * 0.7 = 10
    clock["t"] = START + 60 + 45  # they weigh 2.5 now
    assert _allowed(6)[0] == [True] * 5 + [False]


def test_a_signed_in_user_is_counted_per_user_whatever_the_address(clock, db):
    user = UserFactory(organisation=OrganisationFactory(kind="vendor"))
    allowed = [
        _allowed(1, ip=f"198.51.100.{i}", user=user, cls=UserRateThrottle)[0][0] for i in range(11)
    ]
    assert allowed == [True] * 10 + [False]


def test_what_is_kept_is_a_count_not_a_list_of_times(clock, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "100000/minute", raising=False)
    allowed, throttle = _allowed(500)
    assert all(allowed)
    assert cache.get(f"{throttle.key}:{int(START // 60)}") == 500
