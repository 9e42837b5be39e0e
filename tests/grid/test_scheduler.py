"""The embedded profile's scheduler runs the beat schedule without a broker (issue 14 item 11)."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from grid.scheduler import Scheduler, interval_seconds

ENTRIES = {"scan": {"task": "t.scan", "schedule": 60.0}, "slow": {"task": "t.slow", "schedule": timedelta(minutes=5)}}


def test_every_entry_runs_at_start_then_at_its_interval():
    s = Scheduler(ENTRIES)
    ran = []
    assert s.run_due(0, lambda name, entry: ran.append(name)) == ["scan", "slow"]
    assert s.run_due(59, lambda *a: None) == []
    assert s.run_due(60, lambda *a: None) == ["scan"]
    assert s.run_due(300, lambda *a: None) == ["scan", "slow"]
    assert s.seconds_to_next(300) == 60


def test_a_failing_task_does_not_stop_the_others():
    def run(name, entry):
        if name == "scan":
            raise RuntimeError("boom")

    assert Scheduler(ENTRIES).run_due(0, run) == ["scan", "slow"]


def test_a_calendar_entry_waits_for_its_time_and_does_not_stop_the_intervals():
    """The audit trail's daily head is a crontab (00:05): it must not run at start, and it
    must not break the minute scans (it used to raise and stop the whole scheduler)."""
    from celery.schedules import crontab

    with pytest.raises(ValueError):
        interval_seconds(crontab(minute=0))
    clock = {"now": timezone.now().replace(minute=30, second=0, microsecond=0)}
    entries = {**ENTRIES, "head": {"task": "t.head", "schedule": crontab(minute=0, nowfun=lambda: clock["now"])}}
    s = Scheduler(entries, wall_clock=lambda: clock["now"])
    assert s.run_due(0, lambda *a: None) == ["scan", "slow"]
    assert 1 <= s.seconds_to_next(0) <= 60
    clock["now"] += timedelta(minutes=31)  # past the next full hour
    assert s.run_due(60, lambda *a: None) == ["scan", "head"]
    assert s.run_due(120, lambda *a: None) == ["scan"]


@pytest.mark.django_db
def test_the_command_runs_the_real_minute_scan_once_and_an_overdue_item_is_supervised(
        world, citizen, east_centre_staff, east_handler, settings):
    from grievances.deadlines.models import Clock
    from tests.grievances.factories import dispatched

    settings.REDIS_URL = ""
    g = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    clock = Clock.objects.get(pk=g.pk)
    past = timezone.now() - timedelta(days=30)
    Clock.objects.filter(pk=g.pk).update(
        dispatched_at=past, accepted_at=past, centre_started_at=past, submitted_at=past)
    from grievances.deadlines import services

    services.recompute(Clock.objects.get(pk=clock.pk))
    call_command("run_scheduler", "--once")
    g.refresh_from_db()
    assert g.supervision_count == 1


def test_the_command_refuses_where_a_broker_is_configured(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with pytest.raises(CommandError, match="celery -A config beat"):
        call_command("run_scheduler", "--once")
