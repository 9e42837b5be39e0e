"""Readiness checks for load balancers and systemd: each dependency with its own status and
latency, no secrets (no URLs, hosts or error texts that could carry them; only the
exception's class name)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings


def _timed(check: Callable[[], None]) -> dict:
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # noqa: BLE001 - a failed dependency is a result, not a crash
        return {"status": "fail", "latency_ms": _ms(started), "error": type(exc).__name__}
    return {"status": "ok", "latency_ms": _ms(started)}


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def check_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    from django.core.cache import cache

    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def check_broker() -> None:
    """The Celery broker: Redis when configured; the embedded profile runs tasks eagerly."""
    if not settings.REDIS_URL:
        return
    import redis

    redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2).ping()


def check_storage() -> None:
    """Both file storages (published media and private files; two roots or an object store)
    accept a write and a delete (a full disk, a read-only mount or a refused bucket fails)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    for alias in ("default", "private"):
        storage = storages[alias]
        name = storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
        storage.delete(name)


def check_migrations() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise PendingMigrations(f"{len(plan)} migrations not applied")


class PendingMigrations(Exception):
    pass


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
    "migrations": check_migrations,
}


def readiness() -> tuple[bool, dict]:
    results = {name: _timed(check) for name, check in CHECKS.items()}
    if "database" in results and results["database"]["status"] != "ok":
        # Without a database the migration check can only repeat the same failure.
        results["migrations"] = {"status": "fail", "latency_ms": 0.0, "error": "DatabaseUnavailable"}
    ready = all(r["status"] == "ok" for r in results.values())
    return ready, results
