"""Celery tasks of pufa_media (routed to the "media" queue). They take ids and call services."""

from celery import shared_task


@shared_task(name="pufa_media.tasks.process_video", acks_late=True)
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
