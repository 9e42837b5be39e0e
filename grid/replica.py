"""Heavy reads on a PostgreSQL streaming replica, never at the cost of a stale or missing answer.

When ``DATABASE_REPLICA_URL`` is set, the database alias ``replica`` exists and
``ReplicaRouter`` sends reads made inside :func:`heavy_reads` (the dashboard, reports, exports,
similar cases: code that scans many rows and tolerates a second of lag) to it. Everything else,
and every write, goes to the primary. Three rules keep answers right:

* **Own writes are read from the primary.** A write through the ORM pins the rest of the
  request (or task) to the primary, and :class:`ReplicaPinMiddleware` keeps a client that has
  just written pinned for ``REPLICA_PIN_SECONDS`` with a cookie, so the page that follows a POST
  never reads a replica that has not replayed it yet.
* **A lagging replica is skipped.** Its lag (``now() - pg_last_xact_replay_timestamp()`` while
  WAL is waiting to be replayed, 0 when it has replayed all it received) is checked at most once
  every ``REPLICA_CHECK_SECONDS``; above ``REPLICA_MAX_LAG_SECONDS`` reads go to the primary.
* **A replica that is down is skipped** for ``REPLICA_RETRY_SECONDS`` after a failed check.

Without ``DATABASE_REPLICA_URL`` nothing here does anything (the embedded default, tests).
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from contextlib import ContextDecorator

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
PIN_COOKIE = "zz_primary"

logger = logging.getLogger(__name__)

_heavy: contextvars.ContextVar[int] = contextvars.ContextVar("replica_heavy", default=0)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_pinned", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("replica_wrote", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class heavy_reads(ContextDecorator):  # noqa: N801 - used like contextlib's lower-case helpers
    """Reads inside this block (or decorated function) may go to the replica."""

    def __enter__(self):
        self._token = _heavy.set(_heavy.get() + 1)
        return self

    def __exit__(self, *exc):
        _heavy.reset(self._token)
        return False


def pin_to_primary() -> None:
    """The rest of this request or task reads from the primary."""
    _pinned.set(True)


def start_unit_of_work(*, pinned: bool = False) -> None:
    """Reset the routing state at the start of a request or task."""
    _pinned.set(pinned)
    _wrote.set(False)


def wrote() -> bool:
    return _wrote.get()


class _Health:
    """Per-process view of the replica: usable or not, checked at most every few seconds."""

    def __init__(self):
        self.lock = threading.Lock()
        self.checked_at = 0.0
        self.usable = False
        self.down_until = 0.0
        self.lag: float | None = None

    def reset(self) -> None:
        with self.lock:
            self.checked_at, self.usable, self.down_until, self.lag = 0.0, False, 0.0, None

    def is_usable(self) -> bool:
        now = time.monotonic()
        with self.lock:
            if now < self.down_until:
                return False
            if now - self.checked_at < settings.REPLICA_CHECK_SECONDS:
                return self.usable
            self.checked_at = now
            try:
                lag = measure_lag()
            except DatabaseError as exc:
                logger.warning("replica unreachable, reading from the primary: %s", exc.__class__.__name__)
                self.usable, self.lag = False, None
                self.down_until = now + settings.REPLICA_RETRY_SECONDS
                try:
                    connections[REPLICA].close()
                except DatabaseError:
                    pass
                return False
            was_usable = self.usable
            self.lag = lag
            self.usable = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
            if was_usable and not self.usable:
                logger.warning("replica lags %.1f s, reading from the primary", lag if lag is not None else -1)
            return self.usable


health = _Health()


def measure_lag() -> float | None:
    """Seconds the replica is behind; None when the server is not a replica in recovery."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
            "THEN 0 ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END")
        in_recovery, lag = cursor.fetchone()
    return float(lag) if in_recovery else None


def read_alias() -> str:
    """The alias a heavy read would use right now (for tests and the readiness page)."""
    if configured() and _heavy.get() and not _pinned.get() and health.is_usable():
        return REPLICA
    return "default"


def heavy_alias() -> str:
    """The alias for a bulk read that never includes this unit of work's own writes (an export
    run that records its progress as it goes): the replica whenever it is fresh."""
    if configured() and health.is_usable():
        return REPLICA
    return "default"


class ReplicaRouter:
    """Database router: heavy reads to the replica when it is fresh, everything else to the primary."""

    def db_for_read(self, model, **hints):
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model, **hints):
        _pinned.set(True)
        _wrote.set(True)
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaPinMiddleware:
    """A client that has just written keeps reading from the primary for a few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            return self.get_response(request)
        start_unit_of_work(pinned=request.method not in ("GET", "HEAD", "OPTIONS")
                           or PIN_COOKIE in request.COOKIES)
        response = self.get_response(request)
        if wrote():
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=request.is_secure())
        return response
