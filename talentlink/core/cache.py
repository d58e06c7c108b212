"""The Redis cache backend, with one client per connection pool instead of one per operation.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call, and
each one fills a table of some 170 response callbacks before it sends a byte: a fifth of the CPU
of an online talent-code verification (one ``cache.get``; bench/talent_code.py). A ``redis.Redis``
is only a handle on its connection pool and is safe to share between threads, so one per pool
does every operation.

    CACHES = {"default": {"BACKEND": "talentlink.core.cache.RedisCache", "LOCATION": REDIS_URL}}
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # django-stubs leave out these two members of Django's RedisCacheClient (both exist).
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
