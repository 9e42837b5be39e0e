"""With a real Celery worker and Redis (CI): exactly-once supervision and SMS under
concurrent scans, a worker killed mid-delivery, a flaky gateway, and a broker outage.

Run: DATABASE_URL=postgres://… REDIS_URL=redis://… pytest tests/deadlines -m worker
"""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from grid.notifications import services as outbox
from grid.notifications import tasks as outbox_tasks
from grid.notifications.models import Message, Status
from grievances.deadlines import services, tasks
from grievances.deadlines.models import Clock, ClockAction
from grievances.models import SupervisionOrder
from tests.deadlines import helpers
from tests.worker_support import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEADER_PHONE = "13600000002"
HANDLER_PHONE = "13600000001"


def _overdue_item(world, citizen, staff, handler, leader):
    handler.phone, leader.phone = HANDLER_PHONE, LEADER_PHONE
    handler.save()
    leader.save()
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, staff)
    helpers.dispatch(g, staff, world.east_dept)
    helpers.sign(g, handler)
    # The item was accepted ten days ago: its 7-day completion deadline has passed.
    with transaction.atomic():
        clock = Clock.objects.select_for_update().get(pk=g.pk)
        for f in ("accepted_at", "dispatched_at", "signed_at", "submitted_at", "centre_started_at",
                  "centre_done_at"):
            setattr(clock, f, getattr(clock, f) - timedelta(days=10))
        services.recompute(clock)
    assert Clock.objects.get(pk=g.pk).next_due < timezone.now()
    return g


def _sms_texts(gateway, phone):
    return [m["text"] for m in gateway.delivered_to(phone) if m.get("channel") == "sms"]


def test_two_concurrent_scans_give_one_supervision_and_one_sms_per_recipient(
        celery_worker, world, citizen, east_centre_staff, east_handler, east_dept_leader):
    g = _overdue_item(world, citizen, east_centre_staff, east_handler, east_dept_leader)
    gateway = celery_worker.gateway
    # two scans at once (the worker runs two processes), then two more for good measure
    tasks.scan_deadlines.delay()
    tasks.scan_deadlines.delay()
    wait_for(lambda: SupervisionOrder.objects.filter(grievance=g).count() >= 1, message="the supervision order")
    wait_for(lambda: any("超期督办" in t for t in _sms_texts(gateway, LEADER_PHONE)), message="the leader's SMS")
    tasks.scan_deadlines.delay()
    wait_for(lambda: any("督办" in t for t in _sms_texts(gateway, HANDLER_PHONE)), message="the handler's SMS")
    time.sleep(3)  # anything duplicated would arrive now
    assert SupervisionOrder.objects.filter(grievance=g, kind="overdue").count() == 1
    g.refresh_from_db()
    assert g.supervision_count == 1
    assert ClockAction.objects.filter(clock_id=g.pk, action="overdue").count() == 1
    assert len([t for t in _sms_texts(gateway, LEADER_PHONE) if "超期督办" in t]) == 1
    assert len([t for t in _sms_texts(gateway, HANDLER_PHONE) if "【督办】" in t]) == 1
    # and the gateway was never even asked twice for one message
    keys = [r["key"] for r in gateway.requests]
    assert len(keys) == len(set(keys))
    assert not Message.objects.exclude(channel="site").exclude(status=Status.SENT).exists()
    assert "grievances.deadlines.tasks.process_clock" in celery_worker.read_log()  # done by the worker


def test_worker_killed_mid_delivery_is_replaced_and_the_sms_counts_once(celery_worker, citizen):
    gateway = celery_worker.gateway
    gateway.delay = 4  # the gateway takes its time: the worker is killed while waiting
    with transaction.atomic():
        (mid,) = outbox.notify(key="kill-test", template="grievance_accepted",
                               context={"tracking_no": "GD-KILL"}, users=[citizen])
    wait_for(lambda: len(gateway.requests) == 1, message="the delivery to start")
    assert Message.objects.get(pk=mid).status == Status.SENDING
    celery_worker.kill()
    gateway.delay = 0
    celery_worker.start()
    # the beat sweep runs every minute; once the dead worker's lease (3 s here) is over it re-enqueues
    time.sleep(3.5)
    outbox_tasks.dispatch_due_messages.delay()
    wait_for(lambda: Message.objects.get(pk=mid).status == Status.SENT, message="delivery by the new worker")
    m = Message.objects.get(pk=mid)
    assert m.attempts == 2 and m.sent_at is not None
    assert len(gateway.delivered_to(citizen.phone)) == 1  # the gateway dropped the repeat by key
    assert [r["key"] for r in gateway.requests] == [m.idempotency_key] * 2


def test_gateway_failing_twice_then_succeeding(celery_worker, citizen):
    gateway = celery_worker.gateway
    gateway.fail_next = 2
    with transaction.atomic():
        (mid,) = outbox.notify(key="flaky", template="grievance_accepted", context={"tracking_no": "GD-FLAKY"},
                               users=[citizen])
    wait_for(lambda: Message.objects.get(pk=mid).status == Status.SENT, timeout=30,
             message="delivery after two failures")
    m = Message.objects.get(pk=mid)
    assert m.attempts == 3
    assert len(gateway.requests) == 3 and len(gateway.delivered_to(citizen.phone)) == 1


def test_scan_after_an_hour_of_broker_downtime_catches_up(
        celery_worker, monkeypatch, world, citizen, east_centre_staff, east_handler, east_dept_leader):
    gateway = celery_worker.gateway
    celery_worker.stop()  # every worker down …

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis: Connection refused")

    monkeypatch.setattr(outbox_tasks.deliver_message, "delay", broker_down)  # … and the broker too
    monkeypatch.setattr(tasks.process_clock, "delay", broker_down)
    g = _overdue_item(world, citizen, east_centre_staff, east_handler, east_dept_leader)
    # Events kept happening: their messages wait in the outbox.
    pending = Message.objects.filter(status=Status.PENDING).count()
    assert pending > 0
    # An hour went by: the deadline passed an hour ago and no scan could run.
    with transaction.atomic():
        clock = Clock.objects.select_for_update().get(pk=g.pk)
        for f in ("accepted_at", "dispatched_at", "signed_at"):
            setattr(clock, f, getattr(clock, f) - timedelta(hours=1))
        services.recompute(clock)
    Message.objects.filter(status=Status.PENDING).update(next_attempt_at=timezone.now() - timedelta(hours=1))
    monkeypatch.undo()
    celery_worker.start()
    tasks.scan_deadlines.delay()
    outbox_tasks.dispatch_due_messages.delay()
    wait_for(lambda: SupervisionOrder.objects.filter(grievance=g).count() == 1, message="the late supervision")
    wait_for(lambda: any("超期督办" in t for t in _sms_texts(gateway, LEADER_PHONE)), message="the leader's SMS")
    wait_for(lambda: not Message.objects.exclude(channel="site").exclude(status=Status.SENT).exists(),
             message="the outbox to drain")
    tasks.scan_deadlines.delay()
    outbox_tasks.dispatch_due_messages.delay()
    time.sleep(2)
    assert SupervisionOrder.objects.filter(grievance=g).count() == 1
    assert len(_sms_texts(gateway, citizen.phone)) == Message.objects.filter(phone=citizen.phone,
                                                                            channel="sms").count()
    # no reminder was sent late for a deadline already past
    assert not Message.objects.filter(template_code="deadline_reminder").exists()
