"""Prometheus metrics: request latency and errors by view, queries per request, failed
logins, task runs — and the platform's own gauges, read at scrape time from indexed counts.

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
(docs/operations.md): the per-process counters are then summed over workers.
"""

from __future__ import annotations

import logging
import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "zongzhi_http_request_duration_seconds", "Server time per request, by view",
    ["view", "method"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter("zongzhi_http_responses_total", "Responses by view and status class",
                    ["view", "method", "status"])
ERRORS = Counter("zongzhi_http_errors_total", "Unhandled exceptions and 5xx answers, by view", ["view"])
QUERIES = Histogram(
    "zongzhi_db_queries_per_request", "Database queries per request, by view", ["view"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200),
)
LOGIN_FAILURES = Counter("zongzhi_login_failures_total", "Failed logins at any login door")
TASK_RUNS = Counter("zongzhi_task_runs_total", "Celery task runs by task and outcome", ["task", "outcome"])


class PlatformCollector:
    """Gauges a city operator watches. Each is one indexed aggregate (the partial indexes on
    open messages, open clocks and the centre/state index on grievances), so a scrape costs
    a few milliseconds at millions of rows. A failing source is reported as
    ``zongzhi_gauge_errors`` instead of failing the whole scrape."""

    def collect(self):
        errors = GaugeMetricFamily("zongzhi_gauge_errors", "Gauges that could not be read", labels=["gauge"])
        for name, method in (
            ("outbox", self._outbox), ("clocks", self._clocks), ("acceptance", self._acceptance),
            ("queues", self._queues), ("media", self._media), ("heartbeats", self._heartbeats),
            ("lockouts", self._lockouts),
        ):
            try:
                yield from method()
            except Exception:  # noqa: BLE001 - one broken source must not hide the others
                logger.warning("metrics gauge %s failed", name, exc_info=True)
                errors.add_metric([name], 1)
        yield errors

    def _outbox(self):
        from django.db.models import Count, Min
        from django.utils import timezone

        from grid.notifications.models import OPEN_STATUSES, Channel, Message

        backlog = GaugeMetricFamily("zongzhi_outbox_backlog", "Messages not yet delivered, by channel",
                                    labels=["channel"])
        oldest = GaugeMetricFamily("zongzhi_outbox_oldest_pending_seconds",
                                   "Age of the oldest undelivered message, by channel", labels=["channel"])
        rows = {r["channel"]: r for r in Message.objects.filter(status__in=OPEN_STATUSES)
                .values("channel").annotate(n=Count("id"), oldest=Min("created_at")).order_by()}
        now = timezone.now()
        for channel in Channel.values:
            row = rows.get(channel)
            backlog.add_metric([channel], row["n"] if row else 0)
            oldest.add_metric([channel], (now - row["oldest"]).total_seconds() if row else 0)
        yield backlog
        yield oldest

    def _clocks(self):
        from django.utils import timezone

        from grievances.deadlines.models import Clock

        now = timezone.now()
        yield GaugeMetricFamily("zongzhi_clocks_overdue", "Open items past their deadline",
                                value=Clock.objects.overdue(now).count())
        yield GaugeMetricFamily("zongzhi_clocks_due", "Clocks due for the scan now (should stay near 0)",
                                value=Clock.objects.filter(next_due__lte=now).count())

    def _acceptance(self):
        from django.db.models import Count

        from grievances.models import Grievance, State

        gauge = GaugeMetricFamily("zongzhi_appeals_awaiting_acceptance",
                                  "Appeals waiting for acceptance, by responsible centre", labels=["centre"])
        for row in (Grievance.objects.filter(state=State.SUBMITTED).values("centre__code")
                    .annotate(n=Count("id")).order_by()):
            gauge.add_metric([row["centre__code"] or "none"], row["n"])
        yield gauge

    def _queues(self):
        from django.conf import settings

        gauge = GaugeMetricFamily("zongzhi_celery_queue_depth", "Tasks waiting in the broker, by queue",
                                  labels=["queue"])
        if settings.REDIS_URL:
            import redis

            client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
            for queue in celery_queues():
                gauge.add_metric([queue], client.llen(queue))
        yield gauge

    def _media(self):
        from pufa_media.models import ProcessingStatus, Video

        yield GaugeMetricFamily("zongzhi_media_processing_failures", "Videos whose processing failed",
                                value=Video.objects.filter(status=ProcessingStatus.FAILED).count())

    def _heartbeats(self):
        from ops.models import Heartbeat

        gauge = GaugeMetricFamily("zongzhi_task_last_success_timestamp_seconds",
                                  "When each periodic task last finished without error", labels=["task"])
        for beat in Heartbeat.objects.all():
            gauge.add_metric([beat.task], beat.last_success_at.timestamp())
        yield gauge

    def _lockouts(self):
        from axes.models import AccessAttempt

        yield GaugeMetricFamily("zongzhi_login_attempt_records",
                                "Accounts or addresses with recorded failed logins (django-axes)",
                                value=AccessAttempt.objects.count())


def celery_queues() -> list[str]:
    from django.conf import settings

    queues = {"celery"}
    for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values():
        if isinstance(route, dict) and route.get("queue"):
            queues.add(route["queue"])
    return sorted(queues)


class _Combined:
    """Several collectors read as one registry by generate_latest."""

    def __init__(self, *sources):
        self.sources = sources

    def collect(self):
        for source in self.sources:
            yield from source.collect()


def render() -> bytes:
    """The exposition text: this process's (or, in multiprocess mode, all workers') metrics
    plus the platform gauges, which are read only when the metrics endpoint is scraped."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        base = CollectorRegistry()
        multiprocess.MultiProcessCollector(base)
    else:
        from prometheus_client import REGISTRY as base
    return generate_latest(_Combined(base, PlatformCollector()))


def observe(view: str, method: str, status: int, seconds: float, queries: int) -> None:
    REQUEST_LATENCY.labels(view, method).observe(seconds)
    RESPONSES.labels(view, method, f"{status // 100}xx").inc()
    QUERIES.labels(view).observe(queries)
    if status >= 500:
        ERRORS.labels(view).inc()
