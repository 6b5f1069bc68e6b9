"""The per-token rate limit, counted in Redis as in production: 429, Retry-After, the error body."""

import os

import pytest
from django.core.cache import cache
from django.test import override_settings

from tests.conftest import requires_redis

REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_URL", ""),
        "KEY_PREFIX": "api-throttle-test",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
# Nothing listens on port 1: the cache is "down".
DEAD_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture
def on_redis():
    with override_settings(CACHES=REDIS_CACHE, API_THROTTLE_RATE="3/minute"):
        cache.clear()
        yield
        cache.clear()


@requires_redis
def test_it_answers_429_with_retry_after_past_the_rate(on_redis, as_alice):
    assert [as_alice.get("/api/v2/noop").status_code for _ in range(3)] == [200, 200, 200]
    response = as_alice.get("/api/v2/noop")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {"error": f"Rate limit exceeded: try again in {response['Retry-After']} seconds"}


@requires_redis
def test_the_count_is_per_token(on_redis, as_alice, as_bob):
    for _ in range(3):
        as_alice.get("/api/v2/noop")
    assert as_alice.get("/api/v2/teams").status_code == 429
    assert as_bob.get("/api/v2/noop").status_code == 200


@requires_redis
def test_the_count_lives_in_the_shared_cache(on_redis, as_alice, alice):
    """Another process (a fresh client and cache connection) sees the same count: it is in Redis."""
    from django.core.cache import caches

    for _ in range(3):
        as_alice.get("/api/v2/noop")
    keys = caches["default"]._cache.get_client().keys("api-throttle-test:*throttle_api_token_*")
    assert len(keys) == 1
    assert alice.api_token_hash in keys[0].decode()


@requires_redis
def test_a_reset_token_starts_a_fresh_count(on_redis, alice, team):
    from tests.core.api.conftest import ApiClient, token_for

    client = ApiClient(token_for(alice))
    for _ in range(3):
        client.get("/api/v2/noop")
    assert client.get("/api/v2/noop").status_code == 429
    assert ApiClient(token_for(alice)).get("/api/v2/noop").status_code == 200


def test_a_down_cache_lets_requests_through(as_alice):
    with override_settings(CACHES=DEAD_CACHE, API_THROTTLE_RATE="1/minute"):
        assert [as_alice.get("/api/v2/noop").status_code for _ in range(3)] == [200, 200, 200]


def test_the_bad_token_answer_comes_before_the_limit(db, anonymous):
    with override_settings(API_THROTTLE_RATE="1/minute"):
        assert [anonymous.get("/api/v2/noop").status_code for _ in range(3)] == [401, 401, 401]


@requires_redis
def test_it_says_retry_after_when_the_count_is_past_a_lowered_rate(on_redis, as_alice):
    with override_settings(API_THROTTLE_RATE="5/minute"):
        assert [as_alice.get("/api/v2/noop").status_code for _ in range(5)] == [200] * 5
    # The operator lowers the rate to 3/minute: five requests are already counted.
    response = as_alice.get("/api/v2/noop")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json() == {"error": f"Rate limit exceeded: try again in {response['Retry-After']} seconds"}
