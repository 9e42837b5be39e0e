"""重新启动办理: an archived item goes back to its unit under a supervision order."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from grievances import services
from grievances.deadlines.models import Clock
from grievances.models import State, SupervisionOrder

pytestmark = pytest.mark.django_db


def test_centre_staff_reopen_a_closed_item_with_supervision_and_running_clocks(loop, east_centre_staff, world):
    g = loop.closed()
    assert not Clock.objects.get(grievance=g).is_open
    order = services.reopen_grievance(actor=east_centre_staff, grievance=g, reason="回访发现问题复发")
    g.refresh_from_db()
    assert g.state == State.HANDLING and g.handling_unit == world.east_dept
    assert g.closed_at is None and g.completed_at is None
    assert g.supervision_count == 1
    assert order.note == "回访发现问题复发" and order.issued_by == east_centre_staff
    reopened = g.events.get(action="reopened")
    assert reopened.public and reopened.from_state == State.CLOSED and reopened.to_state == State.HANDLING
    assert list(g.events.values_list("action", flat=True))[-2:] == ["reopened", "supervised"]
    clock = Clock.objects.get(grievance=g)
    assert clock.is_open and clock.reopened_at is not None
    assert clock.completion_due is not None and clock.completion_due > timezone.now()
    assert clock.next_due is not None


def test_system_may_reopen_without_an_actor(loop):
    g = loop.closed()
    services.reopen_grievance(actor=None, grievance=g, reason="调解协议未履行")
    g.refresh_from_db()
    assert g.state == State.HANDLING
    assert SupervisionOrder.objects.get(grievance=g).issued_by is None


def test_staff_out_of_scope_and_open_items_are_refused(loop, west_centre_staff, east_centre_staff, east_handler):
    g = loop.closed()
    with pytest.raises(services.GrievancePermissionError, match="综治中心"):
        services.reopen_grievance(actor=west_centre_staff, grievance=g, reason="x")
    with pytest.raises(services.GrievancePermissionError):
        services.reopen_grievance(actor=east_handler, grievance=g, reason="x")
    with pytest.raises(services.TransitionRefused, match="说明理由"):
        services.reopen_grievance(actor=east_centre_staff, grievance=g, reason=" ")
    h = loop.handling()
    with pytest.raises(services.TransitionRefused, match="办理中"):
        services.reopen_grievance(actor=east_centre_staff, grievance=h, reason="x")


def test_reopen_is_offered_in_the_admin_and_the_citizen_sees_it(client, loop, east_centre_staff, citizen):
    g = loop.closed()
    client.force_login(east_centre_staff)
    assert "reopen" in services.allowed_actions(east_centre_staff, g)
    r = client.post(reverse("admin:grievances_grievance_act", args=[g.pk, "reopen"]),
                    {"note": "群众反映问题复发", "version": g.version})
    assert r.status_code == 302
    g.refresh_from_db()
    assert g.state == State.HANDLING
    client.force_login(citizen)
    body = client.get(reverse("grievances:detail", args=[g.pk])).content.decode()
    assert "重新启动办理" in body and "群众反映问题复发" in body


def test_reopened_item_goes_overdue_on_the_second_round_limit(loop, east_centre_staff):
    from grievances.deadlines import services as clocks

    g = loop.closed()
    services.reopen_grievance(actor=east_centre_staff, grievance=g, reason="复发")
    clock = Clock.objects.get(grievance=g)
    done = clocks.process_clock(clock.pk, now=clock.completion_due + timedelta(minutes=1))
    assert "completion:overdue" in done
    g.refresh_from_db()
    assert g.supervision_count == 2
