"""The Redis cache backend: one client per connection pool, and otherwise Django's cache as is."""

from __future__ import annotations

import socket
import uuid

import pytest

from talentlink.core.cache import RedisCache


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")


@pytest.fixture
def cache():
    backend = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield backend
    backend.clear()
    backend.close()


def test_every_operation_goes_through_one_client(cache) -> None:
    made: list[object] = []
    factory = cache._cache._client

    def counting(**options):
        made.append(options)
        return factory(**options)

    cache._cache._client = counting
    for n in range(50):
        cache.set(f"k{n}", n)
        assert cache.get(f"k{n}") == n
    assert len(made) == 1  # Django's own client would have made a hundred


def test_it_behaves_as_djangos_redis_cache(cache) -> None:
    assert cache.add("seen", 1, timeout=60)
    assert not cache.add("seen", 2, timeout=60)
    assert cache.get("seen") == 1
    assert cache.incr("seen") == 2
    cache.set_many({"a": {"x": [1, 2]}, "b": "二"})
    assert cache.get_many(["a", "b", "c"]) == {"a": {"x": [1, 2]}, "b": "二"}
    cache.delete("a")
    assert cache.get("a", "gone") == "gone"
