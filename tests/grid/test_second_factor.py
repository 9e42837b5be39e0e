"""Staff second factor (STAFF_2FA_REQUIRED): TOTP authenticator, recovery codes, admin reset."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from grid import accounts
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _required(settings):
    settings.STAFF_2FA_REQUIRED = True


def _code(device, ahead=0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + ahead * device.step
    return f"{totp.token():06d}"


def _enrolled(user):
    device = accounts.start_second_factor(user=user)
    _, codes = accounts.confirm_second_factor(user=user, token=_code(device))
    device.refresh_from_db()
    return device, codes


def test_a_password_alone_does_not_open_the_admin(client, east_centre_staff):
    client.post("/admin/login/", {"username": east_centre_staff.username, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/2fa/setup/?next=%2Fadmin%2F")


def test_enrolment_shows_a_qr_code_and_gives_recovery_codes(client, east_centre_staff):
    client.force_login(east_centre_staff)
    page = client.get("/accounts/2fa/setup/?next=/admin/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in text and "绑定身份验证器" in text
    device = TOTPDevice.objects.get(user=east_centre_staff, confirmed=False)
    wrong = client.post("/accounts/2fa/setup/", {"token": "000000" if _code(device) != "000000" else "111111",
                                                  "next": "/admin/"})
    assert "动态验证码不正确" in wrong.content.decode()
    done = client.post("/accounts/2fa/setup/", {"token": _code(device), "next": "/admin/"})
    codes = done.context["codes"]
    assert len(codes) == 10 and all(c in done.content.decode() for c in codes)
    assert client.get("/admin/").status_code == 200


def test_sign_in_asks_for_the_authenticator_code(client, east_centre_staff, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no growing delay after the wrong code in this test
    device, _ = _enrolled(east_centre_staff)
    client.post("/accounts/login/", {"username": east_centre_staff.username, "password": PASSWORD})
    response = client.get("/admin/")
    assert response["Location"].startswith("/accounts/2fa/?next=")
    wrong = client.post("/accounts/2fa/", {"token": "12345", "next": "/admin/"})
    assert "动态验证码或恢复码不正确" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302
    ok = client.post("/accounts/2fa/", {"token": _code(device, ahead=1), "next": "/admin/"})
    assert ok.status_code == 302 and ok["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_opens_one_sign_in(client, east_centre_staff):
    _, codes = _enrolled(east_centre_staff)
    client.force_login(east_centre_staff)
    assert client.post("/accounts/2fa/", {"token": codes[0], "next": "/admin/"}).status_code == 302
    client.logout()
    client.force_login(east_centre_staff)
    again = client.post("/accounts/2fa/", {"token": codes[0], "next": "/admin/"})
    assert "不正确" in again.content.decode()


def test_department_inbox_is_a_staff_page_too(client, east_handler):
    client.force_login(east_handler)
    assert client.get("/appeals/work/")["Location"].startswith("/accounts/2fa/setup/")


def test_citizens_are_not_asked(client, citizen):
    client.force_login(citizen)
    assert client.get("/appeals/mine/").status_code == 200


def test_off_in_the_embedded_demo(client, east_centre_staff, settings):
    settings.STAFF_2FA_REQUIRED = False
    client.force_login(east_centre_staff)
    assert client.get("/admin/").status_code == 200


def test_a_centre_leader_resets_a_lost_device_in_the_admin(client, east_centre_leader, east_centre_staff):
    _enrolled(east_centre_staff)
    leader_device, _ = _enrolled(east_centre_leader)
    client.force_login(east_centre_leader)
    client.post("/accounts/2fa/", {"token": _code(leader_device, ahead=1)})
    response = client.post("/admin/grid/user/", {"action": "reset_second_factor",
                                                  "_selected_action": [east_centre_staff.pk]}, follow=True)
    assert "已重置1个账号的身份验证器" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=east_centre_staff).exists()
    assert not StaticDevice.objects.filter(user=east_centre_staff).exists()
    client.force_login(east_centre_staff)
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/setup/")


def test_a_centre_leader_cannot_reset_another_region_or_an_administrator(db, east_centre_leader, west_centre_staff,
                                                                         admin_user):
    for target in (west_centre_staff, admin_user):
        with pytest.raises(accounts.AccountError):
            accounts.reset_second_factor(actor=east_centre_leader, user=target)


def test_wrong_codes_count_towards_the_account_lock(client, east_centre_staff, settings):
    _enrolled(east_centre_staff)
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device's own growing delay is tested by django-otp
    client.force_login(east_centre_staff)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/accounts/2fa/", {"token": "000001"})
    assert response.status_code == 429 and "该账号已被锁定" in response.content.decode()


def test_after_a_wrong_code_the_device_asks_to_wait(client, east_centre_staff):
    device, _ = _enrolled(east_centre_staff)
    client.force_login(east_centre_staff)
    client.post("/accounts/2fa/", {"token": "000001"})
    response = client.post("/accounts/2fa/", {"token": _code(device, ahead=1)})
    assert "秒后再试" in response.content.decode()
    assert client.get("/admin/").status_code == 302
