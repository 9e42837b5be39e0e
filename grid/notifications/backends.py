"""Delivery backends for SMS and voice alerts: console (embedded default), file, HTTP gateway.

A backend sends one message and raises DeliveryError when the gateway refuses or fails,
so the caller (the outbox task) can retry with backoff.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    pass


class ConsoleBackend:
    def __init__(self, channel: str = "sms"):
        self.channel = channel

    def send(self, phone: str, text: str, *, key: str = "") -> str:
        label = "短信" if self.channel == "sms" else "语音"
        sys.stdout.write(f"[{label} → {phone}] {text}\n")
        sys.stdout.flush()
        return f"console-{key}"


class FileBackend:
    def __init__(self, channel: str = "sms", path: str | None = None):
        self.channel = channel
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, phone: str, text: str, *, key: str = "") -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(
            {"at": datetime.now().isoformat(), "channel": self.channel, "phone": phone, "text": text, "key": key},
            ensure_ascii=False,
        )
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
        return f"file-{key}"


class HttpBackend:
    """POSTs JSON {phone, text, key} with the API key as a bearer token; the gateway is
    expected to de-duplicate on ``key`` (our idempotency key) and answer 2xx."""

    def __init__(self, channel: str = "sms", url: str = "", api_key: str = "", timeout: float = 10):
        self.channel = channel
        self.url = url
        self.api_key = api_key
        self.timeout = timeout

    def send(self, phone: str, text: str, *, key: str = "") -> str:
        if not self.url:
            raise DeliveryError("gateway URL is not configured")
        body = json.dumps({"phone": phone, "text": text, "key": key, "channel": self.channel}).encode()
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}",
                     "Idempotency-Key": key},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read().decode() or "{}"
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"gateway unreachable: {exc}") from exc
        try:
            return str(json.loads(payload).get("id", ""))
        except ValueError:
            return ""


_REGISTERED: dict = {}


def register_backend(channel: str, factory) -> None:
    """A contribution point: an app that owns a delivery channel of its own (``webhook``,
    registered by api/) supplies its sender in its ``AppConfig.ready()``; the outbox
    delivers its rows like any other, with the same retries and exactly-once bookkeeping."""
    _REGISTERED[channel] = factory


def get_backend(channel: str = "sms"):
    if channel in _REGISTERED:
        return _REGISTERED[channel]()
    name = settings.SMS_BACKEND if channel == "sms" else settings.VOICE_BACKEND
    if name == "console":
        return ConsoleBackend(channel)
    if name == "file":
        return FileBackend(channel)
    if name == "http":
        if channel == "sms":
            return HttpBackend(channel, settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY)
        return HttpBackend(channel, settings.VOICE_GATEWAY_URL, settings.VOICE_GATEWAY_KEY)
    raise ValueError(f"unknown {channel} backend {name!r}")


def send_sms_now(phone: str, text: str, *, key: str = "") -> str:
    """Immediate delivery, for one-time login codes only; everything else goes through the outbox."""
    return get_backend("sms").send(phone, text, key=key)
