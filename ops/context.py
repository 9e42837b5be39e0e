"""The request id (and who is asking) for the current request or task, as context variables.

Set by ops.middleware.RequestContextMiddleware for web requests and by the Celery
``task_prerun`` hook for tasks (the id travels in the task's headers, see ops.telemetry), so a
log line written anywhere — a view, a service, a task, an outbox delivery — carries the id of
the request that caused it.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="")
user_id: ContextVar[str] = ContextVar("user_id", default="")
role: ContextVar[str] = ContextVar("role", default="")

# An id offered by the proxy (X-Request-ID) is kept only when it looks like one, so a client
# cannot write arbitrary text (or personal data) into every log line.
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(offered: str | None = None) -> str:
    if offered and _VALID.match(offered):
        return offered
    return uuid.uuid4().hex
