"""Webhooks: each public event of an appeal a channel filed is POSTed to the key's URL, signed
with HMAC-SHA256, retried through the outbox after a failure, and delivered once."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from api import services
from api.webhooks import verify
from grid.notifications import tasks
from grid.notifications.models import Message, Status
from grievances import services as grievance_services
from grievances.models import Grievance, Severity
from tests.api.conftest import post_data


class Receiver:
    """A channel's endpoint: answers 500 to the first ``fail`` deliveries, then 200."""

    def __init__(self, fail: int):
        self.fail, self.seen = fail, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.seen.append((dict(self.headers), body))
                self.send_response(500 if len(receiver.seen) <= receiver.fail else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/open311-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver(fail=1)
    yield r
    r.close()


def test_a_public_event_is_pushed_signed_retried_after_a_failure_and_delivered_once(
        client, world, admin_user, receiver, settings, django_capture_on_commit_callbacks):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 0  # the retry is due at once
    key, raw = services.create_api_key(actor=None, name="12345热线", channel="hotline", region=world.east,
                                       webhook_url=receiver.url)
    key.raw = raw
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/open311/v2/requests.json", post_data(key, **{"attribute[ticket_no]": "GD-9"}))
    assert r.status_code == 201
    assert receiver.seen == []  # the channel knows its own submission
    g = Grievance.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        event = grievance_services.accept_grievance(actor=admin_user, grievance=g, kind="dispute",
                                                    severity=Severity.SIMPLE, category=g.category)
    assert len(receiver.seen) == 1  # refused with 500
    message = Message.objects.get(channel="webhook")
    assert message.status == Status.RETRY

    assert tasks.dispatch_due_messages() == 1  # the minute sweep tries again
    assert len(receiver.seen) == 2
    message.refresh_from_db()
    assert message.status == Status.SENT and message.attempts == 2
    assert tasks.dispatch_due_messages() == 0
    services.on_grievance_event(event)  # the same event again: no second row, nothing sent
    assert Message.objects.filter(channel="webhook").count() == 1 and len(receiver.seen) == 2

    (h1, b1), (h2, b2) = receiver.seen
    assert b1 == b2 and h1["X-Open311-Delivery"] == h2["X-Open311-Delivery"] == f"open311:{key.pk}:{event.pk}"
    assert verify(key.webhook_secret, h2["X-Open311-Timestamp"], b2, h2["X-Open311-Signature"])
    assert not verify("another secret", h2["X-Open311-Timestamp"], b2, h2["X-Open311-Signature"])
    payload = json.loads(b2)
    assert payload["service_request_id"] == g.tracking_no and payload["status"] == "investigating"
    assert payload["ticket_no"] == "GD-9" and payload["update_id"] == str(event.pk)
    assert "13800000001" not in b2.decode()


def test_no_webhook_for_an_appeal_filed_elsewhere_or_a_key_switched_off(
        client, world, admin_user, receiver, citizen, django_capture_on_commit_callbacks):
    key, raw = services.create_api_key(actor=None, name="12345热线", channel="hotline", region=world.east,
                                       webhook_url=receiver.url)
    key.raw = raw
    client.post("/open311/v2/requests.json", post_data(key))
    services.set_api_key_active(actor=None, key=key, active=False)
    g = Grievance.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        grievance_services.accept_grievance(actor=admin_user, grievance=g, kind="dispute",
                                            severity=Severity.SIMPLE, category=g.category)
    assert not Message.objects.filter(channel="webhook").exists() and receiver.seen == []
