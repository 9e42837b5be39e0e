from celery import shared_task


@shared_task
def detect_spikes():
    """Hourly and idempotent: each episode is alerted once (assist.alerts.run_detection)."""
    from assist import alerts

    return len(alerts.run_detection())


@shared_task
def train_routing():
    """Daily: a new routing model from the history completed so far (assist.dispatch.train)."""
    from assist import dispatch

    row = dispatch.train()
    return row.pk if row else None
