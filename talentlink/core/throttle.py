"""Who a request comes from, and how often it may do something: counters in the shared cache.

Login failures are counted by django-axes (settings ``AXES_*``); this module gives it the client's
address and counts the other things worth limiting (password-reset mails, self-registrations).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from talentlink.core.errors import DomainError


class RateLimited(DomainError):
    status = 429


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or the one the trusted proxies put in X-Forwarded-For.

    Each of ``TALENTLINK_PROXY_COUNT`` proxies appends the address it got the request from, so the
    client is that many entries from the right; anything further left the client could have written.
    """
    hops = settings.TALENTLINK_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR") or None


def _parse_rate(rate: str) -> tuple[int, int]:
    count, seconds = (int(part) for part in rate.split("/"))
    return count, seconds


def rate_hit(*, scope: str, key: str, rate: str) -> bool:
    """Count one use of ``scope`` by ``key`` in the current window of ``rate`` ("count/seconds");
    False once the window's count is exceeded. The key is hashed: e-mail addresses stay out of the cache."""
    count, seconds = _parse_rate(rate)
    window = int(timezone.now().timestamp()) // seconds
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"throttle:{scope}:{digest}:{window}"
    if cache.add(cache_key, 1, timeout=seconds):
        return count >= 1
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=seconds)
        used = 1
    return used <= count
