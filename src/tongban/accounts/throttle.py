"""Counters in the shared cache (Redis in production, the database cache by default).

Each limit is checked over the current fixed window *plus the previous one*, so that attempts spread
across a window boundary still add up (a burst of 4 + 4 around a boundary counts as 8, not 4 and 4)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, ident: str, window: int, bucket: int) -> str:
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # no phone numbers or addresses in keys
    return f"tb:throttle:{scope}:{window}:{digest}:{bucket}"


def _bucket(window: int) -> int:
    return int(time.time() // window)


def throttle_hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one event; False when, with it, more than ``limit`` fall in this window and the last."""
    return throttle_hit_count(scope, ident, window=window) <= limit


def throttle_hit_count(scope: str, ident: str, *, window: int) -> int:
    """Count one event; the events in this window and the last, this one included."""
    bucket = _bucket(window)
    key = _key(scope, ident, window, bucket)
    if cache.add(key, 1, timeout=2 * window + 1):
        current = 1
    else:
        try:
            current = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=2 * window + 1)
            current = 1
    return current + cache.get(_key(scope, ident, window, bucket - 1), 0)


def throttle_count(scope: str, ident: str, *, window: int) -> int:
    bucket = _bucket(window)
    return cache.get(_key(scope, ident, window, bucket), 0) + cache.get(
        _key(scope, ident, window, bucket - 1), 0
    )


def throttle_clear(scope: str, ident: str, *, window: int) -> None:
    bucket = _bucket(window)
    cache.delete_many([_key(scope, ident, window, bucket), _key(scope, ident, window, bucket - 1)])


def throttle_interval(scope: str, ident: str, *, seconds: int) -> bool:
    """At most one event per ``seconds`` (a true interval, not a window): False while one is recent."""
    return cache.add(_key(scope, ident, seconds, 0), 1, timeout=seconds)
