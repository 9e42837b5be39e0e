"""Two scans acting on the same overdue item at the same instant, in real concurrent
transactions (PostgreSQL): the row locks and the unique ClockAction key let one win."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from grievances.deadlines import services
from grievances.deadlines.models import Clock, ClockAction
from grievances.models import SupervisionOrder
from tests.deadlines import helpers

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_processes_of_one_clock_at_once_supervise_once(world, citizen, east_centre_staff, east_handler,
                                                           east_dept_leader):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    east_dept_leader.phone = "13600000002"
    east_dept_leader.save()
    g = helpers.submit(citizen, world.east_village)
    helpers.accept(g, east_centre_staff)
    helpers.dispatch(g, east_centre_staff, world.east_dept)
    helpers.sign(g, east_handler)
    with transaction.atomic():
        clock = Clock.objects.select_for_update().get(pk=g.pk)
        for f in ("accepted_at", "dispatched_at", "signed_at"):
            setattr(clock, f, getattr(clock, f) - timedelta(days=10))
        services.recompute(clock)
    barrier = threading.Barrier(3)
    results, errors = [], []

    def scan():
        from django.db import connection as conn

        try:
            barrier.wait()
            results.append(services.process_clock(g.pk, now=timezone.now()))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 0, 1]
    assert SupervisionOrder.objects.filter(grievance=g).count() == 1
    assert ClockAction.objects.filter(clock_id=g.pk, action="overdue").count() == 1
    from grid.notifications.models import Message

    assert Message.objects.filter(phone="13600000002", template_code="deadline_overdue").count() == 1
