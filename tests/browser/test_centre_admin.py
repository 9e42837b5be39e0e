"""Centre staff and leaders at 1366 px in the admin: find an item in the queue, accept,
dispatch, verify and supervise it on the item page (issue 14 items 1 and 2)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from grievances.deadlines.models import Clock
from tests.browser.conftest import STAFF, box, shoot
from tests.grievances.factories import completed, dispatched, submit

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
LONG_TITLE = "小区楼下餐馆油烟扰民长期无人处理，影响居民正常生活休息，多次反映未果"


def _overdue(g, hours=3):
    Clock.objects.filter(pk=g.pk).update(due_at=timezone.now() - timedelta(hours=hours))


def test_queue_is_one_line_per_item_most_urgent_first(open_page, world, citizen, east_centre_staff):
    fresh = submit(citizen, world.east_village, title=LONG_TITLE)
    late = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, title="电梯停运两周")
    _overdue(late)
    page = open_page(viewport=STAFF, user=east_centre_staff)
    page.goto("/admin/grievances/grievance/")

    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    first = rows.nth(0)
    assert late.tracking_no in first.inner_text()
    assert "已超期" in first.locator(".grv-left").inner_text()
    assert "overdue" in first.locator(".grv-left").get_attribute("class")
    assert "剩余" in rows.nth(1).locator(".grv-left").inner_text()
    # One line per item, the long title cut short with the full text on hover.
    for i in range(2):
        assert rows.nth(i).bounding_box()["height"] < 40
    title = page.locator(f'.grv-short[title="{LONG_TITLE}"]')
    assert title.evaluate("e => e.scrollWidth > e.clientWidth")
    # No column cut off: the table and the filters fit the window.
    table = box(page, "#result_list")
    assert table["x"] + table["width"] <= box(page, "#changelist-filter")["x"]
    assert page.evaluate("document.documentElement.scrollWidth") <= STAFF["width"]
    shoot(page, "centre-queue")
    assert fresh.tracking_no in rows.nth(1).inner_text()


def test_item_page_is_a_workbench_at_a_glance(open_page, world, citizen, east_centre_staff):
    g = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, title=LONG_TITLE)
    page = open_page(viewport=LAPTOP, user=east_centre_staff)
    page.goto(f"/admin/grievances/grievance/{g.pk}/change/")

    facts, timeline, actions = (box(page, s) for s in (".grv-facts-col", ".grv-timeline-col", ".grv-actions"))
    # Three real columns side by side, all starting in the first screen of a 1366×768 laptop.
    for b in (facts, timeline, actions):
        assert b["width"] >= 300
        assert b["y"] < 300
    assert facts["x"] + facts["width"] <= timeline["x"] <= actions["x"] - timeline["width"]
    assert page.evaluate("document.documentElement.scrollHeight") < 1500
    assert page.get_by_text("东湖区住房和城乡建设局").first.is_visible()
    assert page.locator('.deadline-clock [data-deadline="sign"]').is_visible()
    assert page.locator(".grv-timeline li").count() == 3
    assert page.get_by_role("button", name="督办").is_visible()
    shoot(page, "centre-item")


def test_staff_finds_accepts_and_dispatches(open_page, world, citizen, east_centre_staff):
    g = submit(citizen, world.east_village, title="楼道堆放杂物堵塞消防通道")
    submit(citizen, world.east_village, title="另一件不相关的事")
    page = open_page(viewport=STAFF, user=east_centre_staff)
    page.goto("/admin/grievances/grievance/")
    page.locator("#searchbar").fill(g.tracking_no)
    page.locator("#searchbar").press("Enter")
    page.wait_for_load_state()
    assert page.locator("#result_list tbody tr").count() == 1
    page.get_by_role("link", name=g.tracking_no).click()

    accept = page.locator("#action-accept")
    assert accept.get_attribute("open") is not None
    accept.get_by_label("纠纷等级").select_option(label="一般")
    accept.get_by_role("button", name="受理").click()
    page.wait_for_load_state()
    assert page.get_by_text("“受理”已完成。").is_visible()
    assert page.locator(".grv-state").inner_text() == "已受理"

    dispatch = page.locator("#action-dispatch")
    if dispatch.get_attribute("open") is None:
        dispatch.locator("summary").click()
    dispatch.get_by_label("牵头承办单位").select_option(label=world.east_dept.name)
    dispatch.get_by_role("button", name="分流交办").click()
    page.wait_for_load_state()
    assert page.locator(".grv-state").inner_text() == "已分流"
    assert page.locator('.deadline-clock [data-deadline="sign"]').is_visible()


def test_a_refused_action_keeps_its_form_open_with_the_message(open_page, world, citizen, east_centre_staff):
    g = submit(citizen, world.east_village)
    page = open_page(viewport=STAFF, user=east_centre_staff)
    page.goto(f"/admin/grievances/grievance/{g.pk}/change/")
    page.allow_console("status of 400")
    reject = page.locator("#action-reject")
    reject.locator("summary").click()
    # Blank-looking text passes the browser's own check; the server refuses it.
    reject.get_by_label("不予受理理由").fill("   ")
    reject.get_by_label("办理指引（告知群众应向何处反映）").fill("请向区法院咨询。")
    reject.get_by_role("button", name="不予受理").click()
    page.wait_for_load_state()
    reject = page.locator("#action-reject")
    assert reject.get_attribute("open") is not None
    assert reject.locator(".errorlist").first.is_visible()
    assert reject.get_by_label("办理指引（告知群众应向何处反映）").input_value() == "请向区法院咨询。"


def test_staff_verifies_and_leader_supervises(open_page, world, citizen, east_centre_staff, east_centre_leader,
                                               east_handler):
    done = completed(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler)
    late = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, title="噪音扰民")
    _overdue(late)
    page = open_page(viewport=STAFF, user=east_centre_staff)
    page.goto(f"/admin/grievances/grievance/{done.pk}/change/")
    page.locator("#action-verify").get_by_role("button", name="核查通过，反馈群众").click()
    page.wait_for_load_state()
    assert page.locator(".grv-state").inner_text() == "已反馈待评价"

    leader = open_page(viewport=STAFF, user=east_centre_leader)
    leader.goto("/admin/grievances/grievance/?flag=overdue")
    assert leader.locator("#result_list tbody tr").count() == 1
    leader.get_by_role("link", name=late.tracking_no).click()
    supervise = leader.locator("#action-supervise")
    if supervise.get_attribute("open") is None:
        supervise.locator("summary").click()
    supervise.get_by_label("意见").fill("请三日内办结并书面报告。")
    supervise.get_by_role("button", name="督办").click()
    leader.wait_for_load_state()
    assert leader.locator(".grv-flag", has_text="督办1次").is_visible()
    assert leader.get_by_text("请三日内办结并书面报告。").first.is_visible()
