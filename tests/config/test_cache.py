"""The Redis cache: a real Redis server stores and limits as Django's does; an unreachable one
reads as an empty cache, so signing in still works (rate limits are not applied meanwhile)."""

import uuid

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import caches
from django.test import Client

from config import cache as fail_open
from tests.factories import OrganisationFactory, UserFactory
from tests.reliability.test_auth_limits import (
    PASSWORD,
    assert_sign_in_is_limited_after_five_failures,
)
from tests.reliability.test_shared_rate_limits import redis_reachable


def redis_settings(location: str) -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def real_redis(settings):
    if not redis_reachable():
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = redis_settings("redis://127.0.0.1:6379/0")
    yield caches["default"]
    caches["default"].clear()


@pytest.fixture
def redis_down(settings):
    settings.CACHES = redis_settings("redis://127.0.0.1:1/0")  # nothing listens there
    return caches["default"]


def test_a_reachable_redis_is_an_ordinary_cache(real_redis):
    assert real_redis.get("k") is None
    assert real_redis.add("k", 1, 60) is True
    assert real_redis.add("k", 2, 60) is False
    assert real_redis.incr("k") == 2
    real_redis.set_many({"a": "x", "b": ["y"]}, 60)
    assert real_redis.get_many(["a", "b", "c"]) == {"a": "x", "b": ["y"]}
    assert real_redis.delete("a") is True and real_redis.has_key("a") is False


def test_an_unreachable_redis_reads_empty_takes_writes_and_is_not_retried_at_once(
    redis_down, caplog, monkeypatch
):
    with caplog.at_level("WARNING", logger="config.cache"):
        assert redis_down.get("k", "default") == "default"
        assert redis_down.add("lock", True, 10) is True
        redis_down.set("k", 1, 10)
        assert redis_down.get_many(["k"]) == {}
    # one failed attempt, then Redis is skipped for RETRY_AFTER seconds: one warning
    assert caplog.text.count("cache unavailable (ConnectionError") == 1
    caplog.clear()
    monkeypatch.setattr(fail_open, "RETRY_AFTER", 0.0)  # no pause: every call tries Redis
    no_pause = caches.create_connection("default")
    with caplog.at_level("WARNING", logger="config.cache"):
        assert no_pause.get("k") is None
        assert no_pause.has_key("k") is False
    assert caplog.text.count("cache unavailable") == 2


@pytest.mark.django_db
def test_signing_in_works_while_redis_is_down(redis_down, caplog):
    user = UserFactory(organisation=OrganisationFactory(kind="vendor"))
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = Client()
    with caplog.at_level("WARNING", logger="config.cache"):
        response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "cache unavailable" in caplog.text


@pytest.mark.django_db
def test_sign_in_attempts_are_limited_through_a_real_redis(real_redis):
    assert_sign_in_is_limited_after_five_failures()
