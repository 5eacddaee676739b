"""Requests counted in the shared cache, window by window (every app server sees one count)."""

from django.core.cache import cache


def count_one(key: str, *, window: int) -> int:
    """One more request under ``key``; how many the current window of ``window`` seconds holds."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:
        # The window ran out between add() and incr(): a new one starts.
        cache.set(key, 1, timeout=window)
        return 1
