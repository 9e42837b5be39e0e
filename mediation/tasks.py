"""Periodic work of mediation. Tasks take ids or nothing and call services."""

from celery import shared_task


@shared_task(name="mediation.tasks.clean_video_rooms")
def clean_video_rooms() -> int:
    """Signalling messages older than an hour and recording uploads abandoned for two days."""
    from grid import chunked
    from mediation.models import RecordingUpload
    from mediation.services import room

    return room.purge_signals() + chunked.purge_stale(RecordingUpload)
