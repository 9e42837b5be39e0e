"""The minute scan. Deadlines live in the database; the broker only carries "go and look",
so a scan after any outage finds everything that became due meanwhile."""

from __future__ import annotations

import logging

from celery import shared_task

from grievances.deadlines import services

logger = logging.getLogger(__name__)

BATCH = 500
MAX_BATCHES = 20


@shared_task(ignore_result=True)
def scan_deadlines() -> int:
    """Find the clocks that need attention (one indexed range) and hand each to a worker."""
    total = 0
    for _batch in range(MAX_BATCHES):  # after an outage there may be more than one batch due
        ids = services.claim_due_clocks(limit=BATCH)
        for clock_id in ids:
            try:
                process_clock.delay(clock_id)
            except Exception:  # noqa: BLE001 — broker gone: the lease runs out and the next scan retries
                logger.warning("could not enqueue clock %s", clock_id, exc_info=True)
        total += len(ids)
        if len(ids) < BATCH:
            break
    return total


@shared_task(ignore_result=True, acks_late=True)
def process_clock(clock_id: int) -> list[str]:
    return services.process_clock(clock_id)
