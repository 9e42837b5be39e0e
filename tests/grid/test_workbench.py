"""Staff land on a workbench home whose counts agree with the lists they open (issue 14 item 4)."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from grid.workbench import counters_for
from grievances import services
from grievances.deadlines.models import Clock
from tests.grievances.factories import dispatched, submit

pytestmark = pytest.mark.django_db


def _overdue(g):
    Clock.objects.filter(pk=g.pk).update(due_at=timezone.now() - timedelta(hours=2))


def _due_soon(g):
    Clock.objects.filter(pk=g.pk).update(due_at=timezone.now() + timedelta(hours=3))


@pytest.fixture
def items(world, citizen, east_centre_staff, east_centre_leader):
    new = [submit(citizen, world.east_village) for _ in range(2)]
    late = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    services.supervise_grievance(actor=east_centre_leader, grievance=late, note="请加快办理")
    _overdue(late)
    soon = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept)
    _due_soon(soon)
    submit(citizen, world.west_village)  # another county's item: never counted
    return {"new": new, "late": late, "soon": soon}


def _by_key(user):
    return {c.key: c for c in counters_for(user)}


def test_centre_counts_link_to_queue_lists_of_the_same_size(client, items, east_centre_staff):
    counters = _by_key(east_centre_staff)
    # New items are on the centre's 24-hour clock from the start: due soon as well as to accept.
    assert {k: counters[k].count for k in ("todo", "soon", "overdue", "review", "new_supervision")} == {
        "todo": 2, "soon": 3, "overdue": 1, "review": 0, "new_supervision": 1}
    client.force_login(east_centre_staff)
    for key in ("todo", "soon", "overdue", "new_supervision"):
        body = client.get(counters[key].url).content.decode()
        assert f"{counters[key].count} 诉求件" in body or f"{counters[key].count} 条结果" in body, key


def test_department_counts_link_to_inbox_lists_of_the_same_size(client, items, east_handler):
    counters = _by_key(east_handler)
    assert {k: counters[k].count for k in ("todo", "soon", "overdue", "new_supervision")} == {
        "todo": 2, "soon": 1, "overdue": 1, "new_supervision": 1}
    assert "review" not in counters  # only the unit's leader approves returns
    client.force_login(east_handler)
    for key in ("soon", "overdue", "new_supervision"):
        page = client.get(counters[key].url)
        assert len(page.context["page"].items) == counters[key].count, key
    assert items["late"].tracking_no in client.get(counters["overdue"].url).content.decode()


def test_department_leader_also_sees_returns_and_extensions_to_review(items, east_dept_leader):
    counters = _by_key(east_dept_leader)
    assert counters["review"].url == reverse("grievances:returns")
    assert counters["extensions"].url == reverse("deadlines:extensions")


def test_staff_land_on_the_workbench_and_citizens_on_the_services(client, items, east_centre_staff, citizen):
    client.force_login(east_centre_staff)
    page = client.get("/")
    assert "我的工作台" in page.content.decode()
    assert [c.key for c in page.context["counters"]][:3] == ["todo", "soon", "overdue"]
    client.force_login(citizen)
    body = client.get("/").content.decode()
    assert "我的工作台" not in body and "我要反映" in body


def test_after_login_staff_arrive_at_the_workbench(client, east_handler):
    east_handler.set_password("handler-pass-1")
    east_handler.save()
    response = client.post(reverse("grid:login"), {"username": east_handler.username, "password": "handler-pass-1"})
    assert urlsplit(response["Location"]).path == "/"
    assert "我的工作台" in client.get("/").content.decode()
