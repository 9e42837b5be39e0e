"""A leader following an alert (issue 14 item 3): 重大事项预警 opens the item for the leader,
from the in-site message or from the SMS link while signed out; a page that is not
someone's is a Chinese page with a way back, never a bare error."""

import pytest

from grid.notifications.models import Message
from grievances import services
from grievances.models import GrievanceKind, Severity
from tests.browser.conftest import PHONE, STAFF
from tests.grievances.factories import category, submit

pytestmark = pytest.mark.browser


@pytest.fixture
def major_item(world, citizen, east_centre_staff, east_centre_leader, live_server, settings):
    settings.SITE_URL = live_server.url  # the links inside messages are absolute
    east_centre_leader.phone = "13600000009"
    east_centre_leader.save()
    g = submit(citizen, world.east_village, title="工地拖欠三十名工人工资")
    services.accept_grievance(actor=east_centre_staff, grievance=g, kind=GrievanceKind.DISPUTE,
                              severity=Severity.MAJOR, category=category())
    return g


def test_leader_opens_the_major_alert_from_the_messages(open_page, major_item, east_centre_leader):
    page = open_page(viewport=STAFF, user=east_centre_leader)
    page.goto("/notifications/")
    alert = page.locator(".list-group-item", has_text="重大事项预警").first
    assert major_item.tracking_no in alert.inner_text()
    alert.click()
    page.wait_for_load_state()
    assert "/admin/grievances/grievance/" in page.url
    assert page.get_by_role("heading", name="工地拖欠三十名工人工资").is_visible()
    assert page.locator(".grv-flag", has_text="较大").is_visible()
    # The next step of the loop is the form already unfolded.
    assert page.locator("#action-dispatch").get_attribute("open") is not None


def test_leader_opens_the_sms_link_signed_out_and_lands_on_the_item(open_page, major_item, east_centre_leader):
    east_centre_leader.set_password("leader-pass-2026")
    east_centre_leader.save()
    sms = Message.objects.get(user=east_centre_leader, channel="sms", template_code="major_alert")
    page = open_page(viewport=PHONE)
    page.goto(sms.link)
    assert page.get_by_role("heading", name="登录").is_visible()
    page.get_by_label("手机号码或用户名").fill(east_centre_leader.username)
    page.get_by_label("密码").fill("leader-pass-2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert f"/admin/grievances/grievance/{major_item.pk}/change/" in page.url
    assert page.get_by_role("heading", name="工地拖欠三十名工人工资").is_visible()


def test_an_item_of_another_unit_is_a_chinese_page_with_a_way_back(open_page, world, citizen, west_handler):
    g = submit(citizen, world.east_village)
    page = open_page(viewport=PHONE, user=west_handler)
    page.allow_console("status of 404")
    page.goto(f"/appeals/{g.pk}/open/")
    assert page.get_by_role("heading", name="页面不存在").is_visible()
    page.get_by_role("link", name="回到首页").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/") == page.live_url.rstrip("/")
