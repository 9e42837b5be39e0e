from celery import shared_task


@shared_task
def detect_spikes():
    """Hourly and idempotent: each episode is alerted once (assist.alerts.run_detection)."""
    from assist import alerts

    return len(alerts.run_detection())
