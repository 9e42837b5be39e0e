"""Delivery tasks. They take ids, and re-running one never sends or records twice."""

from __future__ import annotations

import logging

from celery import shared_task

from grid.notifications import services
from grid.notifications.backends import DeliveryError, get_backend
from grid.notifications.models import Channel, Message

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=None, ignore_result=True)
def deliver_message(self, message_id: int) -> str:
    attempt = services.claim(message_id)
    if attempt is None:
        return "skipped"
    message = Message.objects.get(pk=message_id)
    try:
        # A webhook row is addressed by its URL (``link``); SMS and voice by the phone number.
        address = message.link if message.channel == Channel.WEBHOOK else message.phone
        provider_id = get_backend(message.channel).send(address, message.text, key=message.idempotency_key)
    except Exception as exc:  # noqa: BLE001 — a gateway error or a misconfiguration: retry with backoff
        will_retry, delay = services.mark_failed(message_id, attempt, f"{type(exc).__name__}: {exc}")
        if isinstance(exc, DeliveryError):
            logger.warning("message %s attempt %s failed: %s", message_id, attempt, exc)
        else:
            logger.exception("message %s attempt %s crashed", message_id, attempt)
        if will_retry and not self.request.is_eager:
            raise self.retry(countdown=delay, exc=exc) from exc
        return "failed"
    services.mark_sent(message_id, attempt, provider_id or "")
    # The log line carries the id of the request that caused the message (ops.telemetry).
    logger.info("message %s delivered by %s on attempt %s", message_id, message.channel, attempt)
    return "sent"


@shared_task(ignore_result=True)
def dispatch_due_messages() -> int:
    """The minute sweep: re-enqueue messages whose broker message was lost or whose worker
    died mid-delivery. Safe to run any number of times at once (claims are conditional)."""
    ids = services.due_message_ids()
    services.enqueue(ids)
    return len(ids)
