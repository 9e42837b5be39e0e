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
CHUNK = 1000


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
                f"UPDATE {video_table} SET play_count = {video_table}.play_count + d.n "
                f"FROM d WHERE {video_table}.id = d.id",
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
        """Nothing is pending (plays were written at once); forget who played before yesterday."""
        from django.utils import timezone

        PlaySeen.objects.filter(day__lt=timezone.localdate() - dt.timedelta(days=1)).delete()
        return 0


_CLAIM_LUA = """
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[2])
  redis.call('SADD', KEYS[3], ARGV[1])
  return 1
end
return 0
"""

_RECORD_LUA = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
return 0
"""


class RedisPlayCounter:
    """SET NX per viewer-video-day plus a pending hash, flushed in renamed batches.

    Flush: atomically RENAME the pending hash to a unique batch key and note the batch in a
    set (new plays go to a fresh hash), write the batch in one transaction that also inserts a
    PlayFlush row named after the batch, then delete the batch key. A crash between commit and
    delete leaves the key behind; the next flush finds its PlayFlush row and only deletes it,
    so no play is lost or counted twice. The set of batches avoids SCANning a keyspace that
    holds millions of "seen" keys.
    """

    def __init__(self, client, prefix: str | None = None):
        prefix = prefix or f"{conf.get('PUFA_REDIS_PREFIX')}:plays"
        self.client = client
        self.prefix = prefix
        self.pending_key = f"{prefix}:pending"
        self.batches_key = f"{prefix}:batches"
        self._record = client.register_script(_RECORD_LUA)
        self._claim = client.register_script(_CLAIM_LUA)

    def record(self, video_id: int, viewer: str, day: dt.date) -> bool:
        seen = f"{self.prefix}:seen:{day.isoformat()}:{video_id}:{viewer}"
        return bool(self._record(keys=[seen, self.pending_key],
                                 args=[SEEN_TTL_SECONDS, f"{day.isoformat()}:{video_id}"]))

    def pending(self) -> int:
        return sum(int(v) for v in self.client.hvals(self.pending_key))

    def flush(self) -> int:
        batch = uuid.uuid4().hex
        self._claim(keys=[self.pending_key, self._batch_key(batch), self.batches_key], args=[batch])
        written = 0
        for member in sorted(self.client.smembers(self.batches_key)):
            member = member.decode() if isinstance(member, bytes) else member
            written += self._flush_batch(member)
        return written

    def _batch_key(self, batch: str) -> str:
        return f"{self.prefix}:flushing:{batch}"

    def _flush_batch(self, batch_id: str) -> int:
        key = self._batch_key(batch_id)
        counts: dict[tuple[dt.date, int], int] = {}
        for field, value in self.client.hscan_iter(key, count=1000):
            field = field.decode() if isinstance(field, bytes) else field
            day, vid = field.split(":")
            counts[(dt.date.fromisoformat(day), int(vid))] = int(value)
        written = 0
        if counts:
            try:
                with transaction.atomic():
                    PlayFlush.objects.create(batch=batch_id, plays=sum(counts.values()))
                    written = apply_counts(counts)
            except IntegrityError:
                written = 0  # this batch was written before a crash; only the key was left behind
        self.client.delete(key)
        self.client.srem(self.batches_key, batch_id)
        return written


_redis_client = None


def redis_client():
    global _redis_client
    if _redis_client is None:
        import redis

        # Short timeouts: an unreachable Redis must fail a beacon fast, not hang a worker.
        _redis_client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    return _redis_client


_public: dict[int, tuple[float, bool]] = {}


def is_public_video(video_id: int) -> bool:
    """Whether beacons for this video count: read from the database at most once a minute
    per process (a page load or beacon never writes; this keeps beacons off the database)."""
    import time

    now = time.monotonic()
    hit = _public.get(video_id)
    if hit and hit[0] > now:
        return hit[1]
    if len(_public) > 100_000:
        _public.clear()
    public = Video.objects.public().filter(pk=video_id).exists()
    _public[video_id] = (now + 60, public)
    return public


def get_counter() -> PlayCounter:
    choice = conf.get("PUFA_PLAY_COUNTER")
    if choice == "redis" or (choice == "auto" and settings.REDIS_URL):
        return RedisPlayCounter(redis_client())
    return DatabasePlayCounter()
