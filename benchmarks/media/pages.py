"""Benchmark: the video list and the video page at 10,000 videos: query count and time.

Builds 10,000 published, ready videos (each with a rendition row, some with questions and
subtitles) in the configured database if they are not there yet, then renders the pages
through the Django test client and counts SQL queries.

    DATABASE_URL=postgres://root@127.0.0.1:5432/media .venv/bin/python benchmarks/media/pages.py
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from legalqa.models import FieldOfLaw  # noqa: E402
from pufa_media.models import (  # noqa: E402
    Audience,
    Choice,
    Rendition,
    Subtitle,
    Topic,
    Video,
    VideoQuestion,
)

N = 10_000
MARK = "基准视频"


def build():
    have = Video.objects.filter(title__startswith=MARK).count()
    if have >= N:
        return
    fields = list(FieldOfLaw.objects.all())
    topics = list(Topic.objects.all())
    now = timezone.now()
    videos = [
        Video(title=f"{MARK}{i:05d}", summary="基准测试用的视频简介。", field=fields[i % len(fields)],
              topic=topics[i % len(topics)], status="ready", is_published=True,
              published_at=now - timezone.timedelta(minutes=i), duration=120.0, play_count=i * 7,
              poster=f"pufa/media/bench-{i}.jpg", region_code="439001000000")
        for i in range(have, N)
    ]
    Video.objects.bulk_create(videos, batch_size=2000)
    ids = list(Video.objects.filter(title__startswith=MARK).values_list("pk", flat=True))
    Rendition.objects.bulk_create([
        Rendition(video_id=pk, name=name, label=label, file=f"pufa/media/bench-{pk}-{name}.mp4", width=w, height=h,
                  bitrate=b, size=1, order=o)
        for pk in ids for o, (name, label, w, h, b) in enumerate(
            [("low", "流畅", 640, 360, 564_000), ("high", "高清", 1280, 720, 2_128_000)])
    ], batch_size=5000, ignore_conflicts=True)
    audiences = list(Audience.objects.all())
    through = Video.audiences.through
    through.objects.bulk_create([through(video_id=pk, audience_id=audiences[pk % len(audiences)].pk) for pk in ids],
                                batch_size=5000, ignore_conflicts=True)
    for pk in ids[:50]:
        Subtitle.objects.get_or_create(video_id=pk, language="zh-Hans",
                                       defaults={"srt": "x.srt", "vtt": f"pufa/media/bench-{pk}.vtt"})
        for qn in range(3):
            q = VideoQuestion.objects.create(video_id=pk, text=f"问题{qn}", order=qn)
            Choice.objects.bulk_create([Choice(question=q, text=f"选项{c}", is_correct=c == 0, order=c)
                                        for c in range(3)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")


def measure(client, url, runs=20):
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    if os.environ.get("SHOW_SQL"):
        for q in ctx.captured_queries:
            print(f"    {q['time']}s {q['sql'][:300]}")
    return len(ctx.captured_queries), statistics.median(times), times[int(len(times) * 0.95) - 1]


def main():
    settings.ALLOWED_HOSTS = ["*"]
    setup_test_environment()
    t0 = time.monotonic()
    build()
    print(f"{Video.objects.count()} videos in {connection.vendor} (setup {time.monotonic() - t0:.1f} s)")
    client = Client()
    first = Video.objects.filter(title__startswith=MARK).order_by("pk").first()
    with_questions = VideoQuestion.objects.filter(video__title__startswith=MARK).first().video_id
    ordered = Video.objects.public().order_by("-published_at", "-id")

    def token(position):
        v = ordered[position - 1]
        return f"{v.published_at.isoformat()}_{v.pk}".replace("+", "%2B")

    total = ordered.count()
    rows = [
        ("video list, page 1", "/pufa/"),
        ("video list, filtered by field", f"/pufa/?field={first.field.code}"),
        ("video list, filtered by audience", "/pufa/?audience=elderly"),
        ("video list, 更多 after 5,000 videos", f"/pufa/?after={token(5000)}"),
        (f"video list, 更多 after {total - 6:,} videos (last)", f"/pufa/?after={token(total - 6)}"),
        ("video page (no questions)", f"/pufa/v/{Video.objects.filter(title__startswith=MARK).last().pk}/"),
        ("video page (3 questions, subtitles)", f"/pufa/v/{with_questions}/"),
    ]
    print("| page | SQL queries | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|")
    for label, url in rows:
        n, p50, p95 = measure(client, url)
        print(f"| {label} | {n} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
