"""A citizen on a phone (390×844): SMS login, file with a photo, look up, rate; and a
hotline caller who opens the SMS link logged out (issue 14, citizen side)."""

import re

import pytest
from PIL import Image

from grievances import services
from grievances.models import Channel, Grievance, GrievanceKind, StagedUpload, State
from tests.browser.conftest import PHONE, box, shoot
from tests.grievances.factories import category

pytestmark = pytest.mark.browser

NUMBER = "13912340000"


@pytest.fixture
def fixed_code(monkeypatch):
    """The SMS gateway is the console in tests: make the code predictable instead of reading it."""
    import grid.accounts

    monkeypatch.setattr(grid.accounts.secrets, "randbelow", lambda n: 246810)
    return "246810"


def _photo(tmp_path, name="road.jpg"):
    """A phone-camera-sized photo with real detail (noise), so it is megabytes, not kilobytes."""
    import os

    path = tmp_path / name
    if not path.exists():
        noise = Image.frombytes("RGB", (2400, 1800), os.urandom(2400 * 1800 * 3))
        noise.save(path, "JPEG", quality=95)
    return path


def _sms_login(page, phone, code):
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.wait_for_load_state()
    send = page.locator("[data-send-code]")
    # The button counts down and the cursor waits in the code field.
    assert send.is_disabled()
    assert re.search(r"\d+秒后重新获取", send.inner_text())
    assert page.evaluate("document.activeElement.id") == "id_code"
    # The button sits beside the number, inside the form's width.
    phone_box, send_box = box(page, "#id_phone"), box(page, "[data-send-code]")
    assert abs(phone_box["y"] - send_box["y"]) < 4 and send_box["x"] > phone_box["x"]
    assert send_box["x"] + send_box["width"] <= PHONE["width"]
    page.keyboard.type(code)
    page.keyboard.press("Enter")  # Enter in the code field signs in, it does not re-send
    page.wait_for_url(lambda url: "/login/sms/" not in url)


def _pick(page, index, name):
    picker = page.locator("[data-region-picker] select").nth(index)
    picker.wait_for()
    page.wait_for_function(
        "([i, n]) => { const s = document.querySelectorAll('[data-region-picker] select')[i];"
        " return s && Array.from(s.options).some(o => o.text === n); }", arg=[index, name])
    picker.select_option(label=name)


def test_citizen_signs_in_by_sms_files_with_a_photo_looks_up_and_rates(
        open_page, world, fixed_code, tmp_path, east_centre_staff, east_handler):
    page = open_page(viewport=PHONE)
    page.goto("/accounts/login/sms/?next=/appeals/new/")
    assert page.locator("#id_phone").count() == 1 and page.locator("[data-send-code]").count() == 1
    shoot(page, "citizen-sms-login")
    _sms_login(page, NUMBER, fixed_code)
    assert page.url.endswith("/appeals/new/")

    page.get_by_label("诉求类型").select_option(label="民生诉求服务")
    _pick(page, 1, "东湖区")
    _pick(page, 2, "湖滨街道")
    _pick(page, 3, "柳岸社区")
    page.get_by_label("诉求内容").fill("小区门口路灯坏了一个月，晚上很黑。")
    # The photo goes up as soon as it is chosen, shrunk in the browser, and shows as a thumbnail.
    page.locator("input[type=file]").first.set_input_files(str(_photo(tmp_path)))
    page.locator("[data-staged-item] img").first.wait_for()
    staged = StagedUpload.objects.get()
    with staged.file.open("rb") as fh:
        assert max(Image.open(fh).size) <= 1600  # 2400×1800 on the phone, shrunk before upload
    assert staged.size < _photo(tmp_path).stat().st_size
    # A second photo, removed again with its button.
    page.locator("input[type=file]").first.set_input_files(str(_photo(tmp_path, "second.jpg")))
    page.locator("[data-staged-item]").nth(1).wait_for()
    page.locator("[data-staged-item]").nth(1).get_by_role("button", name="移除").click()
    assert page.locator("[data-staged-item]").count() == 1
    # Forgot the title: the form comes back with what was typed and the photo still there.
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("[data-staged-item] img").count() == 1
    assert page.get_by_label("诉求内容").input_value() == "小区门口路灯坏了一个月，晚上很黑。"
    page.get_by_label("标题").fill("路灯不亮")
    page.locator("[data-staged]").scroll_into_view_if_needed()
    shoot(page, "citizen-submit")
    page.get_by_role("button", name="提交", exact=True).click()
    page.wait_for_url(re.compile(r"/appeals/\d+/done/"))
    g = Grievance.objects.get(title="路灯不亮")
    assert page.get_by_text(g.tracking_display).first.is_visible()
    assert g.attachments.filter(kind="image").count() == 1
    shoot(page, "citizen-confirmation")

    # Someone without the account looks the item up with the number and the phone.
    other = open_page(viewport=PHONE)
    other.goto("/appeals/lookup/")
    other.get_by_label("受理编号").fill(g.tracking_display)
    other.get_by_label("提交时填写的手机号码").fill(NUMBER)
    other.get_by_role("button", name="查询").click()
    other.wait_for_load_state()
    assert other.get_by_role("heading", name="路灯不亮").is_visible()

    # The centre and the department work the item; the citizen rates the result.
    services.accept_grievance(actor=east_centre_staff, grievance=g, kind=GrievanceKind.LIVELIHOOD)
    services.dispatch_grievance(actor=east_centre_staff, grievance=g, unit=world.east_dept)
    services.sign_grievance(actor=east_handler, grievance=g)
    services.complete_grievance(actor=east_handler, grievance=g, result="已更换路灯灯头，恢复照明。")
    services.verify_grievance(actor=east_centre_staff, grievance=g)
    page.goto(f"/appeals/{g.pk}/")
    rate = page.locator("#rate")
    assert rate.is_visible()
    assert not rate.locator("input[type=radio]:checked").count()
    submit = rate.get_by_role("button", name="提交评价")
    assert submit.is_enabled() and box(page, "#rate button[type=submit]")["width"] > PHONE["width"] * 0.7
    rate.get_by_label("不满意").check()
    rate.get_by_label("评价意见").fill("路灯第二天又不亮了")
    shoot(page, "citizen-rate")
    submit.click()
    page.wait_for_load_state()
    card = page.locator("[data-second-round]")
    assert card.is_visible()
    assert "已启动二次督办" in card.inner_text() and world.east_dept.name in card.inner_text()
    assert "已更换路灯灯头" in card.inner_text()  # the earlier result stays in view
    assert re.search(r"重新办理中，预计\d{4}-\d{2}-\d{2}前办结", page.locator("[data-clock-status]").inner_text())
    shoot(page, "citizen-second-supervision")
    g.refresh_from_db()
    assert g.state == State.HANDLING
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_hotline_caller_opens_the_sms_link_logged_out_and_gets_the_item_after_the_code(
        open_page, world, fixed_code, east_centre_staff):
    g = services.submit_grievance(
        actor=east_centre_staff, channel=Channel.HOTLINE, kind=GrievanceKind.LIVELIHOOD, region=world.east_village,
        title="楼道灯坏了", description="3栋2单元楼道灯一个月没亮。", contact_name="王大爷", contact_phone=NUMBER,
        category=category())
    page = open_page(viewport=PHONE)
    page.goto(f"/appeals/{g.pk}/")
    assert "/accounts/login/sms/" in page.url
    assert page.get_by_text("登记诉求时留下的手机号码").first.is_visible()
    shoot(page, "citizen-sms-link")
    _sms_login(page, NUMBER, fixed_code)
    assert page.url.endswith(f"/appeals/{g.pk}/")
    assert page.get_by_role("heading", name="楼道灯坏了").is_visible()
    page.goto("/appeals/mine/")
    assert page.get_by_text("楼道灯坏了").first.is_visible()


def test_a_photo_removed_while_its_thumbnail_loads_is_discarded_after_it_without_an_error(
        open_page, world, citizen, tmp_path):
    """On a slow connection the citizen removes a photo before its thumbnail has arrived: the
    thumbnail must not be asked for after the file is gone (the page logged a 404 when it was),
    and the file is still discarded once the thumbnail is in."""
    # the service worker would fetch the thumbnail where page.route cannot see it
    page = open_page(viewport=PHONE, user=citizen, service_workers="block")
    held = []
    page.route(re.compile(r"/files/grievances\.stagedupload/thumbnail/"), lambda route: held.append(route))
    page.goto("/appeals/new/")
    page.locator("input[type=file]").first.set_input_files(str(_photo(tmp_path)))
    page.locator("[data-staged-item]").first.wait_for()
    for _ in range(50):  # route handlers run while the page is waited on
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the thumbnail request was not made"
    page.locator("[data-staged-item]").first.get_by_role("button", name="移除").click()
    assert page.locator("[data-staged-item]").count() == 0
    page.wait_for_timeout(300)
    assert StagedUpload.objects.count() == 1  # kept while its thumbnail is still on its way
    for route in held:
        route.continue_()
    for _ in range(50):
        if not StagedUpload.objects.exists():
            break
        page.wait_for_timeout(100)
    assert not StagedUpload.objects.exists()
