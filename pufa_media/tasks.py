"""Celery tasks of pufa_media (routed to the "media" queue). They take ids and call services."""

from celery import shared_task


# A 3-minute video takes a few minutes here (benchmarks/README.md "Media"); the limits stop a
# pathological file from holding the media worker: the soft limit raises inside the pipeline,
# which marks the video failed with the error for staff.
@shared_task(name="pufa_media.tasks.process_video", acks_late=True, soft_time_limit=30 * 60, time_limit=35 * 60)
def process_video(video_id: int) -> str:
    from pufa_media import services

    return services.process_video(video_id)


@shared_task(name="pufa_media.tasks.requeue_stuck_videos")
def requeue_stuck_videos() -> list[int]:
    """Every few minutes: requeue videos a dead worker left in processing; drop abandoned uploads."""
    from pufa_media import services

    services.purge_stale_uploads()
    return services.requeue_stuck()


@shared_task(name="pufa_media.tasks.flush_play_counts")
def flush_play_counts() -> int:
    from pufa_media.playcount import get_counter

    return get_counter().flush()
