from celery import shared_task


@shared_task(name="grievances.tasks.sweep_staged_uploads")
def sweep_staged_uploads() -> int:
    """Delete expired staged uploads (upload first, then reference) and their files."""
    from grievances import services

    return services.sweep_expired_staged()


@shared_task(name="grievances.tasks.transcribe_voice_note")
def transcribe_voice_note(attachment_id: int) -> str:
    """Send one voice note to the city's speech service (grid.speech) and keep its text."""
    from grievances import services

    return services.transcribe_voice_note(attachment_id)
