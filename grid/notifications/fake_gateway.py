"""A local fake SMS/voice gateway (http.server on 127.0.0.1 in a thread) for tests and demos.

It speaks the HttpBackend protocol: POST JSON {phone, text, key, channel} with a bearer
key; answers 200 {"id": ...}. Like a real gateway it de-duplicates on the idempotency key,
and it can be told to fail the next N requests or to answer slowly.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeGateway:
    def __init__(self, api_key: str = "test-key"):
        self.api_key = api_key
        self.requests: list[dict] = []      # every well-formed POST, including failed and duplicate ones
        self.delivered: dict[str, dict] = {}  # key -> message, once per key
        self.fail_next = 0
        self.delay = 0.0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/send"

    def start(self) -> FakeGateway:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    return self._answer(400, {"error": "bad json"})
                if self.headers.get("Authorization") != f"Bearer {gateway.api_key}":
                    return self._answer(401, {"error": "bad key"})
                with gateway._lock:
                    gateway.requests.append(body)
                    failing = gateway.fail_next > 0
                    if failing:
                        gateway.fail_next -= 1
                delay = gateway.delay
                if delay:
                    time.sleep(delay)
                if failing:
                    return self._answer(503, {"error": "temporarily unavailable"})
                key = body.get("key") or ""
                with gateway._lock:
                    gateway.delivered.setdefault(key, body)
                return self._answer(200, {"id": f"fake-{key}"})

            def _answer(self, code, payload):
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def delivered_to(self, phone: str) -> list[dict]:
        with self._lock:
            return [m for m in self.delivered.values() if m.get("phone") == phone]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
