"""The demo seed makes real, playable media itself, quickly and idempotently."""

import io
import time

import pytest

from pufa_media import demo
from pufa_media.models import CaseExplanation, Playlist, ProcessingStatus, Video

pytestmark = pytest.mark.django_db


def test_demo_seed_makes_playable_videos_once(settings):
    from grid import demo as grid_demo

    grid_demo.seed(stdout=io.StringIO())
    started = time.monotonic()
    out = io.StringIO()
    demo.seed(stdout=out, seconds=1.0)
    assert time.monotonic() - started < 20, out.getvalue()
    videos = Video.objects.filter(title__in=[v["title"] for v in demo.VIDEOS])
    assert videos.count() == len(demo.VIDEOS)
    assert set(videos.values_list("status", flat=True)) == {ProcessingStatus.READY}
    first = videos.first()
    assert first.renditions.exists() and first.poster and first.subtitles.filter(vtt__gt="").exists()
    assert first.questions.exists()
    assert CaseExplanation.objects.count() == len(demo.ARTICLES)
    assert Playlist.objects.count() == 1
    # a second run changes nothing and processes nothing
    again = io.StringIO()
    demo.seed(stdout=again, seconds=1.0)
    assert "(0 processed now)" in again.getvalue()
    assert Video.objects.count() == len(demo.VIDEOS) and CaseExplanation.objects.count() == len(demo.ARTICLES)
