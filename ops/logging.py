"""Structured logs: one JSON object per line, with the request id, user id and role, and
phone numbers masked (personal data does not belong in logs; PIPL practice).

Used from settings.LOGGING; ``LOG_FORMAT=json`` (the production default) or ``text``.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from grid.masking import mask_phone
from ops import context

# Mainland mobile numbers (11 digits starting 1[3-9]) that are not part of a longer digit run
# (tracking numbers are 14 digits and must stay readable in logs).
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    """138****0001: the operator can still tell numbers apart without reading them."""
    return PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


class ContextFilter(logging.Filter):
    """Adds request_id, user_id and role to every record and masks phone numbers in the
    rendered message (arguments included), so no handler can print one unmasked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = getattr(record, "request_id", "") or context.request_id.get()
        record.user_id = getattr(record, "user_id", "") or context.user_id.get()
        record.role = getattr(record, "role", "") or context.role.get()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed log call must not lose the line
            message = str(record.msg)
        masked = mask_phones(message)
        if masked != message or record.args:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_phones(record.exc_text)
        return True


# Fields of a LogRecord that are not "extra" data.
_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _RESERVED or key.startswith("_") or value in ("", None):
                continue
            payload[key] = value if isinstance(value, (int, float, bool)) else mask_phones(str(value))
        if record.exc_text:
            payload["exc"] = record.exc_text
        return json.dumps(payload, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = ""
        return super().format(record)


def make_handler(stream=None, fmt: str = "json") -> logging.Handler:
    """A handler configured exactly as the LOGGING setting configures the console (the test
    suite uses it to check that no phone number reaches a log line)."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler
