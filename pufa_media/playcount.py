"""Play counting that holds at millions of plays (DOMAIN.md §8: ~1 million plays in Siping).

A play is counted from the player after a few seconds of playback, once per viewer (user id
or signed cookie) per video per day. The hot path never touches the database when Redis is
configured: SET NX on "seen" and HINCRBY on a pending hash, in one Lua call; a beat task
flushes the pending hash every minute with atomic increments into Video.play_count and the
per-day PlayDaily table. Without Redis (the embedded default) the database counter keeps the
same interface and writes at once. Page loads never count anything.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from pufa_media import conf
from pufa_media.models import PlayDaily, PlayFlush, PlaySeen, Video

SEEN_TTL_SECONDS = 2 * 24 * 3600
CHUNK = 500


class PlayCounter(Protocol):
    def record(self, video_id: int, viewer: str, day: dt.date) -> bool:
        """Count one play unless this viewer already played this video that day; True if counted."""

    def flush(self) -> int:
        """Write pending plays to the database; returns how many plays were written."""


def apply_counts(counts: dict[tuple[dt.date, int], int]) -> int:
    """Atomic increments (col = col + n) of Video.play_count and PlayDaily, in batches.

    Runs inside the caller's transaction. Plays of deleted videos are dropped.
    """
    if not counts:
        return 0
    existing = set()
    video_ids = sorted({vid for _, vid in counts})
    for i in range(0, len(video_ids), CHUNK):
        existing.update(Video.objects.filter(pk__in=video_ids[i:i + CHUNK]).values_list("pk", flat=True))
    per_video: dict[int, int] = defaultdict(int)
    rows = []
    for (day, vid), n in counts.items():
        if vid in existing and n > 0:
            per_video[vid] += n
            rows.append((vid, day, n))
    video_table = Video._meta.db_table
    daily_table = PlayDaily._meta.db_table
    with connection.cursor() as cur:
        items = sorted(per_video.items())  # a fixed lock order: concurrent flushes never deadlock
        for i in range(0, len(items), CHUNK):
            part = items[i:i + CHUNK]
            values = ", ".join(["(%s, %s)"] * len(part))
            params = [x for pair in part for x in pair]
            cur.execute(
                f"WITH d(id, n) AS (VALUES {values}) "
                f"UPDATE {video_table} SET play_count = play_count + "
                f"(SELECT d.n FROM d WHERE d.id = {video_table}.id) "
                f"WHERE id IN (SELECT id FROM d)",
                params,
            )
        rows.sort()
        for i in range(0, len(rows), CHUNK):
            part = rows[i:i + CHUNK]
            values = ", ".join(["(%s, %s, %s)"] * len(part))
            params = [x for row in part for x in row]
            cur.execute(
                f"INSERT INTO {daily_table} (video_id, day, count) VALUES {values} "
                f"ON CONFLICT (video_id, day) DO UPDATE SET count = {daily_table}.count + excluded.count",
                params,
            )
    return sum(per_video.values())


class DatabasePlayCounter:
    """No Redis: dedupe with a unique row per (day, video, viewer), count at once."""

    def record(self, video_id: int, viewer: str, day: dt.date) -> bool:
        try:
            with transaction.atomic():
                PlaySeen.objects.create(video_id=video_id, day=day, viewer=viewer)
                apply_counts({(day, video_id): 1})
        except IntegrityError:
            return False
        return True

    def flush(self) -> int:
        return 0


_RECORD_LUA = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
return 0
"""


class RedisPlayCounter:
    """SET NX per viewer-video-day plus a pending hash, flushed in renamed batches.

    Flush: RENAME the pending hash to a unique batch key (new plays go to a fresh hash), write
    the batch in one transaction that also inserts a PlayFlush row named after the batch, then
    delete the batch key. A crash between commit and delete leaves the key behind; the next
    flush finds its PlayFlush row and only deletes it, so no play is lost or counted twice.
    """

    def __init__(self, client, prefix: str = "pufa:plays"):
        self.client = client
        self.prefix = prefix
        self.pending_key = f"{prefix}:pending"
        self._record = client.register_script(_RECORD_LUA)

    def record(self, video_id: int, viewer: str, day: dt.date) -> bool:
        seen = f"{self.prefix}:seen:{day.isoformat()}:{video_id}:{viewer}"
        return bool(self._record(keys=[seen, self.pending_key],
                                 args=[SEEN_TTL_SECONDS, f"{day.isoformat()}:{video_id}"]))

    def pending(self) -> int:
        return sum(int(v) for v in self.client.hvals(self.pending_key))

    def flush(self) -> int:
        import redis

        batch = f"{self.prefix}:flushing:{uuid.uuid4().hex}"
        try:
            self.client.rename(self.pending_key, batch)
        except redis.ResponseError:
            pass  # nothing pending
        written = 0
        for key in sorted(self.client.scan_iter(match=f"{self.prefix}:flushing:*", count=100)):
            key = key.decode() if isinstance(key, bytes) else key
            written += self._flush_batch(key)
        return written

    def _flush_batch(self, key: str) -> int:
        counts: dict[tuple[dt.date, int], int] = {}
        for field, value in self.client.hscan_iter(key, count=1000):
            field = field.decode() if isinstance(field, bytes) else field
            day, vid = field.split(":")
            counts[(dt.date.fromisoformat(day), int(vid))] = int(value)
        batch_id = key.rsplit(":", 1)[-1]
        try:
            with transaction.atomic():
                PlayFlush.objects.create(batch=batch_id, plays=sum(counts.values()))
                written = apply_counts(counts)
        except IntegrityError:
            written = 0  # this batch was written before a crash; only the key was left behind
        self.client.delete(key)
        return written


_redis_client = None


def _client():
    global _redis_client
    if _redis_client is None:
        import redis

        _redis_client = redis.Redis.from_url(settings.REDIS_URL)
    return _redis_client


def get_counter() -> PlayCounter:
    choice = conf.get("PUFA_PLAY_COUNTER")
    if choice == "redis" or (choice == "auto" and settings.REDIS_URL):
        return RedisPlayCounter(_client())
    return DatabasePlayCounter()
