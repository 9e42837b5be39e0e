from celery import shared_task


@shared_task(name="grievances.tasks.sweep_staged_uploads")
def sweep_staged_uploads() -> int:
    """Delete expired staged uploads (upload first, then reference) and their files."""
    from grievances import services

    return services.sweep_expired_staged()
