"""Fixed-window counters for throttles: in the cache (Redis) while it answers, in the
database while it does not.

A throttle must neither answer 500 nor quietly stop counting when Redis is down, so each
call that finds the cache unreachable counts in ``RateCounter`` rows instead (one indexed
row per key and window, incremented with a conditional UPDATE). Counts made in the cache
and in the database are not added together: at worst a visitor gets one extra window when
Redis goes away or comes back.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from grid.models import RateCounter

logger = logging.getLogger(__name__)


def _window(seconds: int) -> int:
    return int(time.time() // seconds)


def _cache_key(key: str, window: int) -> str:
    return f"throttle:{key}:{window}"


def hit(key: str, *, window: int) -> int:
    """Count one hit of ``key`` in the current window of ``window`` seconds; returns the
    number of hits in this window, this one included."""
    w = _window(window)
    ck = _cache_key(key, w)
    try:
        if cache.add(ck, 1, timeout=window + 30):
            return 1
        try:
            return cache.incr(ck)
        except ValueError:  # expired between add and incr
            cache.set(ck, 1, timeout=window + 30)
            return 1
    except Exception:  # noqa: BLE001 — cache unreachable: count in the database
        logger.warning("cache unreachable; throttle %s counts in the database", key, exc_info=True)
        return _db_hit(key, w, window)


def count(key: str, *, window: int) -> int:
    """Hits of ``key`` so far in the current window."""
    w = _window(window)
    try:
        return int(cache.get(_cache_key(key, w), 0))
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable; throttle %s read from the database", key, exc_info=True)
        return RateCounter.objects.filter(key=key, window=w).values_list("hits", flat=True).first() or 0


def _db_hit(key: str, w: int, window: int) -> int:
    now = timezone.now()
    rows = RateCounter.objects.filter(key=key, window=w)
    if not rows.update(hits=F("hits") + 1):
        try:
            with transaction.atomic():
                RateCounter.objects.create(key=key, window=w, hits=1,
                                           expires_at=now + timedelta(seconds=window))
        except IntegrityError:  # another request created it meanwhile
            rows.update(hits=F("hits") + 1)
    if random.random() < 0.02:  # noqa: S311 — housekeeping, not security
        RateCounter.objects.filter(expires_at__lt=now - timedelta(hours=1)).delete()
    return rows.values_list("hits", flat=True).first() or 1
