"""Play counts: once per viewer per video per day, counted by the player's beacon, never by a page."""

import datetime as dt
import os
import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pufa_media.models import PlayDaily, Video
from pufa_media.playcount import DatabasePlayCounter, RedisPlayCounter, apply_counts
from tests.factories import CitizenFactory
from tests.pufa_media.factories import ready_video

DAY = dt.date(2026, 5, 1)


def _redis_client():
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/4"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("REDIS_URL"):
            raise
        pytest.skip("no Redis on 127.0.0.1:6379 (set REDIS_URL to run the Redis counter tests)")
    return client


@pytest.fixture
def redis_counter():
    client = _redis_client()
    counter = RedisPlayCounter(client, prefix=f"test:pufa:{uuid.uuid4().hex}")
    yield counter
    for key in client.scan_iter(match=f"{counter.prefix}:*"):
        client.delete(key)


def _plays(video):
    """The count as the database has it after the next flush (a no-op for the database counter)."""
    from pufa_media.playcount import get_counter

    get_counter().flush()
    return Video.objects.get(pk=video.pk).play_count


def _beacon(client, video, **extra):
    return client.post(reverse("pufa_media:play", args=[video.pk]), **extra)


# ------------------------------------------------------------------ through HTTP (database counter)

@pytest.mark.django_db
def test_same_viewer_twice_in_a_day_counts_once(client):
    video = ready_video()
    assert _beacon(client, video).json() == {"counted": True}
    assert _beacon(client, video).json() == {"counted": False}
    assert _plays(video) == 1


@pytest.mark.django_db
def test_two_viewers_count_two(client):
    video = ready_video()
    from django.test import Client

    _beacon(client, video)
    _beacon(Client(), video)
    assert _plays(video) == 2
    assert PlayDaily.objects.get(video=video).count == 2


@pytest.mark.django_db
def test_logged_in_viewer_is_counted_by_account_on_any_device(client):
    video = ready_video()
    user = CitizenFactory()
    from django.test import Client

    phone, tablet = Client(), Client()
    phone.force_login(user)
    tablet.force_login(user)
    _beacon(phone, video)
    _beacon(tablet, video)
    assert _plays(video) == 1


@pytest.mark.django_db
def test_page_load_writes_nothing_and_counts_nothing(client):
    video = ready_video()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("pufa_media:video", args=[video.pk]))
    assert response.status_code == 200
    writes = [q["sql"] for q in ctx.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert _plays(video) == 0


@pytest.mark.django_db
def test_beacons_are_rate_limited_per_address(client, settings):
    settings.PUFA_BEACON_RATE_PER_MINUTE = 3
    video = ready_video()
    from django.test import Client

    codes = [_beacon(Client(), video, REMOTE_ADDR="10.9.8.7").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert _plays(video) == 3


@pytest.mark.django_db
def test_unpublished_video_is_not_counted(client):
    video = ready_video(published=False)
    assert _beacon(client, video).status_code == 404
    assert _plays(video) == 0


# ------------------------------------------------------------------ counters directly

@pytest.mark.django_db
def test_database_counter_once_per_viewer_per_day():
    video = ready_video()
    counter = DatabasePlayCounter()
    assert counter.record(video.pk, "c1", DAY) is True
    assert counter.record(video.pk, "c1", DAY) is False
    assert counter.record(video.pk, "c1", DAY + dt.timedelta(days=1)) is True
    assert counter.record(video.pk, "c2", DAY) is True
    assert _plays(video) == 3
    assert dict(PlayDaily.objects.filter(video=video).values_list("day", "count")) == {
        DAY: 2, DAY + dt.timedelta(days=1): 1}


@pytest.mark.django_db
def test_redis_counter_counts_nothing_in_the_database_until_flushed(redis_counter):
    video = ready_video()
    assert redis_counter.record(video.pk, "c1", DAY) is True
    assert redis_counter.record(video.pk, "c1", DAY) is False
    assert redis_counter.record(video.pk, "c2", DAY) is True
    assert Video.objects.get(pk=video.pk).play_count == 0
    assert redis_counter.flush() == 2
    assert _plays(video) == 2
    assert PlayDaily.objects.get(video=video, day=DAY).count == 2
    assert redis_counter.flush() == 0
    assert _plays(video) == 2


@pytest.mark.django_db
def test_redis_flush_leftover_batch_is_not_counted_twice(redis_counter):
    video = ready_video()
    redis_counter.record(video.pk, "c1", DAY)
    client = redis_counter.client
    snapshot = client.hgetall(redis_counter.pending_key)
    assert redis_counter.flush() == 1
    # the worker crashed after committing but before deleting the batch key: it is still there
    from pufa_media.models import PlayFlush

    batch_id = PlayFlush.objects.latest("pk").batch
    client.hset(f"{redis_counter.prefix}:flushing:{batch_id}", mapping=snapshot)
    client.sadd(redis_counter.batches_key, batch_id)
    assert redis_counter.flush() == 0
    assert _plays(video) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_beacons_lose_nothing_after_flush(redis_counter):
    video = ready_video()
    other = ready_video()
    threads, per_thread = 8, 60
    stop = threading.Event()

    def flusher():
        while not stop.is_set():
            redis_counter.flush()
        connection.close()

    def viewer_thread(n):
        for i in range(per_thread):
            redis_counter.record(video.pk, f"t{n}-v{i}", DAY)
            redis_counter.record(video.pk, f"t{n}-v{i}", DAY)  # the same viewer again: not counted
            redis_counter.record(other.pk, f"t{n}-v{i % 10}", DAY)

    flush_thread = threading.Thread(target=flusher)
    flush_thread.start()
    workers = [threading.Thread(target=viewer_thread, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    stop.set()
    flush_thread.join()
    redis_counter.flush()
    assert _plays(video) == threads * per_thread
    assert _plays(other) == threads * 10
    assert PlayDaily.objects.get(video=video, day=DAY).count == threads * per_thread


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_database_counter_loses_nothing():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; run with DATABASE_URL for the concurrent database test")
    video = ready_video()
    counter = DatabasePlayCounter()

    def viewer_thread(n):
        for i in range(20):
            counter.record(video.pk, f"t{n}-v{i % 15}", DAY)
        connection.close()

    workers = [threading.Thread(target=viewer_thread, args=(n,)) for n in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert _plays(video) == 6 * 15


@pytest.mark.django_db
def test_flush_drops_plays_of_deleted_videos():
    video = ready_video()
    assert apply_counts({(DAY, video.pk): 3, (DAY, 999999): 5}) == 3
    assert _plays(video) == 3


@pytest.mark.django_db
def test_database_counter_forgets_viewers_of_past_days():
    from django.utils import timezone

    from pufa_media.models import PlaySeen

    video = ready_video()
    counter = DatabasePlayCounter()
    today = timezone.localdate()
    counter.record(video.pk, "c1", today - dt.timedelta(days=5))
    counter.record(video.pk, "c1", today)
    counter.flush()
    assert list(PlaySeen.objects.values_list("day", flat=True)) == [today]
    assert Video.objects.get(pk=video.pk).play_count == 2
