"""Fixed-window counters in the shared cache (Redis in production, the database cache by default)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, ident: str, window: int) -> str:
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]  # no phone numbers or addresses in keys
    bucket = int(time.time() // window)
    return f"tb:throttle:{scope}:{digest}:{bucket}"


def throttle_hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one event; False when the limit for this window is already reached."""
    key = _key(scope, ident, window)
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window + 1)
        return True
    return count <= limit


def throttle_count(scope: str, ident: str, *, window: int) -> int:
    return cache.get(_key(scope, ident, window), 0)


def throttle_clear(scope: str, ident: str, *, window: int) -> None:
    cache.delete(_key(scope, ident, window))
