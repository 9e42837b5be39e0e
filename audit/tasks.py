from celery import shared_task

from audit import heads


@shared_task
def write_daily_head() -> str:
    """Beat, once a day: sign the chain's head into today's head file (idempotent: a rerun
    writes the same or a later head, never an earlier one)."""
    path, head = heads.write_head()
    return f"{path} {head.seq}"
