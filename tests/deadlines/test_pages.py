"""What people see: the clock panel, the pause/extension pages, the supervision page."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from grievances.deadlines import services
from grievances.deadlines.models import Clock, ExtensionRequest, ExtensionStatus
from tests.deadlines import helpers

pytestmark = pytest.mark.django_db


def panel(rf, user, g):
    request = rf.get("/x/")
    request.user = user
    return render_to_string("deadlines/_clock.html", {"grievance": g, "request": request}, request=request)


def make_overdue(g, days=10):
    clock = Clock.objects.get(pk=g.pk)
    for f in ("accepted_at", "dispatched_at", "submitted_at", "centre_started_at", "centre_done_at"):
        setattr(clock, f, getattr(clock, f) - timedelta(days=days))
    services.recompute(clock)


def test_handler_sees_remaining_time_and_the_actions(rf, item, east_handler):
    html = panel(rf, east_handler, item)
    assert 'data-deadline="completion" data-status="ok"' in html
    assert "剩余" in html
    assert reverse("deadlines:pause", args=[item.pk]) in html
    assert reverse("deadlines:extend", args=[item.pk]) in html


def test_overdue_shows_overdue_by(rf, item, east_centre_staff):
    make_overdue(item)
    html = panel(rf, east_centre_staff, item)
    assert 'data-status="overdue"' in html and "已超期" in html
    # centre staff may pause but an extension is asked for by the unit
    assert reverse("deadlines:extend", args=[item.pk]) not in html


def test_citizen_sees_a_plain_status_only(rf, item, citizen):
    html = panel(rf, citizen, item)
    assert "data-clock-status" in html and "正在办理" in html
    assert "data-deadline" not in html and "deadlines/" not in html
    make_overdue(item)
    assert "综治中心已督促加快办理" in panel(rf, citizen, item)


def test_pause_and_resume_through_the_pages(client, item, east_handler):
    client.force_login(east_handler)
    url = reverse("deadlines:pause", args=[item.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "expert", "note": "请房屋安全专家现场鉴定", "next": "/appeals/work/"})
    assert response.status_code == 302 and response["Location"] == "/appeals/work/"
    assert Clock.objects.get(pk=item.pk).paused_at is not None
    client.post(reverse("deadlines:resume", args=[item.pk]))
    assert Clock.objects.get(pk=item.pk).paused_at is None


def test_pause_page_shows_the_refusal(client, item, east_handler):
    client.force_login(east_handler)
    response = client.post(reverse("deadlines:pause", args=[item.pk]), {"reason": "expert", "note": " "})
    assert response.status_code == 200
    assert not Clock.objects.get(pk=item.pk).pauses.exists()


def test_other_units_cannot_even_open_the_pause_page(client, item, west_handler):
    client.force_login(west_handler)
    assert client.get(reverse("deadlines:pause", args=[item.pk])).status_code == 404


def test_extension_request_and_leader_decision_through_the_pages(client, item, east_handler, east_dept_leader):
    client.force_login(east_handler)
    response = client.post(reverse("deadlines:extend", args=[item.pk]),
                           {"days": 5, "reason": "双方约定延期", "parties_agreed": "on"})
    assert response.status_code == 302
    ext = ExtensionRequest.objects.get()
    # the handler cannot decide
    response = client.post(reverse("deadlines:decide", args=[ext.pk]), {"decision": "approve"})
    assert response.status_code == 200 and "本单位的领导" in response.content.decode()
    client.force_login(east_dept_leader)
    client.post(reverse("deadlines:decide", args=[ext.pk]), {"decision": "approve", "note": "同意"})
    ext.refresh_from_db()
    assert ext.status == ExtensionStatus.APPROVED


def test_supervision_page_lists_overdue_items_in_my_region_with_unit_counts(
        client, world, citizen, item, east_centre_staff, west_centre_staff, django_assert_max_num_queries):
    make_overdue(item)
    fresh = helpers.submit(citizen, world.east_village)  # not overdue
    url = reverse("admin:deadlines_supervisionitem_changelist")
    client.force_login(east_centre_staff)
    with django_assert_max_num_queries(20):
        html = client.get(url).content.decode()
    assert item.tracking_no in html and fresh.tracking_no not in html
    assert 'id="unit-overdue-counts"' in html and world.east_dept.name in html
    assert item.tracking_no in client.get(url, {"unit": world.east_dept.pk}).content.decode()
    assert item.tracking_no not in client.get(url, {"unit": world.east_dept2.pk}).content.decode()
    assert item.tracking_no in client.get(url, {"region": world.east.code}).content.decode()
    assert item.tracking_no not in client.get(url, {"region": world.west.code}).content.decode()
    client.force_login(west_centre_staff)
    assert item.tracking_no not in client.get(url).content.decode()


def test_supervision_page_query_count_does_not_grow_with_rows(
        client, world, citizen, east_centre_staff, item, django_assert_max_num_queries):
    for _ in range(5):
        g = helpers.submit(citizen, world.east_village)
        helpers.accept(g, east_centre_staff)
        helpers.dispatch(g, east_centre_staff, world.east_dept)
        make_overdue(g)
    make_overdue(item)
    client.force_login(east_centre_staff)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("admin:deadlines_supervisionitem_changelist"))
    assert response.content.decode().count("已超期") >= 6


def test_supervision_rows_with_their_checkboxes_are_djangos_rows(client, world, citizen, east_centre_staff, item):
    """The 督办 rows, action checkbox included (written without a widget template per row,
    grid/templatetags/admin_rows.py), are the HTML Django's own tag renders."""
    from django.contrib.admin.templatetags import admin_list
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from grid.templatetags import admin_rows

    item.title = '<b>标签</b> & 引号"测试'
    item.save(update_fields=["title"])
    make_overdue(item)
    client.force_login(east_centre_staff)
    cl = client.get(reverse("admin:deadlines_supervisionitem_changelist")).context["cl"]
    with CaptureQueriesContext(connection) as ctx:  # the rows load what they show (no lazy loads)
        ours = [[str(cell) for cell in row] for row in admin_rows.result_list(cl)["results"]]
        django = [[str(cell) for cell in row] for row in admin_list.result_list(cl)["results"]]
    assert ours == django and len(ours) == 1
    assert len(ctx.captured_queries) == 0, [q["sql"] for q in ctx.captured_queries]
    assert 'name="_selected_action"' in ours[0][0] and any("&lt;b&gt;" in cell for cell in ours[0])


def test_supervise_action_from_the_supervision_page(client, item, east_centre_staff):
    make_overdue(item)
    client.force_login(east_centre_staff)
    client.post(reverse("admin:deadlines_supervisionitem_changelist"),
                {"action": "supervise", "_selected_action": [item.pk]})
    item.refresh_from_db()
    assert item.supervision_count == 1


def test_centre_leader_edits_the_policy_and_bad_reminders_are_refused(client, east_centre_leader):
    from grievances.deadlines.models import DeadlinePolicy

    policy = DeadlinePolicy.objects.get(kind="dispute", severity="major")
    client.force_login(east_centre_leader)
    url = reverse("admin:deadlines_deadlinepolicy_change", args=[policy.pk])
    data = {"kind": "dispute", "severity": "major", "start_on": "accepted", "note": policy.note,
            "sign_days": 0, "interim_days": "", "completion_days": 25, "second_days": 7, "rating_days": 7,
            "centre_hours": 24, "reminder_hours": "abc"}
    assert "逗号分隔" in client.post(url, data).content.decode()
    data["reminder_hours"] = "48,24,2"
    assert client.post(url, data).status_code == 302
    policy.refresh_from_db()
    assert policy.completion_days == 25 and policy.rules().reminder_hours == (48, 24, 2)


def test_overdue_counts_by_unit_selector(world, item, admin_user):
    from grievances.deadlines.selectors import overdue_counts_by_unit

    assert overdue_counts_by_unit(admin_user) == []
    make_overdue(item)
    assert overdue_counts_by_unit(admin_user) == [
        {"unit_id": world.east_dept.pk, "unit__name": world.east_dept.name, "overdue": 1}]
    assert overdue_counts_by_unit(admin_user, now=timezone.now() - timedelta(days=30)) == []


def test_unit_leader_lists_pending_extensions_and_is_sent_to_the_decision(
        client, item, east_handler, east_dept_leader, django_assert_max_num_queries):
    from grid.notifications.models import Message

    ext = services.request_extension(actor=east_handler, grievance=item, days=3, reason="等待检测报告",
                                     parties_agreed=True)
    notice = Message.objects.get(user=east_dept_leader, template_code="extension_requested")
    assert notice.link.endswith(reverse("deadlines:decide", args=[ext.pk]))
    client.force_login(east_dept_leader)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("deadlines:extensions")).content.decode()
    assert item.tracking_no in html and "等待检测报告" in html


def test_citizen_awaiting_rating_is_told_to_rate_not_that_it_is_being_accepted(
    rf, world, citizen, east_centre_staff, east_handler
):
    from tests.grievances.factories import verified

    g = verified(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler)
    html = panel(rf, citizen, g)
    assert "已办结，请对办理结果进行评价" in html
    assert "正在受理" not in html


def test_province_supervision_page_reads_due_order_without_sorting(
        client, world, citizen, east_centre_staff, item, admin_user):
    """A province-wide 督办 list (an administrator's) is read in due order without sorts
    (``SET LOCAL enable_sort = off``: PostgreSQL misjudged how many clocks are overdue and
    sorted all of a province's, 72 ms at 10 M appeals); it shows the same rows in the same
    order as the sorted list, with the same number of queries for one row as for six. A
    county centre's list is sorted as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("admin:deadlines_supervisionitem_changelist")
    make_overdue(item)
    client.force_login(admin_user)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for days in (3, 7, 12, 20, 30):
        g = helpers.submit(citizen, world.east_village)
        helpers.accept(g, east_centre_staff)
        helpers.dispatch(g, east_centre_staff, world.east_dept)
        make_overdue(g, days=days)
    with CaptureQueriesContext(connection) as six:
        html = client.get(url).content.decode()
    expected = list(Clock.objects.filter(is_open=True, due_at__lt=timezone.now()).order_by("due_at", "-pk")
                    .values_list("grievance__tracking_no", flat=True))
    assert len(expected) == 6
    assert sorted(expected, key=html.index) == expected
    assert len(six.captured_queries) == len(one.captured_queries)
    walked = any("enable_sort" in q["sql"] for q in six.captured_queries)
    assert walked == (connection.vendor == "postgresql")
    client.force_login(east_centre_staff)
    with CaptureQueriesContext(connection) as county:
        html = client.get(url).content.decode()
    assert sorted(expected, key=html.index) == expected
    assert not any("enable_sort" in q["sql"] for q in county.captured_queries)


def test_province_supervision_page_names_the_units_with_most_overdue_and_sums_the_rest(
        client, world, citizen, east_centre_staff, item, admin_user, monkeypatch):
    """A province has hundreds of units with overdue items (188 at 10 M appeals); the 督办 page
    names only those with most (20; 1 here) and sums the others in one line that points to the
    unit filter, which still lists every unit's items."""
    from grievances.deadlines import selectors

    monkeypatch.setattr(selectors, "OVERDUE_UNITS_SHOWN", 1)
    make_overdue(item)
    for _ in range(2):
        g = helpers.submit(citizen, world.east_village)
        helpers.accept(g, east_centre_staff)
        helpers.dispatch(g, east_centre_staff, world.east_dept2)
        make_overdue(g)
    url = reverse("admin:deadlines_supervisionitem_changelist")
    client.force_login(admin_user)
    html = client.get(url).content.decode()
    table = html[html.index('id="unit-overdue-counts"'):html.index("</table>", html.index('id="unit-overdue-counts"'))]
    assert world.east_dept2.name in table and world.east_dept.name not in table
    assert "其余 1 个单位" in table and '<tr class="other-units">' in table
    assert table.split('class="other-units">')[1].split("<td>")[2].startswith("1<")
    assert item.tracking_no in client.get(url, {"unit": world.east_dept.pk}).content.decode()
    summary = selectors.overdue_units(admin_user, limit=5)
    assert [r["unit_id"] for r in summary.top] == [world.east_dept2.pk, world.east_dept.pk]
    assert (summary.other_units, summary.other_items) == (0, 0)


def test_province_supervision_filters_reach_every_county_and_unit(client, world, admin_user, monkeypatch):
    """A province has more regions and units than a filter lists (300): the region filter then
    lists its cities and counties, and a chosen county's townships; the unit filter lists the
    units of the region chosen, so every unit the table sums up can be reached."""
    from grievances.deadlines.admin import RegionFilter

    monkeypatch.setattr(RegionFilter, "LIMIT", 4)  # the fixture world has 5 regions to list
    url = reverse("admin:deadlines_supervisionitem_changelist")
    client.force_login(admin_user)

    def choices(params=None):
        cl = client.get(url, params or {}).context["cl"]
        return {spec.parameter_name: [name.strip("　") for _v, name in spec.lookup_choices]
                for spec in cl.filter_specs if hasattr(spec, "parameter_name")}

    everything = choices()
    assert {"清源市", "东湖区", "西山县"} <= set(everything["region"])
    assert "湖滨街道" not in everything["region"] and "石门镇" not in everything["region"]
    east = choices({"region": world.east.code})
    assert "湖滨街道" in east["region"] and "石门镇" not in east["region"] and "西山县" in east["region"]
    assert world.east_dept.name in east["unit"] and world.west_dept.name not in east["unit"]
    west = choices({"region": world.west.code})
    assert world.west_dept.name in west["unit"] and world.east_dept.name not in west["unit"]
    monkeypatch.setattr(RegionFilter, "LIMIT", 300)
    assert {"湖滨街道", "石门镇"} <= set(choices()["region"])
