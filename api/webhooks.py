"""The sender of the outbox's ``webhook`` rows (registered in ApiConfig.ready).

Each delivery is a POST of the JSON body with three headers:

- ``X-Open311-Delivery``: the outbox idempotency key ``open311:<key id>:<event id>``, the
  same on every retry, so the receiver can drop a repeat;
- ``X-Open311-Timestamp``: Unix seconds of this attempt;
- ``X-Open311-Signature``: ``sha256=`` HMAC-SHA256 under the key's webhook secret of
  ``<timestamp>.<body>``.

Anything but a 2xx answer raises DeliveryError, and the outbox retries with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.error
import urllib.request

from grid.notifications.backends import DeliveryError


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """What a receiver does (docs/open311.md has the same in a few lines)."""
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")


class WebhookBackend:
    timeout = 10

    def send(self, url: str, text: str, *, key: str = "") -> str:
        from api.models import ApiKey

        try:
            key_id = int(key.split(":")[1])
        except (IndexError, ValueError) as exc:
            raise DeliveryError(f"not an open311 delivery key: {key!r}") from exc
        api_key = ApiKey.objects.filter(pk=key_id).first()
        if api_key is None or not api_key.webhook_secret:
            raise DeliveryError("the API key of this webhook no longer exists")
        body = text.encode()
        timestamp = str(int(time.time()))
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "zongzhi-open311-webhook/1",
            "X-Open311-Delivery": key, "X-Open311-Timestamp": timestamp,
            "X-Open311-Signature": signature(api_key.webhook_secret, timestamp, body),
        })
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return f"http-{response.status}"
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"webhook answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"webhook unreachable: {exc}") from exc
