"""The browser harness itself: a person can sign in through the real form, the forced
session works, and a script error on a page is caught."""

import pytest

pytestmark = pytest.mark.browser


def test_centre_staff_signs_in_through_the_login_form(open_page, east_centre_staff):
    east_centre_staff.set_password("correct-horse-9")
    east_centre_staff.save()
    page = open_page()
    page.goto("/accounts/login/")
    page.get_by_label("手机号码或用户名").fill(east_centre_staff.username)
    page.get_by_label("密码").fill("correct-horse-9")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    assert page.get_by_text(east_centre_staff.display_name).first.is_visible()


def test_a_forced_session_opens_the_admin_at_staff_width(open_page, east_centre_staff):
    page = open_page(user=east_centre_staff)
    page.goto("/admin/")
    assert page.get_by_role("heading", name="工作台").is_visible()
    assert page.get_by_text(east_centre_staff.display_name).first.is_visible()
    # The page fits the window: nothing scrolls sideways at 1366 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366


def test_a_script_error_on_a_page_is_caught(open_page):
    page = open_page()
    page.goto("/")
    page.add_script_tag(content="setTimeout(() => { throw new Error('boom from the test'); }, 0)")
    page.wait_for_timeout(100)
    assert any("boom from the test" in e for e in page.console_errors)
    page.allow_console("boom from the test")
