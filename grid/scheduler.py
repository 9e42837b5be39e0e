"""The embedded profile's scheduler: the periodic scans without Celery beat.

Production runs ``celery beat`` with a worker against Redis. The embedded demo (``make run``:
SQLite, no broker, tasks eager) would otherwise never fire its reminders, overdue
supervision, auto-close or message delivery; ``manage.py run_scheduler`` runs the same
``CELERY_BEAT_SCHEDULE`` in its own process, calling each task in-process when its interval
has passed. It only starts where there is no broker (``REDIS_URL`` unset) and never in
tests: nothing starts it but ``make run``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

logger = logging.getLogger(__name__)


def interval_seconds(schedule) -> float:
    """Seconds between runs of a beat entry's ``schedule`` (a number, a timedelta or a
    celery ``schedule`` with ``run_every``); ValueError for a calendar schedule (crontab)."""
    if isinstance(schedule, int | float):
        return float(schedule)
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)
    if isinstance(run_every, timedelta):
        return run_every.total_seconds()
    raise ValueError(f"not an interval schedule: {schedule!r}")


def _interval(schedule) -> float | None:
    try:
        return interval_seconds(schedule)
    except ValueError:
        return None


def _wall_clock():
    from django.utils import timezone

    return timezone.now()


@dataclass
class Scheduler:
    """Which beat entries are due. An interval entry runs at start and then every interval;
    a calendar entry (celery ``crontab``, e.g. the audit trail's daily signed head at 00:05)
    runs when its schedule says so, counted from the scheduler's start, as celery beat does."""

    entries: Mapping[str, dict]
    last_run: dict[str, float] = field(default_factory=dict)
    wall_clock: Callable = _wall_clock
    started_at: object = None
    last_run_at: dict[str, object] = field(default_factory=dict)

    def __post_init__(self):
        if self.started_at is None:
            self.started_at = self.wall_clock()

    def _calendar_due(self, name: str, schedule) -> tuple[bool, float]:
        last = self.last_run_at.get(name, self.started_at)
        is_due, next_seconds = schedule.is_due(last)
        return bool(is_due), float(next_seconds)

    def due(self, now: float) -> list[str]:
        names = []
        for name, entry in self.entries.items():
            seconds = _interval(entry["schedule"])
            if seconds is None:
                if self._calendar_due(name, entry["schedule"])[0]:
                    names.append(name)
            elif name not in self.last_run or now - self.last_run[name] >= seconds:
                names.append(name)
        return names

    def run_due(self, now: float, run: Callable[[str, dict], None]) -> list[str]:
        ran = []
        for name in self.due(now):
            self.last_run[name] = now
            self.last_run_at[name] = self.wall_clock()
            try:
                run(name, self.entries[name])
            except Exception:  # noqa: BLE001 — one failing scan must not stop the others
                logger.exception("scheduled task %s failed", name)
            ran.append(name)
        return ran

    def seconds_to_next(self, now: float) -> float:
        waits = []
        for name, entry in self.entries.items():
            seconds = _interval(entry["schedule"])
            if seconds is None:
                waits.append(self._calendar_due(name, entry["schedule"])[1])
            else:
                waits.append(seconds - (now - self.last_run.get(name, now - 1e9)))
        return max(min(waits, default=60.0), 1.0)


def run_task(name: str, entry: dict) -> None:
    """Call the beat entry's task in this process (the embedded profile has no broker)."""
    from config.celery import app

    task = app.tasks[entry["task"]]
    result = task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
    logger.info("scheduled %s: %s", name, result.result)


def loop(scheduler: Scheduler, *, once: bool = False, sleep=time.sleep, clock=time.monotonic) -> None:
    from config.celery import app

    app.loader.import_default_modules()  # every app's tasks module (autodiscovery is lazy)
    while True:
        scheduler.run_due(clock(), run_task)
        if once:
            return
        sleep(scheduler.seconds_to_next(clock()))
