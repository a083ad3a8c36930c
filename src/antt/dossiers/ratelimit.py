"""A cheap fixed-window rate limiter for the public pages and API (lookup, online submission).

    if not ratelimit.allow(request, "lookup", settings.ANTT_LOOKUP_RATE):   # "10/m"
        return 429

One counter per client address, purpose and window in Django's cache: the hot path is
a single `cache.incr`; the first request of a window adds the key (`cache.add`, atomic,
so two workers starting the same window do not both reset it). A fixed window lets a
client send up to twice the rate across a window boundary; for guessing four digits
or flooding the submission form that is good enough, and it costs one cache round trip
instead of the timestamp list (get + set, not atomic) of ninja's sliding-window
throttles, which also only cover the API, not the pages.

With the default local-memory cache each worker process counts on its own: set
ANTT_CACHE_URL (Redis) in production so that all workers share the counters.
Rates are "<count>/<s|m|h|d>"; "0" or an empty string turns the limit off.
"""

from __future__ import annotations

import time

from django.core.cache import cache

from antt.core.middleware import client_ip

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_parsed: dict[str, tuple[int, int] | None] = {}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "10/m" → (10, 60); "5/h" → (5, 3600); "" or "0" → None (no limit). Bad values raise ValueError."""
    key = rate or ""
    if key in _parsed:
        return _parsed[key]
    text = key.strip().lower()
    if text in ("", "0", "off", "none"):
        result = None
    else:
        count, _, period = text.partition("/")
        unit = period.strip()[-1:] if period.strip() else ""
        multiplier = period.strip()[:-1] or "1"
        if not count.strip().isdigit() or unit not in _PERIODS or not multiplier.isdigit():
            raise ValueError(f"Invalid rate {rate!r}: expected e.g. '10/m', '5/h', '100/10s'.")
        result = (int(count), _PERIODS[unit] * int(multiplier)) if int(count) > 0 else None
    _parsed[key] = result
    return result


def hit(ip: str | None, purpose: str, rate: str | None) -> bool:
    """Count one request of `ip` for `purpose`; False when it is over the rate."""
    parsed = parse_rate(rate)
    if parsed is None:
        return True
    limit, period = parsed
    window = int(time.time()) // period
    key = f"rl:{purpose}:{ip or '-'}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:  # first request of this window; another worker may add it first
        count = 1 if cache.add(key, 1, timeout=period + 1) else cache.incr(key)
    return count <= limit


def allow(request, purpose: str, rate: str | None) -> bool:
    """Count this request for its client address; False when the client is over the rate."""
    return hit(client_ip(request), purpose, rate)


def retry_after(rate: str | None) -> int:
    """Seconds until the current window ends (for the Retry-After header)."""
    parsed = parse_rate(rate)
    if parsed is None:
        return 0
    period = parsed[1]
    return period - int(time.time()) % period
