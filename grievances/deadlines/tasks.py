"""The minute scan. Deadlines live in the database; the broker only carries "go and look",
so a scan after any outage finds everything that became due meanwhile."""

from __future__ import annotations

import logging

from celery import shared_task

from grievances.deadlines import services

logger = logging.getLogger(__name__)

BATCH = 500
# Claimed clocks are handed to workers in chunks: one transaction and a handful of statements
# per chunk for what every item reads (services.process_clocks). A city's "sign the same day"
# deadlines all fall due at 23:59, so a scan keeps claiming until nothing is due (bounded).
CHUNK = 50
MAX_BATCHES = 400


@shared_task(ignore_result=True)
def scan_deadlines() -> int:
    """Find the clocks that need attention (one indexed range) and hand them to workers."""
    total = 0
    for _batch in range(MAX_BATCHES):  # after an outage there may be more than one batch due
        ids = services.claim_due_clocks(limit=BATCH)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            try:
                process_clock_batch.delay(chunk)
            except Exception:  # noqa: BLE001 — broker gone: the lease runs out and the next scan retries
                logger.warning("could not enqueue clocks %s", chunk, exc_info=True)
        total += len(ids)
        if len(ids) < BATCH:
            break
    return total


@shared_task(ignore_result=True, acks_late=True)
def process_clock_batch(clock_ids: list[int]) -> int:
    done = services.process_clocks(clock_ids)
    return sum(len(actions) for actions in done.values())


@shared_task(ignore_result=True, acks_late=True)
def process_clock(clock_id: int) -> list[str]:
    return services.process_clock(clock_id)
