"""Observing hooks: the request id travels into Celery tasks in the message headers, task
runs are counted, periodic tasks leave a heartbeat, failed logins are counted.

These are observers only (STYLE.md §5: no domain logic in signals): nothing here changes what
a task or a login does, and a failure here is logged and swallowed.
"""

from __future__ import annotations

import logging

from ops import context

logger = logging.getLogger(__name__)

HEADER = "zongzhi_request_id"

# Periodic tasks whose last success an operator must see (alert: beat scan not run for 3 min).
HEARTBEAT_TASKS = {
    "grievances.deadlines.tasks.scan_deadlines",
    "grid.notifications.tasks.dispatch_due_messages",
}


def connect() -> None:
    from celery.signals import before_task_publish, task_failure, task_postrun, task_prerun
    from django.contrib.auth.signals import user_login_failed

    before_task_publish.connect(_add_request_id, weak=False, dispatch_uid="ops.request_id")
    task_prerun.connect(_enter_task, weak=False, dispatch_uid="ops.prerun")
    task_postrun.connect(_leave_task, weak=False, dispatch_uid="ops.postrun")
    task_failure.connect(_task_failed, weak=False, dispatch_uid="ops.failure")
    user_login_failed.connect(_login_failed, weak=False, dispatch_uid="ops.login_failed")


def _add_request_id(sender=None, headers=None, **kwargs):
    request_id = context.request_id.get()
    if headers is not None and request_id:
        headers[HEADER] = request_id


_task_tokens: dict[str, list] = {}


def _enter_task(sender=None, task_id=None, task=None, **kwargs):
    request = getattr(task, "request", None)
    offered = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    # An eagerly run task (embedded profile) keeps the id of the request that ran it.
    request_id = offered or context.request_id.get() or context.new_request_id()
    _task_tokens[task_id] = [context.request_id.set(request_id)]


def _leave_task(sender=None, task_id=None, task=None, state=None, **kwargs):
    from ops import metrics

    name = getattr(task, "name", str(sender))
    outcome = (state or "unknown").lower()
    metrics.TASK_RUNS.labels(name, outcome).inc()
    if state == "SUCCESS" and name in HEARTBEAT_TASKS:
        _beat(name)
    tokens = _task_tokens.pop(task_id, None)
    if tokens:
        try:
            context.request_id.reset(tokens[0])
        except ValueError:  # reset from another context (should not happen); keep going
            context.request_id.set("")


def _task_failed(sender=None, task_id=None, exception=None, **kwargs):
    logger.error("task %s failed: %s", getattr(sender, "name", sender), type(exception).__name__)


def _beat(name: str) -> None:
    from django.utils import timezone

    from ops.models import Heartbeat

    try:
        Heartbeat.objects.update_or_create(task=name, defaults={"last_success_at": timezone.now()})
    except Exception:  # noqa: BLE001 - telemetry must never fail the task
        logger.warning("could not record heartbeat for %s", name, exc_info=True)


def _login_failed(sender=None, **kwargs):
    from ops import metrics

    metrics.LOGIN_FAILURES.inc()
