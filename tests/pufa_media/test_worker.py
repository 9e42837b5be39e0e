"""With a real Celery worker on the "media" queue (runs when REDIS_URL is set, as in CI)."""

import os
import subprocess
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pufa_media import services
from pufa_media.models import ProcessingStatus, Video
from tests.pufa_media.factories import VideoFactory
from tests.worker_support import CELERY, ROOT, wait_for, worker_env  # noqa: F401

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def media_worker(worker_env, tmp_path, settings):  # noqa: F811
    """A worker consuming only the media queue, sharing the test's MEDIA_ROOT."""
    import redis

    from config.celery import app

    env = {**worker_env, "MEDIA_ROOT": str(settings.MEDIA_ROOT),
           "PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT)}
    redis.Redis.from_url(worker_env["REDIS_URL"]).delete("media", "unacked", "unacked_index")
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    log_path = tmp_path / "media-worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(CELERY), "-A", "config", "worker", "-Q", "media", "-c", "1", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"media-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"media worker did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        app.conf.task_always_eager = True


def test_uploaded_clip_is_processed_by_the_media_queue_worker(media_worker, clip, east_centre_staff):
    video = VideoFactory()
    with open(clip, "rb") as fh:
        services.attach_source(video=video, user=east_centre_staff, file=SimpleUploadedFile("clip.mp4", fh.read()))
    wait_for(lambda: Video.objects.get(pk=video.pk).status in (ProcessingStatus.READY, ProcessingStatus.FAILED),
             timeout=60, message="video processed by the worker")
    video.refresh_from_db()
    assert video.status == ProcessingStatus.READY, video.error
    assert video.renditions.exists() and video.poster
