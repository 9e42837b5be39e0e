"""Staff land on their workbench (issue 14 item 4), and each unit role works its day:
department handler (inbox, sign, reply, complete, return), department leader (approve the
return), mediator (take a dispatched dispute), lawyer (their desk)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from grievances.deadlines.models import Clock
from tests.browser.conftest import STAFF, box, shoot
from tests.grievances.factories import dispatched, handling, submit

pytestmark = pytest.mark.browser


def _counter(page, key):
    return page.locator(f'[data-counter="{key}"]')


def test_centre_staff_land_on_a_workbench_with_counts_and_a_one_line_top_bar(
        open_page, world, citizen, east_centre_staff):
    submit(citizen, world.east_village)
    late = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, title="路灯不亮")
    Clock.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=5))
    page = open_page(viewport=STAFF, user=east_centre_staff)
    page.goto("/")
    assert page.get_by_role("heading", name="我的工作台").is_visible()
    assert _counter(page, "todo").locator("[data-count]").inner_text() == "1"
    assert _counter(page, "overdue").locator("[data-count]").inner_text() == "1"
    for key in ("todo", "soon", "overdue", "review", "new_supervision"):
        assert _counter(page, key).is_visible()
    # The top bar is one line at 1366 px: the public services fold into one menu.
    nav = box(page, "nav.navbar")
    assert nav["height"] < 70
    assert not page.get_by_role("link", name="普法小剧场").is_visible()
    page.get_by_role("button", name="公共服务").click()
    assert page.get_by_role("link", name="普法小剧场").is_visible()
    page.keyboard.press("Escape")
    shoot(page, "staff-workbench")
    _counter(page, "overdue").click()
    page.wait_for_load_state()
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1 and late.tracking_no in rows.first.inner_text()


def test_handler_signs_replies_and_completes_from_the_inbox(open_page, world, citizen, east_centre_staff,
                                                            east_handler):
    g = dispatched(citizen, world.east_village, east_centre_staff, world.east_dept, title="小区门口占道经营")
    page = open_page(viewport=STAFF, user=east_handler)
    page.goto("/")
    todo = _counter(page, "todo")
    assert todo.locator("[data-count]").inner_text() == "1"
    todo.click()
    page.get_by_role("link", name=g.tracking_no).click()
    page.get_by_role("button", name="签收").click()
    page.wait_for_load_state()
    assert page.get_by_text("操作成功。").is_visible()
    reply = page.locator("#action-reply")
    reply.get_by_label("阶段性回复").fill("已约谈摊主，三日内清理。")
    reply.get_by_role("button", name="提交阶段性回复").click()
    page.wait_for_load_state()
    assert page.get_by_text("已约谈摊主，三日内清理。").first.is_visible()
    done = page.locator("#action-complete")
    done.get_by_label("办理结果").fill("摊位已全部清理，设置了提示牌。")
    done.get_by_role("button", name="办结").click()
    page.wait_for_load_state()
    assert page.get_by_text("已办结待核查").first.is_visible()
    assert page.locator("#action-complete").count() == 0
    shoot(page, "department-item")


def test_handler_asks_to_return_and_the_leader_approves(open_page, world, citizen, east_centre_staff, east_handler,
                                                        east_dept_leader):
    g = handling(citizen, world.east_village, east_centre_staff, world.east_dept, east_handler, title="欠薪")
    page = open_page(viewport=STAFF, user=east_handler)
    page.goto(f"/appeals/work/{g.pk}/")
    back = page.locator("#action-request_return")
    back.get_by_label("退回理由（须详细说明不属于本单位职责的原因）").fill("属劳动保障监察职责，应交人社局。")
    back.get_by_role("button", name="申请退回").click()
    page.wait_for_load_state()
    assert page.get_by_text("退回申请待本单位领导审核").is_visible()

    leader = open_page(viewport=STAFF, user=east_dept_leader)
    leader.goto("/")
    review = _counter(leader, "review")
    assert review.locator("[data-count]").inner_text() == "1"
    review.click()
    leader.get_by_role("button", name="同意退回").click()
    leader.wait_for_load_state()
    assert leader.get_by_text("已同意退回，该件已退回同级综治中心。").is_visible()


def test_mediator_takes_a_dispatched_dispute(open_page, world, citizen, east_centre_staff, mediator):
    g = dispatched(citizen, world.east_village, east_centre_staff, world.east_mediation, title="邻里漏水纠纷")
    page = open_page(viewport=STAFF, user=mediator)
    page.goto("/")
    assert page.get_by_role("heading", name="我的工作台").is_visible()
    page.get_by_role("link", name="调解案件").first.click()
    page.wait_for_load_state()
    row = page.locator(f'[data-untaken="{g.pk}"]')
    assert "邻里漏水纠纷" in row.inner_text()
    row.get_by_role("button", name="签收并立案").click()
    page.wait_for_load_state()
    assert page.locator(f'[data-untaken="{g.pk}"]').count() == 0


def test_lawyer_lands_on_a_workbench_leading_to_the_desk(open_page, lawyer):
    page = open_page(viewport=STAFF, user=lawyer)
    page.goto("/")
    assert page.get_by_role("heading", name="我的工作台").is_visible()
    page.locator(".work-tiles").get_by_role("link", name="律师工作台").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="律师工作台").is_visible()
