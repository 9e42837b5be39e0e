"""Real Celery workers for tests marked ``worker``.

A test that wants one uses the ``celery_worker`` fixture: it starts
``.venv/bin/celery -A config worker`` as a subprocess against REDIS_URL and the TEST
database (pytest-django's ``test_<name>``), so the worker sees what the test commits; such
tests must be transactional (``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``).
The handle can kill the worker with SIGKILL (a crash mid-task) and start a new one.

Without REDIS_URL the worker tests are skipped. With REDIS_URL set, tests/conftest.py
already fails the run when Redis is unreachable; here a worker that does not come up, or
a missing PostgreSQL (a subprocess cannot see an SQLite test database), fails the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("worker tests need DATABASE_URL pointing to PostgreSQL (a worker process cannot "
                    "see an SQLite test database)")
    auth = s["USER"] or ""
    if s["PASSWORD"]:
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = s["PORT"] or "5432"
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


class WorkerHandle:
    def __init__(self, env: dict[str, str], log_dir: Path):
        self.env = env
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None
        self.runs = 0
        self.gateway = None

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"worker-{self.runs}.log"

    def start(self, timeout: float = 60) -> WorkerHandle:
        self.runs += 1
        log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [str(CELERY), "-A", "config", "worker", "--loglevel=INFO", "-P", "prefork", "-c", "2",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test{self.runs}-{os.getpid()}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"celery worker exited with {self.proc.returncode}:\n{self.read_log()[-3000:]}")
            if "ready." in self.read_log():
                return self
            time.sleep(0.2)
        self.kill()
        pytest.fail(f"celery worker did not become ready in {timeout}s:\n{self.read_log()[-3000:]}")

    def read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): a crash, no cleanup."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()


def _purge_broker(redis_url: str) -> None:
    """Forget messages left by earlier runs (including a killed worker's unacked ones)."""
    import redis

    r = redis.Redis.from_url(redis_url)
    for key in ("celery", "unacked", "unacked_index", "unacked_mutex"):
        r.delete(key)


@pytest.fixture
def worker_env(tmp_path):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: real-worker tests run in CI")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "NOTIFICATIONS_RETRY_BASE_SECONDS": "1",
        "NOTIFICATIONS_LEASE_SECONDS": "3",
        "PYTHONUNBUFFERED": "1",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(ROOT),
    }
    return env


@pytest.fixture
def celery_worker(worker_env, tmp_path, settings):
    """A real worker subprocess with SMS and voice going to a local fake gateway
    (``handle.gateway``); the test process sends tasks to Redis (not eager)."""
    from config.celery import app
    from grid.notifications.fake_gateway import FakeGateway

    gateway = FakeGateway().start()
    env = {**worker_env, "SMS_BACKEND": "http", "VOICE_BACKEND": "http",
           "SMS_GATEWAY_URL": gateway.url, "SMS_GATEWAY_KEY": gateway.api_key,
           "VOICE_GATEWAY_URL": gateway.url, "VOICE_GATEWAY_KEY": gateway.api_key}
    _purge_broker(worker_env["REDIS_URL"])
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    handle = WorkerHandle(env, tmp_path)
    handle.gateway = gateway
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()
        gateway.stop()
        app.conf.task_always_eager = True
        _purge_broker(worker_env["REDIS_URL"])


def wait_for(predicate, timeout: float = 30, interval: float = 0.2, message: str = "condition"):
    """Poll until predicate() is truthy (reads the database fresh each time)."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
        connection.close()  # no stale snapshot between polls
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


__all__ = ["celery_worker", "worker_env", "wait_for", "WorkerHandle"]
